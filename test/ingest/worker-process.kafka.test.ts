/**
 * The worker as a process: SIGKILL in the middle of a stream loses nothing and (thanks to the offset
 * stored with the state) counts nothing twice; SIGTERM finishes the batch, commits and exits 0 fast.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import type { Config } from '../../src/config/config.ts';
import { KeySpace } from '../../src/redis/keys.ts';
import {
  cleanUp,
  configEnv,
  createTopic,
  groupCaughtUp,
  testConfig,
  testKafka,
  testRedis,
  waitFor,
} from '../support/services.ts';
import { validEvent } from '../support/events.ts';
import { requestsByAccount, snapshotWindows } from '../support/snapshot.ts';
import { spawnFarmwatch, waitForOutput, type FarmwatchProcess } from '../support/process.ts';

const PARTITIONS = 3;

describe('worker process (real Kafka and Redis)', () => {
  let config: Config | undefined;
  const procs: FarmwatchProcess[] = [];

  afterEach(async () => {
    for (const p of procs.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    if (config) await cleanUp(config);
  });

  /** Streams `total` events in batches while the test does other things. */
  async function streamEvents(
    c: Config,
    total: number,
    batch: number,
    pauseMs: number,
    accounts: number,
  ): Promise<Map<string, number>> {
    const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const expected = new Map<string, number>();
    for (let i = 0; i < total; i += batch) {
      const messages = [];
      for (let j = i; j < Math.min(total, i + batch); j++) {
        const e = validEvent(j, accounts);
        expected.set(e.accountId, (expected.get(e.accountId) ?? 0) + 1);
        messages.push({ key: e.key, value: e.value });
      }
      await producer.send({ topic: c.inputTopic, acks: -1, messages });
      await new Promise((r) => setTimeout(r, pauseMs));
    }
    await producer.disconnect();
    return expected;
  }

  async function appliedOffsets(c: Config): Promise<(string | null)[]> {
    const redis = testRedis();
    const keys = new KeySpace(c.redisPrefix);
    try {
      const out: (string | null)[] = [];
      for (let p = 0; p < PARTITIONS; p++) out.push(await redis.hget(keys.partitionMeta(c.inputTopic, p), 'offset'));
      return out;
    } finally {
      redis.disconnect();
    }
  }

  it('after SIGKILL in the middle of a stream and a restart, every event is counted exactly once', async () => {
    config = testConfig();
    const c = config;
    const kafka = testKafka();
    await createTopic(kafka, c.inputTopic, PARTITIONS);
    const env = configEnv(c);
    const first = spawnFarmwatch(['worker'], { ...env, FARMWATCH_LOG_LEVEL: 'info' });
    procs.push(first);
    await waitForOutput(first, /worker consuming/);
    const streaming = streamEvents(c, 30_000, 500, 60, 700);
    await new Promise((r) => setTimeout(r, 1_500));
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const second = spawnFarmwatch(['worker'], env);
    procs.push(second);
    const expected = await streaming;
    await waitFor('the restarted worker to catch up', () => groupCaughtUp(kafka, c.workerGroup, c.inputTopic));
    expect(requestsByAccount(await snapshotWindows(c))).toEqual(expected);
  });

  it('SIGTERM finishes the batch, commits it and exits 0 within 10 s', async () => {
    config = testConfig();
    const c = config;
    const kafka = testKafka();
    await createTopic(kafka, c.inputTopic, PARTITIONS);
    const worker = spawnFarmwatch(['worker'], { ...configEnv(c), FARMWATCH_LOG_LEVEL: 'info' });
    procs.push(worker);
    await waitForOutput(worker, /worker consuming/);
    const streaming = streamEvents(c, 20_000, 500, 50, 300);
    await new Promise((r) => setTimeout(r, 1_000));
    const sentAt = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(Date.now() - sentAt).toBeLessThan(10_000);
    await streaming;

    // Nothing the worker applied is left uncommitted: per partition, committed = applied + 1.
    const applied = await appliedOffsets(c);
    const admin = kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId: c.workerGroup, topics: [c.inputTopic] });
    await admin.disconnect();
    expect(applied.some((a) => a !== null)).toBe(true);
    for (let p = 0; p < PARTITIONS; p++) {
      const comm = committed?.partitions.find((x) => x.partition === p)?.offset ?? '-1';
      const app = applied[p] ?? null;
      expect(comm).toBe(app === null ? '-1' : String(BigInt(app) + 1n));
    }
    expect(worker.output()).toMatch(/worker stopped/);
  });
});
