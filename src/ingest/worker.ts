/**
 * The worker: consumes the input topic batch by batch; decodes and validates every message; sends
 * invalid ones to the dead-letter topic; applies the valid ones to Redis; and only then lets the
 * consumer commit the batch's offsets. A failing dependency (Redis or Kafka restarting) pauses the
 * batch — retried with backoff, heartbeating — rather than skipping it; a bad message never does.
 */
import type { BatchControl, BatchConsumer, InboundBatch, MessageProducer, OutboundMessage } from '../kafka/port.ts';
import type { Logger } from '../logging/logger.ts';
import { errorFields } from '../logging/logger.ts';
import { FarmwatchError } from '../errors/farmwatch-error.ts';
import type { RejectReason } from './decode-event.ts';
import { deadLetterOf } from './dead-letter.ts';
import type { BatchFingerprinter } from './fingerprint-batch.ts';
import type { EventSink, OffsetObservation } from '../windows/window-store.ts';

export interface WorkerStats {
  readonly batches: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly late: number;
  readonly invalid: Readonly<Partial<Record<RejectReason, number>>>;
}

/** Hooks for metrics; every count is per batch, never per account. */
export interface WorkerObserver {
  batchDone?(info: {
    partition: number;
    messages: number;
    accepted: number;
    duplicates: number;
    late: number;
    seconds: number;
    maxEventTimeMs: number;
  }): void;
  invalid?(reason: RejectReason, count: number): void;
  dependencyError?(dependency: 'redis' | 'kafka'): void;
  /** Account states of a batch that could not be decoded and were moved aside. */
  quarantined?(count: number): void;
  /**
   * A partition is waiting for an operator because its log ends before its applied offset (true), or no longer (false).
   */
  logReset?(partition: number, waiting: boolean): void;
}

export interface WorkerDeps {
  readonly consumer: BatchConsumer;
  readonly producer: MessageProducer;
  /** Decodes, validates and fingerprints a batch's messages; the worker closes it when it stops. */
  readonly fingerprint: BatchFingerprinter;
  readonly sink: EventSink;
  readonly deadLetterTopic: string;
  readonly log: Logger;
  readonly now?: () => number;
  readonly observer?: WorkerObserver;
  /** Backoff bounds while a dependency is down. */
  readonly retryDelayMs?: { readonly min: number; readonly max: number };
}

export interface Worker {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): WorkerStats;
  /** True while the consumer holds partitions and no dependency is failing. */
  isReady(): boolean;
}

