/**
 * `farmwatch review`: the analysts' page and API, served by one process. It reads what the
 * clusterer wrote, records verdicts in Redis, and sends the verification requests of clusters an
 * analyst confirms. Without Kafka it serves read-only (confirming answers 503) until Kafka answers.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Config } from '../config/config.ts';
import { FarmwatchError } from '../errors/farmwatch-error.ts';
import { BackgroundProducer } from '../kafka/background-producer.ts';
import { createKafka, createProducer, createTopicAdmin } from '../kafka/kafkajs-adapter.ts';
import type { Logger } from '../logging/logger.ts';
import { connectRedis } from '../redis/connect.ts';
import { KeySpace } from '../redis/keys.ts';
import { AccessList } from '../review/access.ts';
import { startReviewServer, type ReviewServer } from '../review/http-api.ts';
import { ReviewService } from '../review/review-service.ts';
import { ReviewStore } from '../review/review-store.ts';
import { WindowReader } from '../windows/window-reader.ts';
import type { Command } from './command.ts';
import { drainWithin, waitForShutdownSignal } from './shutdown.ts';

export interface RunningReview {
  readonly server: ReviewServer;
  readonly service: ReviewService;
  stop(): Promise<void>;
}

export async function startReview(
  config: Config,
  log: Logger,
  tokens: readonly string[] = config.reviewTokens,
): Promise<RunningReview> {
  if (tokens.length === 0)
    throw new FarmwatchError(
      'CONFIG_INVALID',
      'FARMWATCH_REVIEW_TOKENS is empty: set at least one user:role:token (e.g. alice:analyst:<a random token of 16+ ' +
        'characters>)',
    );
  const access = new AccessList(tokens);
  // Reading needs only Redis: the page is served at once, and Kafka is connected in the background
  // for the confirmations that send verification requests.
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: `${config.kafkaClientId}-review` }, log);
  const producer = new BackgroundProducer({
    log: log.child({ component: 'review' }),
    open: async () => {
      const admin = createTopicAdmin(kafka);
      try {
        await admin.ensureTopics([{ topic: config.verificationTopic, partitions: config.inputPartitions }]);
      } finally {
        await admin.disconnect();
      }
      const p = createProducer(kafka);
      await p.connect();
      return p;
    },
  });
  await producer.connect();
  const redis = connectRedis(config, log.child({ component: 'redis' }));
  const keys = new KeySpace(config.redisPrefix);
  const service = new ReviewService({
    store: new ReviewStore(redis.redis, keys),
    reader: new WindowReader(redis.redis, keys, config.inputTopic),
    inputTopic: config.inputTopic,
    bucketMs: config.bucketMs,
    slotMs: config.slotMs,
    producer,
    verificationTopic: config.verificationTopic,
  });
  const server = await startReviewServer({
    svc: service,
    access,
    host: config.reviewHost,
    port: config.reviewPort,
    log: log.child({ component: 'review' }),
    metrics: reviewRegistry(),
    limits: {
      headersMs: config.reviewHeadersTimeoutMs,
      requestMs: config.reviewRequestTimeoutMs,
      idleMs: config.reviewIdleTimeoutMs,
      maxConnections: config.reviewMaxConnections,
    },
    ready: () => (redis.isReady() ? null : 'redis is not connected'),
  });
  log.info('review page and API started', { url: server.url, users: access.size });
  return {
    server,
    service,
    async stop() {
      await server.close();
      await producer.disconnect();
      await redis.close();
    },
  };
}

/** The review process's metrics: the request counter and Node's process metrics, at /metrics of its own port. */
function reviewRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

export function reviewCommand(config: () => Config, log: (c: Config) => Logger): Command {
  return {
    name: 'review',
    summary: "Serve the analysts' review page and JSON API (FARMWATCH_REVIEW_TOKENS says who may use it).",
    options: {},
    async run() {
      const cfg = config();
      const logger = log(cfg);
      const running = await startReview(cfg, logger);
      console.log(`farmwatch review: open ${running.server.url}`);
      await waitForShutdownSignal(logger);
      return drainWithin(9_000, logger, () => running.stop());
    },
  };
}
