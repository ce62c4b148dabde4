import { describe, expect, it } from 'vitest';
import { StateCache } from '../../src/clustering/state-cache.ts';
import { emptyState } from '../../src/windows/account-state.ts';
import { encodeState } from '../../src/windows/state-codec.ts';
import type { AccountRef, WindowReader } from '../../src/windows/window-reader.ts';

/** A reader whose blobs the test sets; the cache only ever calls `eachBlob`. */
function fakeReader(blobs: Map<string, Buffer>): WindowReader {
  return {
    eachBlob: async (refs: readonly AccountRef[], use: (ref: AccountRef, blob: Buffer, at: number) => void) =>
      refs.forEach((r, at) => {
        const blob = blobs.get(r.accountId);
        if (blob !== undefined) use(r, blob, at);
      }),
  } as unknown as WindowReader;
}
const ref = (accountId: string): AccountRef => ({ topic: 't', partition: 0, accountId });
const blobWith = (requests: number) => encodeState({ ...emptyState(), requests, firstSec: 1, lastSec: 2 });

describe('StateCache', () => {
  it('decodes a blob once, serves it while its bytes in Redis are unchanged, decodes it when they change', async () => {
    const blobs = new Map<string, Buffer>([['a', blobWith(1)]]);
    const cache = new StateCache(fakeReader(blobs), 10);
    const r = ref('a');
    const s1 = (await cache.states([r])).get(r);
    const [s2] = [...(await cache.states([ref('a')])).values()];
    expect(s1?.requests).toBe(1);
    expect(s2).toBe(s1);
    blobs.set('a', blobWith(2));
    const [s3] = [...(await cache.states([ref('a')])).values()];
    expect(s3).not.toBe(s1);
    expect(s3?.requests).toBe(2);
    expect(cache.stats).toEqual({ hits: 1, misses: 2 });
  });

  it('does not keep a copy that aliases the reply buffer', async () => {
    const reply = Buffer.from(blobWith(5));
    const blobs = new Map<string, Buffer>([['a', reply]]);
    const cache = new StateCache(fakeReader(blobs), 10);
    await cache.states([ref('a')]);
    reply.fill(0); // the reply buffer is reused for something else
    blobs.set('a', blobWith(5));
    const [s] = [...(await cache.states([ref('a')])).values()];
    expect(s?.requests).toBe(5);
    expect(cache.stats.hits).toBe(1);
  });

  it('returns nothing for accounts without a state and stays in bounds, dropping the least recently read', async () => {
    const blobs = new Map(Array.from({ length: 30 }, (_, i) => [`a${i}`, blobWith(i)] as const));
    const cache = new StateCache(fakeReader(blobs), 20);
    expect((await cache.states([ref('missing')])).size).toBe(0);
    await cache.states(Array.from({ length: 15 }, (_, i) => ref(`a${i}`)));
    await cache.states([ref('a0')]); // a0 is now the most recently read
    await cache.states(Array.from({ length: 15 }, (_, i) => ref(`a${i + 15}`)));
    expect(cache.size).toBeLessThanOrEqual(20);
    const before = cache.stats.misses;
    await cache.states([ref('a0')]);
    expect(cache.stats.misses).toBe(before);
    await cache.states([ref('a1')]);
    expect(cache.stats.misses).toBe(before + 1);
  });

  it('serves a read larger than its bound in full and keeps only the last of it', async () => {
    const blobs = new Map(Array.from({ length: 50 }, (_, i) => [`a${i}`, blobWith(i)] as const));
    const cache = new StateCache(fakeReader(blobs), 20);
    await cache.states([ref('a0'), ref('a1')]);
    const read = await cache.states(Array.from({ length: 50 }, (_, i) => ref(`a${i}`)));
    expect([...read.values()].map((s) => s.requests)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(cache.stats).toEqual({ hits: 2, misses: 50 });
    expect(cache.size).toBeLessThanOrEqual(20);
    // The last 18 (the bound after an eviction) are kept; the first are decoded again.
    await cache.states(Array.from({ length: 18 }, (_, i) => ref(`a${i + 32}`)));
    expect(cache.stats.hits).toBe(2 + 18);
    await cache.states([ref('a5')]);
    expect(cache.stats.misses).toBe(51);
  });
});
