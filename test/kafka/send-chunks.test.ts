import { describe, expect, it } from 'vitest';
import { chunksUnder } from '../../src/kafka/kafkajs-adapter.ts';

describe('chunksUnder', () => {
  it('splits a batch into requests under the byte budget, in order, and sends a larger message alone', () => {
    const m = (n: number) => ({ key: 'k', value: Buffer.alloc(n) });
    const chunks = chunksUnder([m(400), m(400), m(400), m(5_000), m(10)], 1_000);
    // About 465 bytes each with key and overhead: two fit in 1,000, three do not.
    expect(chunks.map((c) => c.map((x) => x.value.length))).toEqual([[400, 400], [400], [5_000], [10]]);
    const small = chunksUnder(
      Array.from({ length: 8 }, () => m(50)),
      1_000,
    );
    expect(small.flat()).toHaveLength(8);
    expect(small.length).toBe(1);
  });
});
