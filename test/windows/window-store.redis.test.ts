/** The apply-batch script against the real Redis: applied once, redeliveries skipped or trimmed. */
import { afterAll, describe, expect, it } from 'vitest';
import type { UsageEvent } from '../../src/ingest/usage-event.ts';
import { registerScripts } from '../../src/redis/scripts.ts';
import { KeySpace } from '../../src/redis/keys.ts';
import { WindowStore, type OffsetEvent } from '../../src/windows/window-store.ts';
import { testRedis, uniqueName } from '../support/services.ts';

const redis = testRedis();
registerScripts(redis);
const keys = new KeySpace(uniqueName('ws'));
const store = new WindowStore(redis, keys);

afterAll(async () => {
  const found = await redis.keys(`${keys.prefix}:*`);
  if (found.length > 0) await redis.del(...found);
  redis.disconnect();
});

function ev(offset: number, accountId: string, tsMs: number): OffsetEvent {
  const event: UsageEvent = { eventId: `e${offset}`, tsMs, accountId, type: 'request', inputTokens: 0, outputTokens: 0, reasoningTokens: 0, client: {}, prompt: {} };
  return { offset: BigInt(offset), event };
}

describe('WindowStore.applyBatch', () => {
  it('applies a batch, skips its redelivery, and trims an overlapping one', async () => {
    const batch1 = [ev(0, 'a', 1000), ev(1, 'b', 2000), ev(2, 'a', 500)];
    expect(await store.applyBatch({ topic: 't', partition: 0, firstOffset: 0n, lastOffset: 2n, events: batch1 })).toEqual({ applied: 3, duplicates: 0 });
    expect(await store.applyBatch({ topic: 't', partition: 0, firstOffset: 0n, lastOffset: 2n, events: batch1 })).toEqual({ applied: 0, duplicates: 3 });

    const overlap = [ev(1, 'b', 2000), ev(2, 'a', 500), ev(3, 'a', 3000), ev(4, 'c', 4000)];
    expect(await store.applyBatch({ topic: 't', partition: 0, firstOffset: 1n, lastOffset: 4n, events: overlap })).toEqual({ applied: 2, duplicates: 2 });

    expect(await redis.hgetall(keys.account('t', 0, 'a'))).toEqual({ events: '3', first_ts: '500', last_ts: '3000' });
    expect(await redis.hgetall(keys.account('t', 0, 'b'))).toEqual({ events: '1', first_ts: '2000', last_ts: '2000' });
    expect(await redis.get(keys.appliedOffset('t', 0))).toBe('4');
  });

  it('advances the offset over a batch of only invalid messages', async () => {
    expect(await store.applyBatch({ topic: 't', partition: 1, firstOffset: 10n, lastOffset: 12n, events: [] })).toEqual({ applied: 0, duplicates: 0 });
    expect(await redis.get(keys.appliedOffset('t', 1))).toBe('12');
  });
});
