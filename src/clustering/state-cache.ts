/**
 * Decoded account states kept between ticks. A tick re-reads every member of every candidate group,
 * and most of them (a farm's idle accounts, an office between requests) have not changed since the
 * last tick: decoding their blobs again was a tenth of a backtest's time. The blob is still read and
 * compared byte for byte, so a state served from here is always the one in Redis — including after a
 * late event that did not make its account "active since the last tick".
 * The decoded states are shared, and read-only (`AccountSnapshot`).
 */
import type { AccountSnapshot } from '../windows/account-snapshot.ts';
import { decodeSnapshotOrNull } from '../windows/state-codec.ts';
import type { AccountRef, WindowReader } from '../windows/window-reader.ts';

/** Share of the bound an eviction keeps, so that a cache at its bound does not evict at every read. */
const KEPT_SHARE = 0.9;

interface Entry {
  readonly blob: Buffer;
  readonly state: AccountSnapshot;
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

  async states(refs: readonly AccountRef[]): Promise<Map<AccountRef, AccountSnapshot>> {
    const out = new Map<AccountRef, AccountSnapshot>();
    // A read of more accounts than the cache keeps after eviction: the first of them would be evicted before this
    // returns, so they are neither copied nor entered (a first pass reads a component of 480,000 accounts at a million,
    // and copied and entered all of them to keep the last 135,000). Hits among them are served and left where they
    // are, the least recently read, which eviction takes first as before.
    const passing = refs.length - Math.floor(this.maxEntries * KEPT_SHARE);
    await this.reader.eachBlob(refs, (ref, blob, at) => {
      const key = `${ref.topic}|${ref.partition}|${ref.accountId}`;
      const hit = this.entries.get(key);
      const fresh = hit !== undefined && hit.blob.equals(blob);
      if (fresh) this.stats.hits++;
      else this.stats.misses++;
      const state = fresh ? hit.state : decodeSnapshotOrNull(blob);
      if (state === null) return; // undecodable: skipped here, moved aside by the worker
      out.set(ref, state);
      if (at < passing) return;
      // A copy: the reply's buffer can be a view of a much larger socket read.
      const entry: Entry = fresh ? hit : { blob: Buffer.from(blob), state };
      // Re-inserted, so the map's order stays least recently read first (what eviction relies on).
      this.entries.delete(key);
      this.entries.set(key, entry);
    });
    if (this.entries.size > this.maxEntries) {
      for (const k of this.entries.keys()) {
        if (this.entries.size <= this.maxEntries * KEPT_SHARE) break;
        this.entries.delete(k);
      }
    }
    return out;
  }
}
