/**
 * A window store that keeps the states it wrote, against the real Redis: it writes exactly what a store reading every
 * blob writes, reads only what it does not keep, and reads again whatever another writer or a failed batch may have
 * changed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { sampleTraffic } from '../../fixtures/sample-traffic.ts';
import { observe } from '../../src/fingerprint/observation.ts';
import { createEventDecoder } from '../../src/ingest/decode-event.ts';
import { registerScripts } from '../../src/redis/scripts.ts';
import { KeySpace } from '../../src/redis/keys.ts';
import type { WindowSettings } from '../../src/windows/account-state.ts';
import { WindowReader } from '../../src/windows/window-reader.ts';
import { WindowStore, type OffsetObservation, type PartitionBatch } from '../../src/windows/window-store.ts';
import { testRedis, uniqueName } from '../support/services.ts';
import { offsetObservation } from '../support/observations.ts';

const settings: WindowSettings = {
  bucketMs: 3_600_000,
  slotMs: 60_000,
  retentionMs: 7 * 86_400_000,
  latenessMs: 600_000,
};
const KEEP = 64 * 1024 * 1024;
const clients: Redis[] = [];
const prefixes: string[] = [];

/** A client of its own that counts the account blobs read through it. */
function countingRedis(): { redis: Redis; blobsRead: () => number } {
  const redis = testRedis();
  registerScripts(redis);
  clients.push(redis);
  let read = 0;
  const pipeline = redis.pipeline.bind(redis);
  redis.pipeline = ((...a: Parameters<Redis['pipeline']>) => {
    const p = pipeline(...a);
    const mget = p.mgetBuffer.bind(p);
    p.mgetBuffer = ((...keys: string[]) => {
      read += keys.length;
      return mget(...keys);
    }) as typeof p.mgetBuffer;
    return p;
  }) as Redis['pipeline'];
  return { redis, blobsRead: () => read };
}

function space(): KeySpace {
  const keys = new KeySpace(uniqueName('kept'));
  prefixes.push(keys.prefix);
  return keys;
}

afterAll(async () => {
  const redis = testRedis();
  for (const p of prefixes) {
    const found = await redis.keys(`${p}:*`);
    if (found.length > 0) await redis.del(...found);
  }
  redis.disconnect();
  for (const c of clients) c.disconnect();
});

/** Sample traffic (raw prompt text) as the worker sees it: decoded and fingerprinted, in offset order. */
function traffic(events: number, accounts: number): OffsetObservation[] {
  const decode = createEventDecoder({ maxEventBytes: 1 << 20, maxFutureSkewMs: Number.MAX_SAFE_INTEGER });
  const out: OffsetObservation[] = [];
  const weekMs = 7 * 86_400_000;
  for (const m of sampleTraffic({
    seed: 7,
    accounts,
    events,
    startMs: Date.now() - weekMs,
    meanGapMs: weekMs / events,
  })) {
    const r = decode(Buffer.from(m.value), Date.now());
    if (r.ok) out.push({ offset: BigInt(out.length), observation: observe(r.event) });
  }
  return out;
}

function batchOf(events: readonly OffsetObservation[]): PartitionBatch {
  return {
    topic: 't',
    partition: 0,
    firstOffset: (events[0] as OffsetObservation).offset,
    lastOffset: (events[events.length - 1] as OffsetObservation).offset,
    events,
  };
}

/** Everything a store wrote under a prefix: every key's type and value, values of hashes and sets sorted. */
async function dump(redis: Redis, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of await redis.keys(`${prefix}:*`)) {
    const name = key.slice(prefix.length);
    const type = await redis.type(key);
    if (type === 'string') out.set(name, (await redis.getBuffer(key))?.toString('hex') ?? '');
    else if (type === 'hash') {
      const h = await redis.hgetall(key);
      delete h.writer; // the token of the store that wrote last
      out.set(name, JSON.stringify(Object.entries(h).sort()));
    } else if (type === 'zset') out.set(name, JSON.stringify(await redis.zrange(key, '0', '-1', 'WITHSCORES')));
    else if (type === 'set') out.set(name, JSON.stringify((await redis.smembers(key)).sort()));
    else out.set(name, type);
  }
  return out;
}

