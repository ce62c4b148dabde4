/**
 * `farmwatch worker`: the main wiring of the ingest stage. Config, logger, Redis and Kafka are
 * created here and passed down; nothing below reads the environment.
 */
import type { Config } from '../config/config.ts';
import { createEventDecoder } from '../ingest/decode-event.ts';
import { createWorker, type Worker } from '../ingest/worker.ts';
import { inlineFingerprinter, type BatchFingerprinter } from '../ingest/fingerprint-batch.ts';
import { threadFingerprinter } from '../ingest/fingerprint-threads.ts';
import { createBatchConsumer, createKafka, createProducer, createTopicAdmin } from '../kafka/kafkajs-adapter.ts';
import type { Logger } from '../logging/logger.ts';
import { connectRedis, type RedisConnection } from '../redis/connect.ts';
import { KeySpace } from '../redis/keys.ts';
import { WindowStore } from '../windows/window-store.ts';
import type { WindowSettings } from '../windows/account-state.ts';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { startOpsServer, type OpsServer } from '../metrics/http-server.ts';
import { createWorkerMetrics, fingerprintFallbackCounter } from '../metrics/worker-metrics.ts';
import type { Command } from './command.ts';
import { drainWithin, waitForShutdownSignal } from './shutdown.ts';

export function windowSettings(config: Config): WindowSettings {
  return {
    bucketMs: config.bucketMs,
    slotMs: config.slotMs,
    retentionMs: config.retentionMs,
    latenessMs: config.latenessMs,
  };
}

function fingerprinterFor(config: Config, log: Logger, registry: Registry): BatchFingerprinter {
  const limits = { maxEventBytes: config.maxEventBytes, maxFutureSkewMs: config.maxFutureSkewMs };
  if (config.fingerprintThreads === 0) return inlineFingerprinter(createEventDecoder(limits));
  return threadFingerprinter({
    threads: config.fingerprintThreads,
    limits,
    log: log.child({ component: 'fingerprint' }),
    onFallback: fingerprintFallbackCounter(registry),
  });
}

export interface RunningWorker {
  readonly worker: Worker;
  readonly redis: RedisConnection;
  readonly ops: OpsServer;
  stop(): Promise<void>;
}

/** Starts a worker from a config; used by the command and by in-process tests and the demo. */
export async function startWorker(config: Config, log: Logger): Promise<RunningWorker> {
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: config.kafkaClientId }, log);
  const admin = createTopicAdmin(kafka);
  await admin.ensureTopics([
    { topic: config.inputTopic, partitions: config.inputPartitions },
    // A dead letter is the original message plus headers: room for the largest event we accept and more.
    {
      topic: config.deadLetterTopic,
      partitions: 1,
      maxMessageBytes: Math.max(1_048_588, config.maxEventBytes) + 64 * 1024,
    },
  ]);
  const redis = connectRedis(config, log.child({ component: 'redis' }));
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const worker = createWorker({
    consumer: createBatchConsumer(
      kafka,
      {
        groupId: config.workerGroup,
        topics: [config.inputTopic],
        concurrency: config.workerConcurrency,
        sessionTimeoutMs: config.kafkaSessionTimeoutMs,
      },
      log.child({ component: 'consumer' }),
    ),
    producer: createProducer(kafka),
    fingerprint: fingerprinterFor(config, log, registry),
    sink: new WindowStore(
      redis.redis,
      new KeySpace(config.redisPrefix),
      windowSettings(config),
      config.workerStateCacheMb * 1024 * 1024,
    ),
    deadLetterTopic: config.deadLetterTopic,
    log: log.child({ component: 'worker' }),
    observer: createWorkerMetrics(registry, { admin, groupId: config.workerGroup, topic: config.inputTopic }),
  });
  const ops = await startOpsServer(config.httpPort, registry, () => {
    if (!redis.isReady()) return 'redis is not connected';
    if (!worker.isReady()) return 'no partitions assigned or a dependency is failing';
    return null;
  });
  log.info('serving /metrics, /healthz and /readyz', { port: ops.port });
  await worker.start();
  log.info('worker consuming', {
    topic: config.inputTopic,
    group: config.workerGroup,
    dead_letter_topic: config.deadLetterTopic,
  });
  return {
    worker,
    redis,
    ops,
    async stop() {
      await worker.stop();
      await admin.disconnect();
      await redis.close();
      await ops.close();
    },
  };
}

export function workerCommand(config: () => Config, log: (c: Config) => Logger): Command {
  return {
    name: 'worker',
    summary:
      "Consume usage events from Kafka, validate them, dead-letter the bad ones and update the accounts' windows in " +
      'Redis.',
    options: {},
    async run() {
      const cfg = config();
      const logger = log(cfg);
      const running = await startWorker(cfg, logger);
      await waitForShutdownSignal(logger);
      const code = await drainWithin(9_000, logger, () => running.stop());
      const s = running.worker.stats();
      logger.info('worker stopped', {
        batches: s.batches,
        accepted: s.accepted,
        duplicates: s.duplicates,
        late: s.late,
        invalid: JSON.stringify(s.invalid),
      });
      return code;
    },
  };
}
