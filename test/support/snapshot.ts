/** The whole windows state of one key space, decoded, for integrity comparisons between runs. */
import type { Config } from '../../src/config/config.ts';
import { KeySpace } from '../../src/redis/keys.ts';
import type { AccountState } from '../../src/windows/account-state.ts';
import { WindowReader } from '../../src/windows/window-reader.ts';
import { testRedis } from './services.ts';

export interface WindowSnapshot {
  readonly accounts: Map<string, AccountState>;
  readonly indexes: Map<string, string[]>;
  readonly maxEventTimeMs: number;
}

export async function snapshotWindows(c: Config): Promise<WindowSnapshot> {
  const redis = testRedis();
  try {
    const reader = new WindowReader(redis, new KeySpace(c.redisPrefix), c.inputTopic);
    const refs = await reader.activeAccounts(0);
    const states = await reader.states(refs);
    const accounts = new Map<string, AccountState>();
    for (const [ref, s] of states) accounts.set(`${ref.partition}|${ref.accountId}`, s);
    return { accounts: new Map([...accounts].sort(([a], [b]) => a.localeCompare(b))), indexes: await reader.allIndexes(), maxEventTimeMs: await reader.maxEventTimeMs() };
  } finally {
    redis.disconnect();
  }
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
