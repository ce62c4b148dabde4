/** The whole windows state of one key space, decoded, for integrity comparisons between runs. */
import type { Config } from '../../src/config/config.ts';
import { KeySpace } from '../../src/redis/keys.ts';
import type { RedisClient } from '../../src/redis/client.ts';
import type { AccountSnapshot } from '../../src/windows/account-snapshot.ts';
import { WindowReader } from '../../src/windows/window-reader.ts';
import { testRedis } from './services.ts';

export interface WindowSnapshot {
  readonly accounts: Map<string, AccountSnapshot>;
  readonly indexes: Map<string, string[]>;
  readonly maxEventTimeMs: number;
}

export async function snapshotWindows(c: Config): Promise<WindowSnapshot> {
  const redis = testRedis();
  try {
    return await snapshotOf(redis, c.redisPrefix, c.inputTopic);
  } finally {
    redis.disconnect();
  }
}

/** The same from any Redis (a single one or a cluster) and key prefix. */
export async function snapshotOf(redis: RedisClient, prefix: string, topic: string): Promise<WindowSnapshot> {
  const reader = new WindowReader(redis, new KeySpace(prefix), topic);
  const refs = await reader.activeAccounts(0);
  const states = await reader.states(refs);
  const accounts = new Map<string, AccountSnapshot>();
  for (const [ref, s] of states) accounts.set(`${ref.partition}|${ref.accountId}`, s);
  return {
    accounts: new Map([...accounts].sort(([a], [b]) => a.localeCompare(b))),
    indexes: await reader.allIndexes(),
    maxEventTimeMs: await reader.maxEventTimeMs(),
  };
}

/** Requests per account id, summed over partitions. */
export function requestsByAccount(s: WindowSnapshot): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, st] of s.accounts) {
    const id = key.slice(key.indexOf('|') + 1);
    out.set(id, (out.get(id) ?? 0) + st.requests);
  }
  return out;
}
