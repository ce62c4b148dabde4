/**
 * The account states this worker wrote last, kept decoded, so that an account's next batch folds into the state in
 * memory instead of reading its blob from Redis and decoding it again: a batch holds about two events per account, so
 * an account was read and decoded every second event; keeping the states took a tenth off the CPU per event of both
 * the worker and Redis (docs/measurements.md, 2026-12-05 morning).
 *
 * What is kept must be what Redis holds, or a batch would be folded into a stale state and the result written over
 * newer windows. Only this worker's commits are kept, and a partition's states count only while its meta still shows
 * this worker's last commit: the writer token and the applied offset it wrote (a worker that took the partition over
 * in between, an operator's reset followed by a new log, or a Redis that lost its data all change one of them). A state
 * is also dropped before its key's TTL could have run out in Redis. The caller forgets a partition whenever a batch
 * fails after folding, since the fold mutated the kept states.
 */
import type { AccountState } from './account-state.ts';

interface Kept {
  readonly state: AccountState;
  /** The partition's generation when kept: forgetting a partition bumps it, so its states stop counting at once. */
  readonly generation: number;
  readonly expiresAtMs: number;
  readonly bytes: number;
}

interface PartitionMark {
  generation: number;
  /** The applied offset this worker's last commit wrote, while nobody is known to have written after it. */
  committedOffset: string | null;
}

/**
 * Decoded states take about this many times the bytes of their blob in the heap (8.3 to 8.5 measured on sample traffic:
 * objects per attribute and bucket, strings, arrays).
 */
export const HEAP_BYTES_PER_BLOB_BYTE = 9;

export class WrittenStates {
  /** In least recently used order (a Map iterates in insertion order; a use re-inserts). */
  private readonly kept = new Map<string, Kept>();
  private readonly partitions = new Map<string, PartitionMark>();
  private bytes = 0;

  /**
   * @param maxBytes bound on the kept states' heap (estimated from their blobs); the least recently used go first
   * @param writer this worker's token, written to the partition meta with each of its commits
   */
  constructor(
    private readonly maxBytes: number,
    readonly writer: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether the partition's meta, as just read, still shows this worker's last commit. When not, the partition's states
   * are forgotten.
   */
  confirm(pid: string, writer: string | null, appliedOffset: string | null): boolean {
    const mark = this.partitions.get(pid);
    if (mark?.committedOffset != null && writer === this.writer && appliedOffset === mark.committedOffset) return true;
    this.forget(pid);
    return false;
  }

  /** The kept state of an account key, if it still counts. */
  get(pid: string, key: string): AccountState | undefined {
    const k = this.kept.get(key);
    if (k === undefined) return undefined;
    this.kept.delete(key);
    if (k.generation !== this.partitions.get(pid)?.generation || this.now() >= k.expiresAtMs) {
      this.bytes -= k.bytes;
      return undefined;
    }
    this.kept.set(key, k);
    return k.state;
  }

  /** Stops counting every state of the partition (its next batch reads from Redis). */
  forget(pid: string): void {
    const mark = this.partitions.get(pid);
    if (mark === undefined) this.partitions.set(pid, { generation: 1, committedOffset: null });
    else {
      mark.generation++;
      mark.committedOffset = null;
    }
  }

  /**
   * Records a commit of this worker: the states it wrote (with their blob sizes) and the applied offset it wrote.
   * `ttlMs` is the TTL the keys were written with.
   */
  committed(
    pid: string,
    appliedOffset: string,
    written: readonly { key: string; state: AccountState; blobBytes: number }[],
    ttlMs: number,
  ): void {
    let mark = this.partitions.get(pid);
    if (mark === undefined) this.partitions.set(pid, (mark = { generation: 1, committedOffset: null }));
    mark.committedOffset = appliedOffset;
    // A minute short of the TTL: the key in Redis was written a little after this clock was read.
    const expiresAtMs = this.now() + ttlMs - 60_000;
    for (const { key, state, blobBytes } of written) {
      const old = this.kept.get(key);
      if (old !== undefined) {
        this.kept.delete(key);
        this.bytes -= old.bytes;
      }
      const bytes = blobBytes * HEAP_BYTES_PER_BLOB_BYTE;
      this.kept.set(key, { state, generation: mark.generation, expiresAtMs, bytes });
      this.bytes += bytes;
    }
    for (const [key, k] of this.kept) {
      if (this.bytes <= this.maxBytes) break;
      this.kept.delete(key);
      this.bytes -= k.bytes;
    }
  }

  /** How many states are kept and their estimated heap bytes (stale ones included until they are next looked up). */
  size(): { states: number; bytes: number } {
    return { states: this.kept.size, bytes: this.bytes };
  }
}
