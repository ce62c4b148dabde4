/**
 * The worker's Prometheus metrics, registered on a registry created in main. Label values are
 * closed vocabularies (outcomes, reject reasons, dependencies): never account ids, cluster ids or IPs.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { TopicAdmin } from '../kafka/port.ts';
import { REJECT_REASONS, type RejectReason } from '../ingest/decode-event.ts';
import type { WorkerObserver } from '../ingest/worker.ts';

export const EVENT_OUTCOMES = ['accepted', 'invalid', 'duplicate', 'late'] as const;

export interface LagSource {
  readonly admin: TopicAdmin;
  readonly groupId: string;
  readonly topic: string;
}

export function createWorkerMetrics(registry: Registry, lag?: LagSource): WorkerObserver {
  let maxEventTimeMs = 0;
  new Gauge({
    name: 'farmwatch_event_time_lag_seconds',
    help: 'Wall clock minus the newest event time this worker has applied (how far behind real time the windows are).',
    registers: [registry],
    collect() {
      if (maxEventTimeMs > 0) this.set((Date.now() - maxEventTimeMs) / 1000);
    },
  });
  new Gauge({
    name: 'farmwatch_event_time_seconds',
    help: 'Newest event time this worker has applied, as a Unix timestamp.',
    registers: [registry],
    collect() {
      if (maxEventTimeMs > 0) this.set(maxEventTimeMs / 1000);
    },
  });
  if (lag) {
    // Computed at scrape time from the broker: committed offsets of the group against the end offsets.
    new Gauge({
      name: 'farmwatch_consumer_lag_messages',
      help: 'Messages of the input topic not yet committed by the worker group, per partition.',
      labelNames: ['partition'] as const,
      registers: [registry],
      async collect() {
        try {
          const [committed, ends] = await Promise.all([
            lag.admin.committedOffsets(lag.groupId, lag.topic),
            lag.admin.endOffsets(lag.topic),
          ]);
          this.reset();
          for (const [p, end] of ends) {
            const c = committed.get(p) ?? -1n;
            this.set({ partition: String(p) }, Number(end - (c < 0n ? 0n : c)));
          }
        } catch {
          // The broker is unreachable: leave the series absent rather than report a wrong lag.
          this.reset();
        }
      },
    });
  }
  const events = new Counter({
    name: 'farmwatch_events_total',
    help:
      'Input messages by outcome: accepted (applied to Redis), invalid (dead-lettered), duplicate (already ' +
      'applied), late (beyond the allowed lateness).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: 'farmwatch_dead_letter_messages_total',
    help: 'Messages sent to the dead-letter topic, by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const batchDuration = new Histogram({
    name: 'farmwatch_batch_duration_seconds',
    help: 'Time to decode, dead-letter and apply one partition batch.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const dependencyErrors = new Counter({
    name: 'farmwatch_dependency_errors_total',
    help: 'Failed writes to a dependency (each retried), by dependency.',
    labelNames: ['dependency'] as const,
    registers: [registry],
  });
  const quarantined = new Counter({
    name: 'farmwatch_quarantined_states_total',
    help: 'Account states that could not be decoded, moved to a quarantine key so their partition goes on.',
    registers: [registry],
  });
  const waitingPartitions = new Set<number>();
  new Gauge({
    name: 'farmwatch_partitions_awaiting_offset_reset',
    help:
      'Input partitions whose log ends before the offset applied from it (topic recreated or truncated): nothing ' +
      'is applied from them until `farmwatch reset-offsets`.',
    registers: [registry],
    collect() {
      this.set(waitingPartitions.size);
    },
  });
  // Zero series exist from the start, so rate() and absent() behave before the first event.
  for (const o of EVENT_OUTCOMES) events.inc({ outcome: o }, 0);
  for (const r of REJECT_REASONS) deadLetters.inc({ reason: r }, 0);
  for (const d of ['redis', 'kafka']) dependencyErrors.inc({ dependency: d }, 0);

  return {
    batchDone({ accepted, duplicates, late, seconds, maxEventTimeMs: t }) {
      if (t > maxEventTimeMs) maxEventTimeMs = t;
      events.inc({ outcome: 'accepted' }, accepted);
      events.inc({ outcome: 'duplicate' }, duplicates);
      events.inc({ outcome: 'late' }, late);
      batchDuration.observe(seconds);
    },
    invalid(reason: RejectReason, count: number) {
      events.inc({ outcome: 'invalid' }, count);
      deadLetters.inc({ reason }, count);
    },
    dependencyError(dependency) {
      dependencyErrors.inc({ dependency });
    },
    quarantined(count) {
      quarantined.inc(count);
    },
    logReset(partition, waiting) {
      if (waiting) waitingPartitions.add(partition);
      else waitingPartitions.delete(partition);
    },
  };
}

/** Counts the batches a worker fingerprinted on its main thread because their thread failed (fingerprint-threads). */
export function fingerprintFallbackCounter(registry: Registry): () => void {
  const c = new Counter({
    name: 'farmwatch_fingerprint_fallback_batches_total',
    help: "Batches decoded and fingerprinted on the worker's main thread because their fingerprint thread failed.",
    registers: [registry],
  });
  return () => c.inc();
}
