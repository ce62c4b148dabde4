/**
 * The worker's Prometheus metrics, registered on a registry created in main. Label values are
 * closed vocabularies (outcomes, reject reasons, dependencies): never account ids, cluster ids or IPs.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import { REJECT_REASONS, type RejectReason } from '../ingest/decode-event.ts';
import type { WorkerObserver } from '../ingest/worker.ts';

export const EVENT_OUTCOMES = ['accepted', 'invalid', 'duplicate', 'late'] as const;

export function createWorkerMetrics(registry: Registry): WorkerObserver {
  const events = new Counter({
    name: 'farmwatch_events_total',
    help: 'Input messages by outcome: accepted (applied to Redis), invalid (dead-lettered), duplicate (already applied), late (beyond the allowed lateness).',
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
  // Zero series exist from the start, so rate() and absent() behave before the first event.
  for (const o of EVENT_OUTCOMES) events.inc({ outcome: o }, 0);
  for (const r of REJECT_REASONS) deadLetters.inc({ reason: r }, 0);
  for (const d of ['redis', 'kafka']) dependencyErrors.inc({ dependency: d }, 0);

  return {
    batchDone({ accepted, duplicates, late, seconds }) {
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
  };
}
