/**
 * Small integer ids for the accounts a clusterer has met, so that a tick's union-find works on typed arrays and the
 * link cache holds numbers rather than refs.
 */
import type { AccountRef, WindowReader } from '../windows/window-reader.ts';

/** Ids given since the last ranking that are merged in by string rather than ranked again (`RefIds.sortedKeys`). */
const RERANK_MIN = 10_000;

export class RefIds {
  private readonly ids = new Map<string, number>();
  readonly keys: string[] = [];
  readonly refs: AccountRef[] = [];
  /** The keys ranked so far, in string order (ids below its length are ranked), and each such id's place in it. */
  private byRank: string[] = [];
  private rankOf = new Int32Array(0);

  get size(): number {
    return this.keys.length;
  }

  id(key: string, ref: AccountRef): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.keys.length;
      this.ids.set(key, id);
      this.keys.push(key);
      this.refs.push(ref);
    }
    return id;
  }

  /** The id of an index member (its field is the account's `refKey`); its ref is built only when it is new. */
  idOfMember(member: string, reader: WindowReader): number {
    const id = this.ids.get(member);
    return id === undefined ? this.id(member, reader.memberRef(member)) : id;
  }

  refOf(key: string): AccountRef | undefined {
    const id = this.ids.get(key);
    return id === undefined ? undefined : this.refs[id];
  }

  /**
   * The keys of `group`, in the order `sort()` gives strings. Ids are ranked once by their keys and a group is sorted
   * by rank, ids given since merged in: sorting a farm's component of 33,000 keys as strings at every tick was about a
   * twentieth of a late replay tick.
   */
  sortedKeys(group: readonly number[]): string[] {
    const ranked = this.byRank.length;
    if (this.keys.length - ranked > Math.max(RERANK_MIN, ranked / 8)) this.rank();
    const ranks: number[] = [];
    const fresh: string[] = [];
    for (const id of group) {
      if (id < this.byRank.length) ranks.push(this.rankOf[id] as number);
      else fresh.push(this.keys[id] as string);
    }
    const known = Int32Array.from(ranks).sort();
    fresh.sort();
    const out = new Array<string>(group.length);
    let i = 0;
    let j = 0;
    for (let k = 0; k < out.length; k++) {
      const a = i < known.length ? (this.byRank[known[i] as number] as string) : undefined;
      const b = fresh[j];
      if (b === undefined || (a !== undefined && a < b)) {
        out[k] = a as string;
        i++;
      } else {
        out[k] = b;
        j++;
      }
    }
    return out;
  }

  private rank(): void {
    this.byRank = this.keys.slice().sort();
    this.rankOf = new Int32Array(this.keys.length);
    this.byRank.forEach((key, r) => (this.rankOf[this.ids.get(key) as number] = r));
  }

  clear(): void {
    this.ids.clear();
    this.keys.length = 0;
    this.refs.length = 0;
    this.rankOf = new Int32Array(0);
    this.byRank = [];
  }
}
