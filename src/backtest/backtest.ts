/**
 * The production stages over a recorded file: decode and validate, fingerprint, apply to Redis
 * windows (under a key prefix of its own), and cluster at event-time ticks driven by the watermark.
 * Batches are cut at tick boundaries, so the same file always gives the same output.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RedisClient } from '../redis/client.ts';
import { observe } from '../fingerprint/observation.ts';
import { hash32 } from '../fingerprint/hash.ts';
import { createEventDecoder, type RejectReason } from '../ingest/decode-event.ts';
import { KeySpace } from '../redis/keys.ts';
import type { WindowSettings } from '../windows/account-state.ts';
import { WindowReader } from '../windows/window-reader.ts';
import { WindowStore, type OffsetObservation } from '../windows/window-store.ts';
import { ClusterRegistry, type ClusterRecord, type VerificationRequest } from '../clustering/cluster-registry.ts';
import { Clusterer, NO_REVIEW_POLICY, type ReviewPolicy } from '../clustering/clusterer.ts';
import type { RefitSettings } from '../clustering/component-memo.ts';
import type { ScoringConfig } from '../clustering/scoring.ts';

export interface BacktestSettings {
  readonly windows: WindowSettings;
  readonly partitions: number;
  readonly tickMs: number;
  readonly clusterWindowMs: number;
  readonly minClusterSize: number;
  readonly scoring: ScoringConfig;
  /** When large components are scored again in full (absent: every component at every tick). */
  readonly refit?: RefitSettings;
  readonly maxEventBytes: number;
  /** Analysts' allowlists and dismissals to honour (none by default: a backtest judges the detectors). */
  readonly policy?: ReviewPolicy;
}

export interface BacktestResult {
  readonly events: number;
  readonly invalid: Partial<Record<RejectReason, number>>;
  readonly late: number;
  readonly duplicates: number;
  readonly ticks: number;
  readonly requests: VerificationRequest[];
  readonly clusters: ClusterRecord[];
  readonly seconds: number;
}

export const BACKTEST_TOPIC = 'backtest';
const TOPIC = BACKTEST_TOPIC;
const FLUSH_EVENTS = 5_000;

export async function runBacktest(
  file: string,
  redis: RedisClient,
  prefix: string,
  s: BacktestSettings,
  progress: (line: string) => void,
  onRequests?: (r: readonly VerificationRequest[]) => void,
  /** Stops the run between two steps (nothing is written after it fires); the promise rejects with its reason. */
  signal?: AbortSignal,
  /** Told the count of events read so far, every 1,000 (a replay benchmark times the run's tenths). */
  onEvents?: (events: number) => void,
): Promise<BacktestResult> {
  const started = performance.now();
  const keys = new KeySpace(prefix);
  const store = new WindowStore(redis, keys, s.windows);
  const reader = new WindowReader(redis, keys, TOPIC);
  const registry = new ClusterRegistry();
  const clusterer = new Clusterer(
    reader,
    {
      windowMs: s.clusterWindowMs,
      bucketMs: s.windows.bucketMs,
      slotMs: s.windows.slotMs,
      minClusterSize: s.minClusterSize,
      scoring: s.scoring,
      emittedAt: (t) => new Date(t).toISOString(),
      refit: s.refit,
      latenessMs: s.windows.latenessMs,
    },
    registry,
    s.policy ?? NO_REVIEW_POLICY,
  );
  // A recorded file is judged by its own clock: nothing in it is "in the future".
  const decode = createEventDecoder({ maxEventBytes: s.maxEventBytes, maxFutureSkewMs: 0 });
  const buffers: OffsetObservation[][] = Array.from({ length: s.partitions }, () => []);
  const offsets = new Array<number>(s.partitions).fill(0);
  const invalid: Partial<Record<RejectReason, number>> = {};
  const requests: VerificationRequest[] = [];
  let events = 0;
  let late = 0;
  let duplicates = 0;
  let buffered = 0;
  let maxTs = 0;
  let nextTick: number | null = null;
  let ticks = 0;

  const flush = async () => {
    for (let p = 0; p < s.partitions; p++) {
      const batch = buffers[p] as OffsetObservation[];
      if (batch.length === 0) continue;
      const out = await store.applyBatch({
        topic: TOPIC,
        partition: p,
        firstOffset: (batch[0] as OffsetObservation).offset,
        lastOffset: (batch[batch.length - 1] as OffsetObservation).offset,
        events: batch,
      });
      late += out.late;
      duplicates += out.duplicates;
      buffers[p] = [];
    }
    buffered = 0;
  };
  const runTicksUpTo = async (watermark: number) => {
    while (nextTick !== null && nextTick <= watermark) {
      signal?.throwIfAborted();
      await flush();
      const r = await clusterer.tick(nextTick, maxTs);
      ticks++;
      if (r.requests.length > 0) {
        for (const q of r.requests) requests.push(q); // a tick can flag tens of thousands: no spread
        onRequests?.(r.requests);
      }
      nextTick += s.tickMs;
    }
  };

  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    signal?.throwIfAborted();
    if (line.length === 0) continue;
    const res = decode(Buffer.from(line), Number.MAX_SAFE_INTEGER);
    if (!res.ok) {
      invalid[res.reason] = (invalid[res.reason] ?? 0) + 1;
      continue;
    }
    const ev = res.event;
    events++;
    if (nextTick === null) nextTick = Math.ceil((ev.tsMs + 1) / s.tickMs) * s.tickMs;
    if (ev.tsMs > maxTs) maxTs = ev.tsMs;
    await runTicksUpTo(maxTs);
    const p = hash32(ev.accountId) % s.partitions;
    (buffers[p] as OffsetObservation[]).push({ offset: BigInt(offsets[p] as number), observation: observe(ev) });
    offsets[p] = (offsets[p] as number) + 1;
    if (++buffered >= FLUSH_EVENTS) await flush();
    if (events % 1_000 === 0) onEvents?.(events);
    if (events % 100_000 === 0) {
      const secs = (performance.now() - started) / 1000;
      progress(
        `backtest: ${events.toLocaleString('en-US')} events ` +
          `(${Math.round(events / secs).toLocaleString('en-US')}/s), event time ${new Date(maxTs).toISOString()}, ` +
          `${ticks} ticks, ${requests.length} verification requests`,
      );
    }
  }
  await flush();
  if (nextTick !== null) await runTicksUpTo(Math.ceil(maxTs / s.tickMs) * s.tickMs);
  const clusters = [...registry.clusters.values()].sort(
    (a, b) => a.firstSeenMs - b.firstSeenMs || a.id.localeCompare(b.id),
  );
  return {
    events,
    invalid,
    late,
    duplicates,
    ticks,
    requests,
    clusters,
    seconds: (performance.now() - started) / 1000,
  };
}
