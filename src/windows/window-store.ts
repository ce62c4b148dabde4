/**
 * The Redis adapter of the windows stage. One partition batch costs: one pipelined read (the
 * partition's meta and the state blob of every account in the batch that this worker does not keep
 * from its own last write, written-states.ts), pure folding in memory, one script that writes
 * everything back atomically with the applied offset (compare-and-set), and one pipeline of
 * idempotent index additions. Redelivered events are skipped by offset; replayed event
 * ids by the account's recent-id list; events later than the allowed lateness are dropped and counted.
 */
import { pipelineBySlot, type RedisClient } from '../redis/client.ts';
import type { Observation } from '../fingerprint/observation.ts';
import { hash32 } from '../fingerprint/hash.ts';
import { decodeId, encodeId, type KeySpace } from '../redis/keys.ts';
import {
  emptyState,
  foldObservation,
  pruneState,
  type AccountState,
  type IndexEntry,
  type WindowSettings,
} from './account-state.ts';
import { decodeState, encodeState } from './state-codec.ts';
import { FarmwatchError } from '../errors/farmwatch-error.ts';
import { WrittenStates } from './written-states.ts';
import { randomBytes } from 'node:crypto';

export interface OffsetObservation {
  readonly offset: bigint;
  readonly observation: Observation;
}

export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
  /**
   * Valid events of the batch in offset order; invalid ones went to the dead-letter topic but are covered by the
   * offsets.
   */
  readonly events: readonly OffsetObservation[];
  /**
   * The partition's end offset when the batch was fetched: a log that ends at or before the applied offset is not the
   * log that was applied.
   */
  readonly highWatermark?: bigint;
}

export interface ApplyOutcome {
  readonly applied: number;
  /** Skipped: delivered again (offset already applied) or an event id seen before. */
  readonly duplicates: number;
  /** Dropped: older than the partition's max event time less the allowed lateness. */
  readonly late: number;
  /** The partition's max event time after the batch (ms), for the watermark. */
  readonly maxEventTimeMs: number;
  /** Accounts whose stored state could not be decoded: moved to a quarantine key, started afresh. */
  readonly quarantined?: readonly { readonly accountId: string; readonly reason: string }[];
}

export interface EventSink {
  applyBatch(batch: PartitionBatch): Promise<ApplyOutcome>;
  /**
   * Called when this process takes a partition over: writes the index entries of the partition's last
   * committed batch if its writer died between the commit and writing them. Returns how many it wrote.
   */
  recoverPartition?(topic: string, partition: number): Promise<number>;
}

const MAX_ATTEMPTS = 5;

export class WindowStore implements EventSink {
  /** Per partition, the applied offset whose index entries this process has written. */
  private readonly indexedAt = new Map<string, string>();
  private readonly knownPartitions = new Set<string>();
  private readonly ttlSec: number;
  private readonly written: WrittenStates | null;

  /**
   * @param keepStatesBytes heap bound for the states this store keeps from its own writes (0: keep none, read every
   *   account's blob for every batch)
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
    private readonly settings: WindowSettings,
    keepStatesBytes = 0,
  ) {
    this.ttlSec = Math.ceil((settings.retentionMs + settings.latenessMs) / 1000) + 3_600;
    this.written = keepStatesBytes > 0 ? new WrittenStates(keepStatesBytes, randomBytes(8).toString('hex')) : null;
  }

  /** The states kept from this store's own writes: how many, and their estimated heap bytes. */
  keptStates(): { states: number; bytes: number } {
    return this.written?.size() ?? { states: 0, bytes: 0 };
  }

