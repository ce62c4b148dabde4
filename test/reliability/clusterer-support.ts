/** For the clusterer fault tests: a stream ingested into windows before any clusterer runs, and what is sent. */
import { Partitioners } from 'kafkajs';
import type { Redis } from 'ioredis';
import { startWorker } from '../../src/cli/worker-command.ts';
import type { Config } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { KeySpace } from '../../src/redis/keys.ts';
import { createTopic, groupCaughtUp, readTopic, testConfig, testKafka, waitFor } from '../support/services.ts';

export interface Sent {
  readonly request_id: string;
  readonly account_id: string;
  readonly cluster_id: string;
}

/** Windows for the whole stream, applied by a worker before any clusterer runs. */
export async function ingested(
  lines: readonly string[],
  configs: Config[],
  overrides: Record<string, string> = {},
): Promise<Config> {
  const c = testConfig({ FARMWATCH_CLUSTERER_LEASE: '2s', FARMWATCH_LOG_LEVEL: 'info', ...overrides });
  configs.push(c);
  const kafka = testKafka();
  await createTopic(kafka, c.inputTopic, 3);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let i = 0; i < lines.length; i += 1000) {
    await producer.send({
      topic: c.inputTopic,
      acks: -1,
      messages: lines
        .slice(i, i + 1000)
        .map((l) => ({ key: (JSON.parse(l) as { account_id: string }).account_id, value: l })),
    });
  }
  await producer.disconnect();
  const w = await startWorker(c, createLogger('warn'));
  await waitFor('the stream applied', () => groupCaughtUp(kafka, c.workerGroup, c.inputTopic), 240_000, 500);
  await w.stop();
  return c;
}

export const lastTick = async (redis: Redis, c: Config): Promise<number> =>
  Number((await redis.hget(new KeySpace(c.redisPrefix).clustererState(), 'last_tick')) ?? 0);

/** The verification requests on the topic, as a consumer reading committed messages sees them. */
export async function requests(c: Config): Promise<Sent[]> {
  return (await readTopic(testKafka(), c.verificationTopic)).map((m) => JSON.parse(String(m.value)) as Sent);
}
