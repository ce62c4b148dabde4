/**
 * A review queue from a real run: a labelled scenario goes through the production stages (the
 * backtest) into Redis, and the clusters it found are stored where the clusterer stores them. With
 * the verify band at 1, every cluster waits for an analyst, so confirming is what sends requests.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { generateScenario, loadScenario, type LabelRow } from '../../fixtures/generate.ts';
import { BACKTEST_TOPIC, runBacktest } from '../../src/backtest/backtest.ts';
import { backtestSettings } from '../../src/cli/backtest-command.ts';
import type { ClusterRecord } from '../../src/clustering/cluster-registry.ts';
import { parseConfig, type Config } from '../../src/config/config.ts';
import type { MessageProducer, OutboundMessage } from '../../src/kafka/port.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { KeySpace } from '../../src/redis/keys.ts';
import { AccessList } from '../../src/review/access.ts';
import { startReviewServer, type ReviewServer } from '../../src/review/http-api.ts';
import { ReviewService } from '../../src/review/review-service.ts';
import { ReviewStore } from '../../src/review/review-store.ts';
import { WindowReader } from '../../src/windows/window-reader.ts';
import { uniqueName } from './services.ts';

export const TOKENS = {
  viewer: 'viewer-token-0123456789abcdef',
  analyst: 'analyst-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
} as const;
export const TOKEN_ENTRIES = [`vera:viewer:${TOKENS.viewer}`, `ana:analyst:${TOKENS.analyst}`, `adam:admin:${TOKENS.admin}`];

export interface ReviewQueue {
  readonly prefix: string;
  readonly config: Config;
  readonly labels: readonly LabelRow[];
  readonly records: readonly ClusterRecord[];
  /** The campaign group most of a cluster's members belong to. */
  groupOf(record: ClusterRecord): string;
}

export async function buildReviewQueue(redis: Redis, opts: { scenario?: string; seed?: number; scale?: number; prepare?: (lines: Generator<string>) => Iterable<string> } = {}): Promise<ReviewQueue> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-review-'));
  try {
    const g = generateScenario(loadScenario(opts.scenario ?? 'review-small'), { seed: opts.seed ?? 3, scale: opts.scale ?? 1 });
    const file = join(dir, 'scenario.jsonl');
    const ws = createWriteStream(file);
    for (const line of opts.prepare ? opts.prepare(g.lines) : g.lines) if (!ws.write(line + '\n')) await once(ws, 'drain');
    ws.end();
    await once(ws, 'finish');
    const prefix = uniqueName('review');
    const config = parseConfig({ FARMWATCH_REDIS_PREFIX: prefix, FARMWATCH_INPUT_TOPIC: BACKTEST_TOPIC, FARMWATCH_BAND_VERIFY: '1', FARMWATCH_BAND_REVIEW: '0.25' });
    const res = await runBacktest(file, redis, prefix, backtestSettings(config), () => undefined);
    const keys = new KeySpace(prefix);
    if (res.clusters.length > 0) await redis.hset(keys.clusterRecords(), ...res.clusters.flatMap((c) => [c.id, JSON.stringify(c)]));
    const groupOfAccount = new Map(g.labels.map((l) => [l.account_id, l.group]));
    return {
      prefix,
      config,
      labels: g.labels,
      records: res.clusters,
      groupOf(record) {
        const n = new Map<string, number>();
        for (const m of record.members) n.set(groupOfAccount.get(m) ?? '?', (n.get(groupOfAccount.get(m) ?? '?') ?? 0) + 1);
        return [...n].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '?';
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A producer that keeps what it is given (the review API's confirmations), standing in for Kafka. */
export class CapturingProducer implements MessageProducer {
  readonly sent: { topic: string; message: OutboundMessage }[] = [];
  async connect() {}
  async disconnect() {}
  async send(topic: string, messages: readonly OutboundMessage[]) {
    for (const message of messages) this.sent.push({ topic, message });
  }
}

export async function startTestReview(redis: Redis, queue: ReviewQueue, opts: { now?: () => number; logLines?: string[] } = {}): Promise<{ server: ReviewServer; producer: CapturingProducer; service: ReviewService }> {
  const keys = new KeySpace(queue.prefix);
  const producer = new CapturingProducer();
  const service = new ReviewService({
    store: new ReviewStore(redis, keys),
    reader: new WindowReader(redis, keys, queue.config.inputTopic),
    inputTopic: queue.config.inputTopic,
    bucketMs: queue.config.bucketMs,
    slotMs: queue.config.slotMs,
    producer,
    verificationTopic: 'verification',
    ...(opts.now ? { now: opts.now } : {}),
  });
  const lines = opts.logLines;
  const log = createLogger('debug', (l) => lines?.push(l));
  const server = await startReviewServer({ svc: service, access: new AccessList(TOKEN_ENTRIES), host: '127.0.0.1', port: 0, log });
  return { server, producer, service };
}
