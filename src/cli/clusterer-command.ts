/**
 * `farmwatch clusterer`: the wiring of the clustering stage. Several may run; one is active (lease).
 */
import { REMEMBER_MIN_MEMBERS } from '../clustering/component-memo.ts';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createClustererMetrics } from '../metrics/clusterer-metrics.ts';
import type { Config } from '../config/config.ts';
import { ClustererService } from '../clustering/clusterer-service.ts';
import type { TickResult } from '../clustering/clusterer.ts';
import { scoringConfig } from '../clustering/scoring.ts';
import { createKafka, createTickEmitter, createTopicAdmin } from '../kafka/kafkajs-adapter.ts';
import type { Logger } from '../logging/logger.ts';
import { startOpsServer, type OpsServer } from '../metrics/http-server.ts';
import { connectRedis, type RedisConnection } from '../redis/connect.ts';
import { KeySpace } from '../redis/keys.ts';
import { WindowReader } from '../windows/window-reader.ts';
import type { Command } from './command.ts';
import { boundClustererHeapGrowth } from './node-flags.ts';
import { drainWithin, waitForShutdownSignal } from './shutdown.ts';

export interface RunningClusterer {
  readonly service: ClustererService;
  readonly redis: RedisConnection;
  readonly ops: OpsServer;
  stop(): Promise<void>;
}

export async function startClusterer(
  config: Config,
  log: Logger,
  onTick?: (r: TickResult) => void,
): Promise<RunningClusterer> {
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: `${config.kafkaClientId}-clusterer` }, log);
  const admin = createTopicAdmin(kafka);
  try {
    await admin.ensureTopics([
      { topic: config.verificationTopic, partitions: config.inputPartitions },
      { topic: config.clustersTopic, partitions: 1 },
    ]);
  } finally {
    await admin.disconnect();
  }
  const redis = connectRedis(config, log.child({ component: 'redis' }));
  // One transactional id per deployment (its clusters topic names it): whichever instance holds the
  // lease fences the others at the broker.
  const emitter = createTickEmitter(kafka, {
    transactionalId: `farmwatch-clusterer.${config.clustersTopic}`,
    progressGroup: `farmwatch-clusterer-progress.${config.clustersTopic}`,
    progressTopic: config.clustersTopic,
  });
  const keys = new KeySpace(config.redisPrefix);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let record: ((r: TickResult, seconds: number) => void) | undefined;
  const instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const service = new ClustererService({
    redis: redis.redis,
    keys,
    reader: new WindowReader(redis.redis, keys, config.inputTopic),
    emitter,
    verificationTopic: config.verificationTopic,
    clustersTopic: config.clustersTopic,
    settings: {
      windowMs: config.clusterWindowMs,
      bucketMs: config.bucketMs,
      slotMs: config.slotMs,
      minClusterSize: config.minClusterSize,
      scoring: scoringConfig(config.detectorWeights, config.verifyBand, config.reviewBand),
      emittedAt: () => new Date().toISOString(),
      refit: { drift: config.refitDrift, minMembers: REMEMBER_MIN_MEMBERS },
      latenessMs: config.latenessMs,
    },
    tickMs: config.tickMs,
    leaseMs: config.clustererLeaseMs,
    instanceId,
    log: log.child({ component: 'clusterer' }),
    onTick: (r, seconds) => {
      record?.(r, seconds);
      onTick?.(r);
    },
  });
  record = createClustererMetrics(registry, {
    isLeader: () => service.isLeader(),
    clusters: () => service.clusters(),
    watermarkMs: () => service.watermarkMs(),
    lastSuccessMs: () => service.lastSuccess(),
  });
  const ops = await startOpsServer(config.httpPort, registry, () =>
    redis.isReady() ? null : 'redis is not connected',
  );
  service.start();
  log.info('clusterer started', { instance: instanceId, port: ops.port });
  return {
    service,
    redis,
    ops,
    async stop() {
      await service.stop();
      await emitter.disconnect();
      await redis.close();
      await ops.close();
    },
  };
}

export function clustererCommand(config: () => Config, log: (c: Config) => Logger): Command {
  return {
    name: 'clusterer',
    summary:
      'Cluster active accounts on event-time ticks, score clusters and emit verification requests (one active ' +
      'instance, lease-based).',
    options: {},
    async run() {
      const cfg = config();
      const logger = log(cfg);
      boundClustererHeapGrowth();
      const running = await startClusterer(cfg, logger, (r) => {
        for (const c of r.changed)
          if (c.band === 'verify')
            logger.info('cluster flagged', {
              cluster: c.id,
              members: c.members.length,
              score: c.score,
              top_reason: c.reasons[0]?.detail,
            });
      });
      await waitForShutdownSignal(logger);
      return drainWithin(9_000, logger, () => running.stop());
    },
  };
}
