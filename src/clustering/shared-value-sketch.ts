/**
 * A first count of a large group's values, so that the exact count (a map per kind, `Clusterer.groupValues`) holds only
 * the values that may be shared.
 */
import type { ClusterMember } from '../../detectors/detector.ts';
import { fmix32, hash32 } from '../fingerprint/hash.ts';
import { ATTR_KINDS } from '../windows/account-state.ts';
import type { AttrTable } from '../windows/account-snapshot.ts';

/**
 * For a group this large or larger, `groupValues` first counts its members' values in a table of small counters and
 * puts in its maps only the values counted twice: most of a large component's values (its members' own bands, cards,
 * templates) have one user, and maps of millions of them held a tenth of the peak heap of a first pass over a million
 * accounts (6.2 GB peak RSS before, 5.5 GB after; the time about the same, docs/measurements.md). From a thousand
 * members on it is faster too (a scratch benchmark of synthetic groups, 2026-12-05: 1,500 members 86–93 ms with maps
 * alone, 19–30 ms with the table first; about even at 150–300): a probe's sample of 1,500 is counted this way since.
 */
export const SKETCH_MIN_GROUP = 1_000;
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
export function maybeShared(
  members: readonly ClusterMember[],
  counts: (attrs: AttrTable, i: number) => boolean,
): number[] {
  let n = 0;
  for (const m of members) n += m.state.attrs.length;
  // Eight counters per attribute or more (64 MB at most), so that a value used once shares its counter with another
  // value about a tenth of the time or less.
  const bits = Math.min(26, Math.max(10, Math.ceil(Math.log2(n * 8))));
  // Counted a part of the table at a time (the slots' top bits), each part small enough for a core's cache: counters
  // hit at random across a table of up to 64 MB waited on memory (a sixth of the call on a synthetic component of
  // 33,000 members of 120 attributes, where the call was 0.7 s of a 3.2 s full score).
  const partBits = Math.max(0, bits - TABLE_BITS);
  const shift = bits - partBits;
  const slotMask = 2 ** bits - 1;
  const slots = new Int32Array(n);
  const starts = new Int32Array(2 ** partBits + 1);
  let p = 0;
  let counted = 0;
  for (const { state } of members)
    for (let i = 0; i < state.attrs.length; i++) {
      if (!counts(state.attrs, i)) {
        slots[p++] = NOT_COUNTED;
        continue;
      }
      const slot = hash32(state.attrs.value(i), KIND_SEEDS.get(state.attrs.kind(i)) as number) & slotMask;
      slots[p++] = slot;
      (starts[(slot >>> shift) + 1] as number)++;
      counted++;
    }
  for (let q = 1; q < starts.length; q++) starts[q] = (starts[q] as number) + (starts[q - 1] as number);
  const order = new Int32Array(counted);
  const next = starts.slice(0, -1);
  for (p = 0; p < n; p++) {
    const slot = slots[p] as number;
    if (slot !== NOT_COUNTED) order[(next[slot >>> shift] as number)++] = p;
  }
  const seen = new Uint8Array(2 ** shift);
  const mask = 2 ** shift - 1;
  for (let q = 0; q + 1 < starts.length; q++) {
    const from = starts[q] as number;
    const to = starts[q + 1] as number;
    if (from === to) continue;
    seen.fill(0);
    for (let k = from; k < to; k++) {
      const t = (slots[order[k] as number] as number) & mask;
      if ((seen[t] as number) < 2) seen[t] = (seen[t] as number) + 1;
    }
    for (let k = from; k < to; k++) {
      const at = order[k] as number;
      slots[at] = seen[(slots[at] as number) & mask] === 2 ? MAYBE_SHARED : NOT_COUNTED;
    }
  }
  const out: number[] = [];
  p = 0;
  for (let j = 0; j < members.length; j++) {
    const count = (members[j] as ClusterMember).state.attrs.length;
    for (let i = 0; i < count; i++, p++) if (slots[p] === MAYBE_SHARED) out.push(j * ATTRS_MAX + i);
  }
  // Plain numbers: a component of more than two million members would overflow 32-bit positions.
  return out;
}

/** Counters per part of the table: 1 MB, what a core's own cache holds here. */
const TABLE_BITS = 20;
const NOT_COUNTED = -1;
const MAYBE_SHARED = -2;
