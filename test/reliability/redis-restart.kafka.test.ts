/**
 * Redis restarts in the middle of a stream (a Redis of this test's own, on another port, with an
 * append-only file so that a restart keeps what was acknowledged — how farmwatch's Redis must run).
 * The worker must pause and report not-ready, reconnect, resume, and end with exactly the state of
 * a run where nothing went wrong.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.ts';
import {
  cleanUp,
  configEnv,
  createTopic,
  freePort,
  groupCaughtUp,
  produce,
  testConfig,
  testKafka,
  waitFor,
} from '../support/services.ts';
import { snapshotOf } from '../support/snapshot.ts';
import { spawnFarmwatch, waitForOutput, type FarmwatchProcess } from '../support/process.ts';
import { cleanRun, PARTITIONS, readyz, restartStream } from './restart-support.ts';

const EVENTS = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'fw-redis-restart-'));
const configs: Config[] = [];
let redisProc: ChildProcess | undefined;
let worker: FarmwatchProcess | undefined;

afterAll(async () => {
  if (worker && worker.child.exitCode === null) worker.child.kill('SIGKILL');
  redisProc?.kill('SIGKILL');
  for (const c of configs) await cleanUp(c);
  rmSync(dir, { recursive: true, force: true });
});

async function startRedis(port: number): Promise<ChildProcess> {
  const p = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
    ],
    { stdio: 'ignore' },
  );
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  await waitFor(
    `redis-server on ${port}`,
    async () => {
      try {
        if (probe.status !== 'ready') await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        probe.disconnect();
        return false;
      }
    },
    20_000,
    100,
  );
  probe.disconnect();
  return p;
}

describe('Redis restart mid-stream (real Kafka, own Redis)', () => {
  it('pauses, reports not ready, resumes, and loses or double-counts nothing', async () => {
    const messages = restartStream(EVENTS);
    const expected = await cleanRun(messages, configs);

    const redisPort = await freePort();
    const httpPort = await freePort();
    redisProc = await startRedis(redisPort);
    const c = testConfig({
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      FARMWATCH_INPUT_PARTITIONS: String(PARTITIONS),
      FARMWATCH_HTTP_PORT: String(httpPort),
      FARMWATCH_LOG_LEVEL: 'info',
    });
    const kafka = testKafka();
    await createTopic(kafka, c.inputTopic, PARTITIONS);
    await produce(kafka, c.inputTopic, messages.slice(0, EVENTS / 2));
    worker = spawnFarmwatch(['worker'], configEnv(c));
    await waitForOutput(worker, /worker consuming/, 60_000);
    await waitFor('the first half applied', () => groupCaughtUp(kafka, c.workerGroup, c.inputTopic), 120_000, 200);
    expect(await readyz(httpPort)).toBe(200);

    // Redis dies while the second half arrives.
    redisProc.kill('SIGKILL');
    await new Promise((r) => redisProc?.once('exit', r));
    const producing = produce(kafka, c.inputTopic, messages.slice(EVENTS / 2));
    await waitFor('the worker to report not ready', async () => (await readyz(httpPort)) === 503, 20_000, 200);
    await producing;
    await new Promise((r) => setTimeout(r, 3_000));
    expect(worker.child.exitCode, 'the worker waits for Redis instead of exiting').toBeNull();
    expect(await groupCaughtUp(kafka, c.workerGroup, c.inputTopic)).toBe(false);

    redisProc = await startRedis(redisPort);
    await waitFor('the worker to be ready again', async () => (await readyz(httpPort)) === 200, 60_000, 200);
    await waitFor(
      'the worker to commit the whole topic',
      () => groupCaughtUp(kafka, c.workerGroup, c.inputTopic),
      180_000,
      500,
    );
    expect(worker.output()).toMatch(/redis is back; resuming|redis ready/);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);

    const own = new Redis(redisPort, '127.0.0.1');
    try {
      const after = await snapshotOf(own, c.redisPrefix, c.inputTopic);
      expect(after.maxEventTimeMs).toBe(expected.maxEventTimeMs);
      expect(after.indexes).toEqual(expected.indexes);
      expect(after.accounts).toEqual(expected.accounts);
    } finally {
      own.disconnect();
    }
  }, 600_000);
});
