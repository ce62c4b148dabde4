/**
 * Word lists for the cue-based scorers (reasoning-request.ts, task-category.ts): exact words, and
 * stems matched as prefixes of a lower-cased word (a stem written with a final `$` matches only the
 * whole word: `sum$` is not a stem of "summary"). A stem list is indexed by its first two
 * characters, so a word costs one map lookup and a few `startsWith`, whatever the list's length.
 */
export function words(list: string): ReadonlySet<string> {
  return new Set(list.split(/\s+/).filter((x) => x.length > 0));
}

export function stems(list: string): (word: string) => boolean {
  const labelled = labelledStems([[1, list]]);
  return (word) => labelled(word) !== 0;
}

/**
 * Several stem lists at once, each with a bit: the returned function gives the OR of the bits of
 * every list with a stem that the word starts with (0 for none).
 */
export function labelledStems(lists: readonly (readonly [number, string])[]): (word: string) => number {
  const byHead = new Map<string, [string, number][]>();
  for (const [bit, list] of lists) {
    for (const s of list.split(/\s+/)) {
      if (s.length === 0) continue;
      const head = s.slice(0, 2);
      const bucket = byHead.get(head);
      if (bucket) bucket.push([s, bit]);
      else byHead.set(head, [[s, bit]]);
    }
  }
  return (word) => {
    const bucket = byHead.get(word.slice(0, 2));
    if (bucket === undefined) return 0;
    let bits = 0;
    for (const [s, bit] of bucket) {
      if (s.endsWith('$') ? word.length === s.length - 1 && word.startsWith(s.slice(0, -1)) : word.startsWith(s))
        bits |= bit;
    }
    return bits;
  };
}