describe('WindowStore keeping the states it wrote', () => {
  it('writes what a store reading every blob writes, and reads only the accounts it does not keep', async () => {
    const events = traffic(4_000, 150);
    const kept = countingRedis();
    const plain = countingRedis();
    const [keptKeys, plainKeys] = [space(), space()];
    const keeping = new WindowStore(kept.redis, keptKeys, settings, KEEP);
    const reading = new WindowStore(plain.redis, plainKeys, settings);
    const batches: OffsetObservation[][] = [];
    for (let i = 0; i < events.length; i += 250) batches.push(events.slice(i, i + 250));
    // A redelivery that overlaps what was applied, as after a crash between the commit and Kafka's.
    batches.splice(8, 0, events.slice(1_900, 2_100));
    for (const b of batches) {
      const [k, p] = [await keeping.applyBatch(batchOf(b)), await reading.applyBatch(batchOf(b))];
      expect(k).toEqual(p);
    }
    const [k, p] = [await dump(kept.redis, keptKeys.prefix), await dump(plain.redis, plainKeys.prefix)];
    expect(k.size).toBeGreaterThan(150);
    expect(k).toEqual(p);
    // Each account is read at most once (its first batch finds no blob, or the one written before the store started).
    expect(plain.blobsRead()).toBeGreaterThan(1_000);
    expect(kept.blobsRead()).toBeLessThanOrEqual(150);
    expect(keeping.keptStates().states).toBe(new Set(events.map((e) => e.observation.accountId)).size);
  });

  it('reads the partition again once another writer has committed to it', async () => {
    const keys = space();
    const first = new WindowStore(countingRedis().redis, keys, settings, KEEP);
    const other = new WindowStore(countingRedis().redis, keys, settings, KEEP);
    const reader = new WindowReader(countingRedis().redis, keys, 't');
    const T0 = Date.parse('2026-11-20T10:00:00Z');
    const ev = (offset: number, tsMs: number) => offsetObservation(offset, 'a', tsMs);
    await first.applyBatch(batchOf([ev(0, T0)]));
    // The partition went to another worker for a while (a rebalance), and came back.
    await other.applyBatch(batchOf([ev(1, T0 + 60_000)]));
    await first.applyBatch(batchOf([ev(2, T0 + 120_000)]));
    expect((await reader.state({ topic: 't', partition: 0, accountId: 'a' }))?.requests).toBe(3);
    // Back and forth once more, the other way round.
    await other.applyBatch(batchOf([ev(3, T0 + 180_000)]));
    expect((await reader.state({ topic: 't', partition: 0, accountId: 'a' }))?.requests).toBe(4);
  });

  it('folds a batch that failed after its fold into the states in Redis, not into the ones it changed', async () => {
    const [keys, plainKeys] = [space(), space()];
    const { redis } = countingRedis();
    const store = new WindowStore(redis, keys, settings, KEEP);
    const reading = new WindowStore(redis, plainKeys, settings);
    const events = traffic(400, 20);
    const [first, second] = [batchOf(events.slice(0, 200)), batchOf(events.slice(200))];
    await store.applyBatch(first);
    const commit = redis.fwCommitPartitionV3.bind(redis);
    redis.fwCommitPartitionV3 = (() => Promise.reject(new Error('connection lost'))) as typeof commit;
    await expect(store.applyBatch(second)).rejects.toThrow('connection lost');
    redis.fwCommitPartitionV3 = commit;
    // The worker retries the batch: every event counts once, as applied, and enters the indexes, as if nothing failed.
    expect(await store.applyBatch(second)).toMatchObject({ applied: 200, duplicates: 0, late: 0 });
    await reading.applyBatch(first);
    await reading.applyBatch(second);
    expect(await dump(redis, keys.prefix)).toEqual(await dump(redis, plainKeys.prefix));
  });
});
