import { describe, expect, it } from 'vitest';
import { UnionFind } from '../../src/clustering/union-find.ts';

describe('UnionFind', () => {
  it('joins chains and keeps separate sets apart, in order of addition', () => {
    const uf = new UnionFind(10);
    uf.add(9);
    uf.union(1, 2);
    uf.union(3, 4);
    uf.union(2, 3);
    uf.union(5, 6);
    expect(uf.find(1)).toBe(uf.find(4));
    expect(uf.find(1)).not.toBe(uf.find(5));
    expect(uf.groups()).toEqual([[9], [1, 2, 3, 4], [5, 6]]);
  });

  it('leaves ids never added out of the groups', () => {
    const uf = new UnionFind(1000);
    uf.union(999, 0);
    expect(uf.groups()).toEqual([[999, 0]]);
  });

  it('stays shallow on a long chain (path halving, union by size)', () => {
    const n = 200_000;
    const uf = new UnionFind(n);
    for (let i = 1; i < n; i++) uf.union(i - 1, i);
    const root = uf.find(0);
    for (let i = 0; i < n; i += 997) expect(uf.find(i)).toBe(root);
    expect(uf.groups()[0]).toHaveLength(n);
  });
});
