import { setFlagsFromString } from 'node:v8';

/**
 * Node flags every farmwatch process runs with (see bin/farmwatch.js for why). For code that spawns
 * `bin/farmwatch.js` with `process.execPath`, where the shebang line does not apply.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/**
 * The clusterer's heap may grow to 1.5 times what survived a full collection before the next one (V8 chose ~1.8 times
 * for it: a first pass over a million accounts holds ~3 GB of decoded states, and bench:cluster's peak RSS was 5.4-5.5
 * GB, 4.6 GB with this, the first pass as long). Set when the clusterer starts, not with the flags above: the worker,
 * which allocates short-lived garbage per event and keeps little, ran 14% slower with it (bench:ingest, 2026-12-06).
 */
export function boundClustererHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=50');
}
