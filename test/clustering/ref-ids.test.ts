import { describe, expect, it } from 'vitest';
import { RefIds } from '../../src/clustering/ref-ids.ts';
import { Random } from '../../fixtures/random.ts';

const ref = (key: string) => ({
  topic: 'usage',
  partition: Number(key.split('|')[0]),
  accountId: key.split('|')[1] as string,
});

describe('RefIds.sortedKeys: a group of ids as its keys in string order', () => {
  it('orders ranked ids, ids given since the ranking, and both together as sort() orders their keys', () => {
    const r = new Random(11);
    const ids = new RefIds();
    const check = () => {
      for (let t = 0; t < 20; t++) {
        const group = [...new Set(Array.from({ length: r.int(1, 3_000) }, () => r.int(0, ids.size - 1)))];
        expect(ids.sortedKeys(group)).toEqual(group.map((id) => ids.keys[id] as string).sort());
      }
    };
    // Batches below and above the re-ranking threshold, keys that are prefixes of others and differ in case.
    for (const batch of [500, 25_000, 300, 4_000, 40_000]) {
      for (let i = 0; i < batch; i++) {
        const name = `${r.int(0, 1) === 0 ? 'acct' : 'Acct'}-${r.int(0, 99_999)}${i % 7 === 0 ? '' : 'x'}`;
        const key = `${r.int(0, 11)}|${name}`;
        ids.id(key, ref(key));
      }
      check();
    }
    ids.clear();
    ids.id('3|b', ref('3|b'));
    ids.id('3|a', ref('3|a'));
    expect(ids.sortedKeys([0, 1])).toEqual(['3|a', '3|b']);
  });
});
