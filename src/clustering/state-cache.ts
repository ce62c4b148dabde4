/**
 * Decoded account states kept between ticks. A tick re-reads every member of every candidate group,
 * and most of them (a farm's idle accounts, an office between requests) have not changed since the
 * last tick: decoding their blobs again was a tenth of a backtest's time. The blob is still read and
 * compared byte for byte, so a state served from here is always the one in Redis — including after a
 * late event that did not make its account "active since the last tick".
 * The decoded states are shared: callers must not mutate them (nor could they fold events into one: its
 * `recentIds` are not decoded).
 */
import type { AccountState } from '../windows/account-state.ts';
import { decodeStateOrNull } from '../windows/state-codec.ts';
import type { AccountRef, WindowReader } from '../windows/window-reader.ts';

interface Entry {
  readonly blob: Buffer;
  readonly state: AccountState;
}

export interface StateCacheStats {
  hits: number;
  misses: number;
}

export class StateCache {
  private readonly entries = new Map<string, Entry>();
  readonly stats: StateCacheStats = { hits: 0, misses: 0 };

  constructor(
    private readonly reader: WindowReader,
    /** Bound on cached accounts; the least recently read go first. */
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  async states(refs: readonly AccountRef[]): Promise<Map<AccountRef, AccountState>> {
    const out = new Map<AccountRef, AccountState>();
    for (const [ref, blob] of await this.reader.blobs(refs)) {
      const key = `${ref.topic}|${ref.partition}|${ref.accountId}`;
      const hit = this.entries.get(key);
      let entry: Entry;
      if (hit !== undefined && hit.blob.equals(blob)) {
        this.stats.hits++;
        entry = hit;
      } else {
        this.stats.misses++;
        // Without the event-id hashes: the clusterer reads states and never folds into them.
        const state = decodeStateOrNull(blob, 'withoutIds');
        if (state === null) continue; // undecodable: skipped here, moved aside by the worker
        // A copy: the reply's buffer can be a view of a much larger socket read.
        entry = { blob: Buffer.from(blob), state };
      }
      // Re-inserted, so the map's order stays least recently read first (what eviction relies on).
      this.entries.delete(key);
      this.entries.set(key, entry);
      out.set(ref, entry.state);
    }
    if (this.entries.size > this.maxEntries) {
      for (const k of this.entries.keys()) {
        if (this.entries.size <= this.maxEntries * 0.9) break;
        this.entries.delete(k);
      }
    }
    return out;
  }
}
