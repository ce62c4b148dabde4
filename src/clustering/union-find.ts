/**
 * Disjoint sets over small integer ids (path halving, union by size). Typed arrays rather than maps
 * of strings: a tick unions every member of every linking value of its active accounts, and with
 * string keys that bookkeeping was a fifth of a backtest.
 */
export class UnionFind {
  private readonly parent: Int32Array;
  private readonly size: Int32Array;
  private readonly members: number[] = [];

  /** Ids must be in [0, capacity). */
  constructor(capacity: number) {
    this.parent = new Int32Array(capacity).fill(-1);
    this.size = new Int32Array(capacity);
  }

  add(x: number): void {
    if (this.parent[x] === -1) {
      this.parent[x] = x;
      this.size[x] = 1;
      this.members.push(x);
    }
  }

  find(x: number): number {
    this.add(x);
    const parent = this.parent;
    while (parent[x] !== x) {
      const p = parent[x] as number;
      parent[x] = parent[p] as number;
      x = p;
    }
    return x;
  }

  union(a: number, b: number): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if ((this.size[ra] as number) < (this.size[rb] as number)) [ra, rb] = [rb, ra];
    this.parent[rb] = ra;
    this.size[ra] = (this.size[ra] as number) + (this.size[rb] as number);
  }

  /** The sets of everything added, each in order of addition. */
  groups(): number[][] {
    const out = new Map<number, number[]>();
    for (const x of this.members) {
      const r = this.find(x);
      let g = out.get(r);
      if (!g) out.set(r, (g = []));
      g.push(x);
    }
    return [...out.values()];
  }
}