  async applyBatch(batch: PartitionBatch): Promise<ApplyOutcome> {
    const pid = `${batch.topic}|${batch.partition}`;
    if (!this.knownPartitions.has(pid)) {
      await this.redis.sadd(this.keys.partitions(), pid);
      this.knownPartitions.add(pid);
    }
    const metaKey = this.keys.partitionMeta(batch.topic, batch.partition);
    const accountIds = [...new Set(batch.events.map((e) => e.observation.accountId))];
    const accountKeys = accountIds.map((a) => this.keys.account(batch.topic, batch.partition, a));

    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      // An attempt that did not commit may have folded into kept states: they no longer match Redis.
      let outcome: ApplyOutcome | 'again';
      try {
        outcome = await this.attempt(batch, pid, metaKey, accountIds, accountKeys);
      } catch (err) {
        this.written?.forget(pid);
        throw err;
      }
      if (outcome !== 'again') return outcome;
      this.written?.forget(pid);
    }
    throw new Error(
      `partition ${pid}: the applied offset kept moving under us (${MAX_ATTEMPTS} attempts); is another worker ` +
        `writing it?`,
    );
  }

  /** One read-fold-commit of the batch; 'again' when what was read changed before the commit. */
  private async attempt(
    batch: PartitionBatch,
    pid: string,
    metaKey: string,
    accountIds: readonly string[],
    accountKeys: readonly string[],
  ): Promise<ApplyOutcome | 'again'> {
    /** The batch's accounts' states: the kept ones now, the rest once read. */
    const states = new Map<string, AccountState>();
    const toRead: number[] = [];
    for (let i = 0; i < accountIds.length; i++) {
      const state = this.written?.get(pid, accountKeys[i] as string);
      if (state === undefined) toRead.push(i);
      else states.set(accountIds[i] as string, state);
    }
    const pipe = this.redis.pipeline().hmget(metaKey, 'offset', 'maxts', 'pendix', 'writer');
    if (toRead.length > 0) pipe.mgetBuffer(...toRead.map((i) => accountKeys[i] as string));
    const res = await pipe.exec();
    if (res === null) throw new Error('redis pipeline returned nothing');
    for (const [err] of res) if (err) throw err;
    const [offsetRaw, maxTsRaw, pendix, writer] = res[0]?.[1] as (string | null)[];
    const read = (res[1]?.[1] ?? []) as (Buffer | null)[];
    // Kept states count only if nobody wrote the partition since this store did; when somebody did, they are
    // forgotten and the batch is read again, all from Redis.
    if (this.written !== null && !this.written.confirm(pid, writer ?? null, offsetRaw ?? null) && states.size > 0)
      return 'again';
    const applied = offsetRaw == null ? -1n : BigInt(offsetRaw);
    let maxTs = maxTsRaw == null ? 0 : Number(maxTsRaw);

    await this.writePendingIndexes(pid, batch.partition, offsetRaw ?? null, pendix ?? null);
    // Messages up to `applied` were applied from this partition's log, so the log must reach past it.
    // One that ends before was deleted and recreated (or truncated): its offsets start again from 0,
    // and skipping them as "already applied" would drop every new event without a word.
    if (batch.highWatermark !== undefined && applied >= 0n && batch.highWatermark <= applied) {
      throw new FarmwatchError(
        'PARTITION_LOG_RESET',
        `partition ${pid}: the log ends at offset ${batch.highWatermark} but offsets up to ${applied} were applied ` +
          `from it: the topic was recreated or truncated. Nothing of it is applied until an operator runs ` +
          `\`farmwatch reset-offsets --partition ${batch.partition}\` (its events are then applied as new)`,
      );
    }
    if (batch.lastOffset <= applied)
      return { applied: 0, duplicates: batch.events.length, late: 0, maxEventTimeMs: maxTs };

    const quarantined: { accountId: string; reason: string }[] = [];
    for (const [j, i] of toRead.entries()) {
      const a = accountIds[i] as string;
      const blob = read[j];
      if (!blob) {
        states.set(a, emptyState());
        continue;
      }
      try {
        states.set(a, decodeState(blob));
      } catch (err) {
        // A blob nobody can read (a bug, a bit flip, a foreign writer) would fail this batch forever
        // and stall the partition. It is moved aside for an operator and the account starts afresh:
        // a window lost for one account, not a partition stopped for all of them.
        const reason = err instanceof Error ? err.message : String(err);
        const key = accountKeys[i] as string;
        await this.redis.fwQuarantineStateV1(
          2,
          key,
          this.keys.quarantine(batch.topic, batch.partition, a),
          blob,
          reason,
          Date.now(),
          this.ttlSec,
        );
        quarantined.push({ accountId: a, reason });
        states.set(a, emptyState());
      }
    }
    // No entry repeats within a batch (an account's value enters the index when it becomes linkable and then once
    // per new day), so a list, not a map keyed by a formatted line per entry; a repeat would be harmless anyway.
    const entries: { entry: IndexEntry; accountId: string }[] = [];
    let appliedCount = 0;
    let duplicates = 0;
    let late = 0;
    for (const { offset, observation: o } of batch.events) {
      if (offset <= applied) {
        duplicates++;
        continue;
      }
      const state = states.get(o.accountId) as AccountState;
      const outcome = foldObservation(state, o, {
        settings: this.settings,
        watermarkMs: maxTs - this.settings.latenessMs,
        eventIdHash: hash32(o.eventId),
        index: (entry) => entries.push({ entry, accountId: o.accountId }),
      });
      if (outcome === 'applied') {
        appliedCount++;
        if (o.tsMs > maxTs) maxTs = o.tsMs;
      } else if (outcome === 'duplicate') duplicates++;
      else late++;
    }

    const keys: string[] = [
      metaKey,
      this.keys.active(batch.topic, batch.partition),
      this.keys.written(batch.topic, batch.partition),
    ];
    const args: (string | number | Buffer)[] = [
      offsetRaw ?? '-1',
      batch.lastOffset.toString(),
      String(maxTs),
      formatPendix(entries),
      this.ttlSec,
      Math.floor((maxTs - this.settings.retentionMs) / 1000),
      this.written?.writer ?? '',
    ];
    const written: { key: string; state: AccountState; blobBytes: number }[] = [];
    accountIds.forEach((a, i) => {
      const s = states.get(a) as AccountState;
      if (s.lastSec === 0) return; // nothing applied for this account (all late or duplicate)
      // Pruned relative to the account's own newest event, not the batch's: the result must not
      // depend on where batch boundaries fell (a replay after a crash cuts batches differently).
      pruneState(s, s.lastSec * 1000, this.settings);
      const key = accountKeys[i] as string;
      const blob = encodeState(s);
      keys.push(key);
      args.push(blob, s.lastSec, a);
      written.push({ key, state: s, blobBytes: blob.length });
    });
    const [ok] = await this.redis.fwCommitPartitionV3(keys.length, ...keys, ...args);
    if (ok !== 1) return 'again'; // another writer committed to this partition since our read: read again
    this.written?.committed(pid, batch.lastOffset.toString(), written, this.ttlSec * 1000);
    await this.writeIndexes(batch.partition, entries);
    this.indexedAt.set(pid, batch.lastOffset.toString());
    return {
      applied: appliedCount,
      duplicates,
      late,
      maxEventTimeMs: maxTs,
      ...(quarantined.length > 0 ? { quarantined } : {}),
    };
  }

  async recoverPartition(topic: string, partition: number): Promise<number> {
    const [offsetRaw, pendix] = await this.redis.hmget(this.keys.partitionMeta(topic, partition), 'offset', 'pendix');
    return this.writePendingIndexes(`${topic}|${partition}`, partition, offsetRaw ?? null, pendix ?? null);
  }

  /**
   * Index entries of the partition's last committed batch may be unwritten if its writer died after the
   * commit: written here once per committed offset. Returns how many were written.
   */
  private async writePendingIndexes(
    pid: string,
    partition: number,
    offsetRaw: string | null,
    pendix: string | null,
  ): Promise<number> {
    if (!pendix || offsetRaw == null || this.indexedAt.get(pid) === offsetRaw) return 0;
    const entries = parsePendix(pendix);
    await this.writeIndexes(partition, entries);
    this.indexedAt.set(pid, offsetRaw);
    return entries.length;
  }

  /**
   * Forgets a partition's applied offset (an operator's decision after its topic was recreated), so the
   * new log's events are applied from its first offset. Windows, watermark and indexes stay: they
   * hold event time, not offsets. Returns the offset that was forgotten, or null if there was none.
   */
  async resetAppliedOffset(topic: string, partition: number): Promise<bigint | null> {
    const key = this.keys.partitionMeta(topic, partition);
    const [[, before]] = (await this.redis.multi().hget(key, 'offset').hdel(key, 'offset').exec()) as [
      [Error | null, string | null],
    ];
    this.indexedAt.delete(`${topic}|${partition}`);
    return before == null ? null : BigInt(before);
  }

  private async writeIndexes(
    partition: number,
    entries: readonly { entry: IndexEntry; accountId: string }[],
  ): Promise<void> {
    if (entries.length === 0) return;
    const byTag = new Map<string, { keys: string[]; args: (string | number)[] }>();
    for (const { entry, accountId } of entries) {
      const tag = this.keys.indexTag(entry.kind, entry.value);
      let group = byTag.get(tag);
      if (group === undefined) byTag.set(tag, (group = { keys: [], args: [] }));
      group.keys.push(this.keys.index(entry.kind, entry.value));
      group.args.push(`${partition}|${accountId}`, entry.day);
    }
    const groups = [...byTag.values()];
    const res = await pipelineBySlot(
      this.redis,
      groups,
      (g) => g.keys[0] as string,
      (pipe, { keys, args }) => pipe.fwIndexAddV1(keys.length, ...keys, this.ttlSec, ...args),
    );
    for (const [err] of res) if (err) throw err;
  }
}

/** Pending index entries: one per line, `kind TAB value TAB account TAB day`, ids percent-encoded (keys.ts). */
function formatPendix(entries: readonly { entry: IndexEntry; accountId: string }[]): string {
  return entries
    .map(({ entry, accountId }) => `${entry.kind}\t${encodeId(entry.value)}\t${encodeId(accountId)}\t${entry.day}`)
    .join('\n');
}

function parsePendix(pendix: string): { entry: IndexEntry; accountId: string }[] {
  const out: { entry: IndexEntry; accountId: string }[] = [];
  for (const line of pendix.split('\n')) {
    const [kind, value, accountId, day] = line.split('\t');
    if (kind && value !== undefined && accountId !== undefined && day !== undefined) {
      out.push({
        entry: { kind: kind as IndexEntry['kind'], value: decodeId(value), day: Number(day) },
        accountId: decodeId(accountId),
      });
    }
  }
  return out;
}