export function createWorker(deps: WorkerDeps): Worker {
  const now = deps.now ?? Date.now;
  const delays = deps.retryDelayMs ?? { min: 100, max: 2_000 };
  const stats = {
    batches: 0,
    accepted: 0,
    duplicates: 0,
    late: 0,
    invalid: {} as Partial<Record<RejectReason, number>>,
  };
  let failing = false;
  let started = false;

  async function withRetry<T>(
    what: 'redis' | 'kafka',
    control: BatchControl,
    fn: () => Promise<T>,
    partition = -1,
  ): Promise<T> {
    let delay = delays.min;
    let waitingForOperator = false;
    for (;;) {
      try {
        const out = await fn();
        if (failing && !waitingForOperator) deps.log.info(`${what} is back; resuming`);
        failing = false;
        if (waitingForOperator) {
          deps.log.info("the partition's applied offset was reset; applying its new log", { partition });
          deps.observer?.logReset?.(partition, false);
        }
        return out;
      } catch (err) {
        failing = true;
        if (err instanceof FarmwatchError && err.code === 'PARTITION_LOG_RESET') {
          // Not a dependency failing: an operator must decide. Said once, loudly, then waited for.
          if (!waitingForOperator) {
            deps.log.error(err.message, { partition });
            deps.observer?.logReset?.(partition, true);
          }
          waitingForOperator = true;
        } else {
          deps.observer?.dependencyError?.(what);
          deps.log.warn(`${what} write failed; retrying the batch`, { ...errorFields(err), retry_in_ms: delay });
        }
        if (!control.isActive())
          throw new FarmwatchError('SHUTTING_DOWN', 'stopping with the batch unwritten; it is delivered again', {
            cause: err,
          });
        await sleep(delay);
        await control.heartbeat().catch(() => undefined);
        if (!control.isActive())
          throw new FarmwatchError('SHUTTING_DOWN', 'stopping with the batch unwritten; it is delivered again', {
            cause: err,
          });
        delay = Math.min(delay * 2, delays.max);
      }
    }
  }

  async function handleBatch(batch: InboundBatch, control: BatchControl): Promise<void> {
    const t0 = performance.now();
    const nowMs = now();
    const valid: OffsetObservation[] = [];
    const dead: OutboundMessage[] = [];
    const invalidCounts = new Map<RejectReason, number>();
    const outcomes = await deps.fingerprint.fingerprint(
      batch.messages.map((m) => m.value),
      nowMs,
    );
    for (const [i, msg] of batch.messages.entries()) {
      const res = outcomes[i] as (typeof outcomes)[number];
      if (res.ok) {
        valid.push({ offset: BigInt(msg.offset), observation: res.observation });
      } else {
        dead.push(deadLetterOf(msg, res.reason, res.detail));
        invalidCounts.set(res.reason, (invalidCounts.get(res.reason) ?? 0) + 1);
      }
    }
    // Dead letters first: if we crash after this, the redelivered batch sends them again (at least
    // once, never lost), and the Redis write below is skipped by its offset guard.
    if (dead.length > 0) await withRetry('kafka', control, () => deps.producer.send(deps.deadLetterTopic, dead));
    const first = batch.messages[0];
    const last = batch.messages[batch.messages.length - 1];
    if (first === undefined || last === undefined) return;
    const outcome = await withRetry(
      'redis',
      control,
      () =>
        deps.sink.applyBatch({
          topic: batch.topic,
          partition: batch.partition,
          firstOffset: BigInt(first.offset),
          lastOffset: BigInt(last.offset),
          events: valid,
          highWatermark: BigInt(batch.highWatermark),
        }),
      batch.partition,
    );
    if (outcome.quarantined !== undefined) {
      for (const q of outcome.quarantined)
        deps.log.error('account state could not be decoded: moved to quarantine, the account starts afresh', {
          account: q.accountId,
          partition: batch.partition,
          reason: q.reason,
        });
      deps.observer?.quarantined?.(outcome.quarantined.length);
    }
    stats.batches += 1;
    stats.accepted += outcome.applied;
    stats.duplicates += outcome.duplicates;
    stats.late += outcome.late;
    for (const [reason, n] of invalidCounts) {
      stats.invalid[reason] = (stats.invalid[reason] ?? 0) + n;
      deps.observer?.invalid?.(reason, n);
    }
    deps.observer?.batchDone?.({
      partition: batch.partition,
      messages: batch.messages.length,
      accepted: outcome.applied,
      duplicates: outcome.duplicates,
      late: outcome.late,
      maxEventTimeMs: outcome.maxEventTimeMs,
      seconds: (performance.now() - t0) / 1000,
    });
  }

  /**
   * A partition taken over may hold a committed batch whose index entries its last writer never wrote
   * (it died between the two writes): they are written now, not when the partition's next event comes,
   * which on a quiet partition may be never while the clusterer misses the links.
   */
  async function recover(partitions: readonly { topic: string; partition: number }[]): Promise<void> {
    const recoverPartition = deps.sink.recoverPartition?.bind(deps.sink);
    if (recoverPartition === undefined) return;
    for (const { topic, partition } of partitions) {
      try {
        const n = await recoverPartition(topic, partition);
        if (n > 0) deps.log.info('wrote the index entries its last writer left unwritten', { partition, entries: n });
      } catch (err) {
        // The next batch of the partition writes them too (window-store.ts): nothing is lost by waiting.
        deps.log.warn('could not check the partition for unwritten index entries', { partition, ...errorFields(err) });
      }
    }
  }

  return {
    async start() {
      await deps.producer.connect();
      await deps.consumer.start(handleBatch, (partitions) => void recover(partitions));
      started = true;
    },
    async stop() {
      if (!started) return;
      started = false;
      await deps.consumer.stop();
      await deps.producer.disconnect();
      await deps.fingerprint.close();
    },
    stats: () => ({ ...stats, invalid: { ...stats.invalid } }),
    isReady: () => started && !failing && deps.consumer.assignedPartitions() > 0,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
