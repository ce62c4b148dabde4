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
import type { ReviewPolicy } from '../../src/clustering/clusterer.ts';
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
export const TOKEN_ENTRIES = [
  `vera:viewer:${TOKENS.viewer}`,
  `ana:analyst:${TOKENS.analyst}`,
  `adam:admin:${TOKENS.admin}`,
];

export interface ReviewQueue {
  readonly prefix: string;
  readonly config: Config;
  readonly labels: readonly LabelRow[];
  readonly records: readonly ClusterRecord[];
  /** The campaign group most of a cluster's members belong to. */
  groupOf(record: ClusterRecord): string;
}

export async function buildReviewQueue(
  redis: Redis,
  opts: {
    scenario?: string;
    seed?: number;
    scale?: number;
    prepare?: (lines: Generator<string>) => Iterable<string>;
    policy?: ReviewPolicy;
  } = {},
): Promise<ReviewQueue> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-review-'));
  try {
    const g = generateScenario(loadScenario(opts.scenario ?? 'review-small'), {
      seed: opts.seed ?? 3,
      scale: opts.scale ?? 1,
    });
    const file = join(dir, 'scenario.jsonl');
    const ws = createWriteStream(file);
    for (const line of opts.prepare ? opts.prepare(g.lines) : g.lines)
      if (!ws.write(line + '\n')) await once(ws, 'drain');
    ws.end();
    await once(ws, 'finish');
    const prefix = uniqueName('review');
    const config = parseConfig({
      FARMWATCH_REDIS_PREFIX: prefix,
      FARMWATCH_INPUT_TOPIC: BACKTEST_TOPIC,
      FARMWATCH_BAND_VERIFY: '1',
      FARMWATCH_BAND_REVIEW: '0.25',
    });
    const res = await runBacktest(
      file,
      redis,
      prefix,
      { ...backtestSettings(config), ...(opts.policy ? { policy: opts.policy } : {}) },
      () => undefined,
    );
    const keys = new KeySpace(prefix);
    if (res.clusters.length > 0)
      await redis.hset(keys.clusterRecords(), ...res.clusters.flatMap((c) => [c.id, JSON.stringify(c)]));
    const groupOfAccount = new Map(g.labels.map((l) => [l.account_id, l.group]));
    return {
      prefix,
      config,
      labels: g.labels,
      records: res.clusters,
      groupOf(record) {
        const n = new Map<string, number>();
        for (const m of record.members)
          n.set(groupOfAccount.get(m) ?? '?', (n.get(groupOfAccount.get(m) ?? '?') ?? 0) + 1);
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

export async function startTestReview(
  redis: Redis,
  queue: ReviewQueue,
  opts: { now?: () => number; logLines?: string[] } = {},
): Promise<{ server: ReviewServer; producer: CapturingProducer; service: ReviewService }> {
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
  const server = await startReviewServer({
    svc: service,
    access: new AccessList(TOKEN_ENTRIES),
    host: '127.0.0.1',
    port: 0,
    log,
  });
  return { server, producer, service };
}

/**
 * A cluster of `size` members written straight into Redis (windows and record), for the page's
 * large-cluster test: a real run of that size would take the backtest most of an hour.
 * Members work in waves of lockstep minutes over a day, like a large farm.
 */
export async function writeLargeCluster(
  redis: Redis,
  prefix: string,
  size: number,
  topic = BACKTEST_TOPIC,
): Promise<ClusterRecord> {
  const { emptyState } = await import('../../src/windows/account-state.ts');
  const { encodeState } = await import('../../src/windows/state-codec.ts');
  const keys = new KeySpace(prefix);
  const day = Date.parse('2026-11-02T00:00:00Z');
  const members: string[] = [];
  const partitions: number[] = [];
  for (let i = 0; i < size; i += 1000) {
    const pipe = redis.pipeline();
    for (let j = i; j < Math.min(size, i + 1000); j++) {
      const id = `farm-${j}`;
      const partition = j % 6;
      const wave = j % 12;
      const st = emptyState();
      const startMin = wave * 110 + (j % 7);
      st.slots = Array.from({ length: 40 }, (_, k) => Math.floor(day / 60_000) + startMin + k * 2);
      st.firstSec = (st.slots[0] as number) * 60;
      st.lastSec = (st.slots[st.slots.length - 1] as number) * 60;
      st.requests = 80;
      const hour = Math.floor(st.firstSec / 3600);
      st.buckets = [
        {
          idx: hour,
          requests: 80,
          inputTokens: 8_000,
          outputTokens: 40_000,
          reasoningTokens: 90_000,
          elicit: 76,
          errors: 0,
          rateLimited: 3,
          refused: 0,
          newTemplates: 2,
        },
      ];
      st.attrs = [
        { kind: 'network', value: `203.0.${j % 200}.0/24`, lastHour: hour, count: 80, linked: true },
        {
          kind: 'template',
          value: `t${(j % 3).toString(16).padStart(15, '0')}`,
          lastHour: hour,
          count: 80,
          linked: true,
        },
        {
          kind: 'payment',
          value: `p${(j % 40).toString(16).padStart(11, '0')}`,
          lastHour: hour,
          count: 1,
          linked: true,
        },
      ];
      st.createdSec = st.firstSec - 3600;
      pipe.set(keys.account(topic, partition, id), encodeState(st));
      members.push(id);
      partitions.push(partition);
    }
    await pipe.exec();
  }
  const record: ClusterRecord = {
    id: 'c_large0000001',
    status: 'open',
    band: 'review',
    score: 0.93,
    coordination: 0.95,
    intent: 0.98,
    members,
    memberPartitions: partitions,
    firstSeenMs: day + 3_600_000,
    lastSeenMs: day + 86_400_000,
    windowFromMs: day,
    windowToMs: day + 86_400_000,
    reasons: [
      {
        code: 'lockstep_timing',
        weight: 1,
        score: 0.95,
        detail: `${size} accounts move in 12 waves of lockstep minutes.`,
      },
    ],
    requested: [],
  };
  await redis.hset(keys.clusterRecords(), record.id, JSON.stringify(record));
  return record;
}
