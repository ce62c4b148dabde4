/** For the clusterer fault tests: a stream ingested into windows before any clusterer runs, and what is sent. */
import { Partitioners } from 'kafkajs';
import type { Redis } from 'ioredis';
import { startWorker } from '../../src/cli/worker-command.ts';
import type { Config } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { KeySpace } from '../../src/redis/keys.ts';
import { emptyState, foldObservation } from '../../src/windows/account-state.ts';
import { encodeState } from '../../src/windows/state-codec.ts';
import type { Observation } from '../../src/fingerprint/observation.ts';
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

/**
 * The clusterer has committed `tick` and sent it: a tick is committed to Redis before its outbox goes
 * to Kafka, so stopping a clusterer as soon as `last_tick` reaches the end can cut that send short
 * (a drain past its grace period leaves the outbox to a next holder the test never starts).
 */
export const sentThrough = async (redis: Redis, c: Config, tick: number): Promise<boolean> =>
  (await lastTick(redis, c)) >= tick && (await redis.hlen(new KeySpace(c.redisPrefix).clustererOutbox())) === 0;

/** The verification requests on the topic, as a consumer reading committed messages sees them. */
export async function requests(c: Config): Promise<Sent[]> {
  return (await readTopic(testKafka(), c.verificationTopic)).map((m) => JSON.parse(String(m.value)) as Sent);
}

/**
 * Ordinary accounts written straight into the windows, each with one request at `tsMs` on values of
 * its own (they link nobody), and listed as written after every batch: every pass reads and scores them all, so a
 * pass lasts as long as the tests need (about 30 µs per account here).
 */
export async function writeFillerAccounts(redis: Redis, c: Config, count: number, tsMs: number): Promise<void> {
  const keys = new KeySpace(c.redisPrefix);
  const settings = { bucketMs: c.bucketMs, slotMs: c.slotMs, retentionMs: c.retentionMs, latenessMs: c.latenessMs };
  for (let i = 0; i < count; i += 5_000) {
    const pipe = redis.pipeline();
    for (let j = i; j < Math.min(count, i + 5_000); j++) {
      const id = `filler-${j}`;
      const state = emptyState();
      const o: Observation = {
        eventId: `${id}:0`,
        tsMs: tsMs - (j % 600) * 1_000,
        accountId: id,
        type: 'request',
        inputTokens: 100,
        outputTokens: 300,
        reasoningTokens: 0,
        bands: [],
        elicitsReasoning: false,
        reasoningKnown: true,
        model: 'model-small',
      };
      foldObservation(state, o, { settings, watermarkMs: 0, eventIdHash: 1, index: () => undefined });
      const partition = j % 3;
      pipe.set(keys.account(c.inputTopic, partition, id), encodeState(state));
      pipe.zadd(keys.active(c.inputTopic, partition), state.lastSec, id);
      // As if written after every batch: each pass reads them, not only the first after a takeover.
      pipe.zadd(keys.written(c.inputTopic, partition), '+inf', id);
    }
    await pipe.exec();
  }
}

/** From a `farmwatch clusterer` process's /metrics: how many passes it ran, and how many took longer than `seconds`. */
export async function passesLongerThan(output: string, seconds: number): Promise<{ passes: number; longer: number }> {
  const port = /"msg":"clusterer started".*?"port":(\d+)/.exec(output)?.[1];
  if (port === undefined) return { passes: 0, longer: 0 };
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const bucket = (le: string) =>
    Number(
      new RegExp(
        `farmwatch_clusterer_run_duration_seconds_bucket\\{le="${le.replace(/[+.]/g, '\\$&')}"\\} (\\d+)`,
      ).exec(text)?.[1] ?? 0,
    );
  const total = bucket('+Inf');
  return { passes: total, longer: total - bucket(String(seconds)) };
}
