/**
 * The Kafka broker restarts in the middle of a stream (a broker of this test's own, on another port,
 * keeping its data folder across the restart): the worker must ride it out and end with exactly the
 * state of a run where nothing went wrong.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.ts';
import {
  cleanUp,
  configEnv,
  createTopic,
  freePortPair,
  groupCaughtUp,
  produce,
  testConfig,
  waitFor,
} from '../support/services.ts';
import { snapshotWindows } from '../support/snapshot.ts';
import { spawnFarmwatch, waitForOutput, type FarmwatchProcess } from '../support/process.ts';
import { cleanRun, PARTITIONS, restartStream } from './restart-support.ts';

const run = promisify(execFile);
const EVENTS = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'fw-kafka-restart-'));
const configs: Config[] = [];
let worker: FarmwatchProcess | undefined;
let brokerEnv: NodeJS.ProcessEnv | undefined;

const broker = (cmd: 'start' | 'stop') =>
  run('bash', ['ops/kafka/kafka.sh', cmd], { env: brokerEnv, maxBuffer: 16 * 1024 * 1024 });

afterAll(async () => {
  if (worker && worker.child.exitCode === null) worker.child.kill('SIGKILL');
  if (brokerEnv) await broker('stop').catch(() => undefined);
  for (const c of configs) await cleanUp(c).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('Kafka broker restart mid-stream (own broker, real Redis)', () => {
  it('rides out the restart and loses or double-counts nothing', async () => {
    const messages = restartStream(EVENTS);
    const expected = await cleanRun(messages, configs);

    // The controller listens on port + 1: find a pair that is free (checking only the first, one run in CI found the
    // controller's port taken).
    const port = await freePortPair();
    brokerEnv = { ...process.env, KAFKA_PORT: String(port), KAFKA_DATA_DIR: dir };
    await broker('start');
    const brokers = `127.0.0.1:${port}`;
    const kafka = new Kafka({
      clientId: 'fwtest-restart',
      brokers: [brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 20, maxRetryTime: 2_000 },
    });
    const c = testConfig({
      KAFKA_BROKERS: brokers,
      FARMWATCH_INPUT_PARTITIONS: String(PARTITIONS),
      FARMWATCH_LOG_LEVEL: 'info',
    });
    configs.push(c);
    await createTopic(kafka, c.inputTopic, PARTITIONS);
    await produce(kafka, c.inputTopic, messages.slice(0, EVENTS / 2));
    worker = spawnFarmwatch(['worker'], configEnv(c));
    await waitForOutput(worker, /worker consuming/, 60_000);
    await waitFor('the first half applied', () => groupCaughtUp(kafka, c.workerGroup, c.inputTopic), 120_000, 200);

    await broker('stop');
    await new Promise((r) => setTimeout(r, 5_000));
    expect(worker.child.exitCode, 'the worker waits for the broker instead of exiting').toBeNull();
    await broker('start');
    await produce(kafka, c.inputTopic, messages.slice(EVENTS / 2));
    const w = worker;
    await waitFor(
      'the worker to commit the whole topic after the restart',
      () => groupCaughtUp(kafka, c.workerGroup, c.inputTopic),
      240_000,
      500,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\nthe worker's last output:\n${w.output().slice(-6_000)}`);
    });
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);

    const after = await snapshotWindows(c);
    expect(after.maxEventTimeMs).toBe(expected.maxEventTimeMs);
    expect(after.indexes).toEqual(expected.indexes);
    expect(after.accounts).toEqual(expected.accounts);
  }, 600_000);
});
