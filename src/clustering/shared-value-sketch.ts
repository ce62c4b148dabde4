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
 * templates) have one user, and maps of millions of them held a tenth of the peak heap of a first pass over a million
 * accounts (6.2 GB peak RSS before, 5.5 GB after; the time about the same, docs/measurements.md).
 */
export const SKETCH_MIN_GROUP = 5_000;
const KIND_SEEDS = new Map(ATTR_KINDS.map((k, i) => [k, fmix32(0x811c9dc5 + i * 0x9e3779b9)] as const));

/** Above the number of attributes a state keeps (the sum of ATTR_CAPS), to number a member's attributes. */
export const ATTRS_MAX = 1024;

/**
 * The attributes, among those `counts` accepts, whose kind and value may be used twice or more in the group: each as
 * `j * ATTRS_MAX + i` (member j's attribute i), in the members' and their attributes' order. Never leaves out one that
 * is (a counter is never below its values' uses); lists some that are not (values used once that share a counter),
 * which the caller's exact count then tells apart. The second pass walks only the members' numbers of attributes,
 * not the attributes: reading a large component's attributes twice cost more than the maps it saved.
 */
export function maybeShared(members: readonly ClusterMember[], counts: (a: Attr) => boolean): number[] {
  let n = 0;
  for (const m of members) n += m.state.attrs.length;
  // Eight counters per attribute or more (64 MB at most), so that a value used once shares its counter with another
  // value about a tenth of the time or less.
  const size = 2 ** Math.min(26, Math.max(10, Math.ceil(Math.log2(n * 8))));
  const seen = new Uint8Array(size);
  const slots = new Int32Array(n);
  let p = 0;
  for (const m of members)
    for (const a of m.state.attrs) {
      if (!counts(a)) {
        slots[p++] = -1;
        continue;
      }
      const slot = hash32(a.value, KIND_SEEDS.get(a.kind) as number) & (size - 1);
      slots[p++] = slot;
      if ((seen[slot] as number) < 2) seen[slot] = (seen[slot] as number) + 1;
    }
  const out: number[] = [];
  p = 0;
  for (let j = 0; j < members.length; j++) {
    const count = (members[j] as ClusterMember).state.attrs.length;
    for (let i = 0; i < count; i++, p++) {
      const slot = slots[p] as number;
      if (slot >= 0 && seen[slot] === 2) out.push(j * ATTRS_MAX + i);
    }
  }
  // Plain numbers: a component of more than two million members would overflow 32-bit positions.
  return out;
}
