/**
 * A first count of a large group's values, so that the exact count (a map per kind, `Clusterer.groupValues`) holds only
 * the values that may be shared.
 */
import type { ClusterMember } from '../../detectors/detector.ts';
import { fmix32, hash32 } from '../fingerprint/hash.ts';
import { ATTR_KINDS, type Attr } from '../windows/account-state.ts';

/**
 * For a group this large or larger, `groupValues` first counts its members' values in a table of small counters and
 * puts in its maps only the values counted twice: most of a large component's values (its members' own bands, cards,
 * templates) have one user, and a map of millions of them was most of the time a first pass over a million accounts
 * spent listing shared values (13 of 120 s), and garbage.
 */
export const SKETCH_MIN_GROUP = 5_000;
const KIND_SEEDS = new Map(ATTR_KINDS.map((k, i) => [k, fmix32(0x811c9dc5 + i * 0x9e3779b9)] as const));

/**
 * A test of whether an attribute's kind and value are used at least twice among the members' attributes that `counts`
 * accepts: never false for one that is (a shared value is never missed), sometimes true for one that is not (two values
 * sharing a counter), which the caller's exact count then tells apart.
 */
export function usesAtLeastTwice(
  members: readonly ClusterMember[],
  counts: (a: Attr) => boolean,
): (a: Attr) => boolean {
  let n = 0;
  for (const m of members) n += m.state.attrs.length;
  // Eight counters per attribute or more (64 MB at most), so that a value used once shares its counter with another
  // value about a tenth of the time or less.
  const size = 2 ** Math.min(26, Math.max(10, Math.ceil(Math.log2(n * 8))));
  const seen = new Uint8Array(size);
  const slot = (a: Attr) => hash32(a.value, KIND_SEEDS.get(a.kind) as number) & (size - 1);
  for (const m of members)
    for (const a of m.state.attrs) {
      if (!counts(a)) continue;
      const i = slot(a);
      if ((seen[i] as number) < 2) seen[i] = (seen[i] as number) + 1;
    }
  return (a) => seen[slot(a)] === 2;
}
