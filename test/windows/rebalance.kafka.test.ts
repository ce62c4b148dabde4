/**
 * Scale-out: three workers share a 6-partition topic; a fourth joins and one of the first three
 * stops while events are still arriving. The applied offset of each partition travels with its
 * state in Redis, not with the worker, so every rebalance hands over exactly where the last owner
 * stopped: the final state must equal one worker's run over the same stream.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sampleTraffic } from '../../fixtures/sample-traffic.ts';
import type { Config } from '../../src/config/config.ts';
import {
  cleanUp,
  configEnv,
  createTopic,
  groupCaughtUp,
  produce,
  testConfig,
  testKafka,
  waitFor,
} from '../support/services.ts';
import { snapshotWindows } from '../support/snapshot.ts';
import { spawnFarmwatch, waitForOutput, type FarmwatchProcess } from '../support/process.ts';

type Msg = { key: string; value: string };
const EVENTS = 120_000;
const PARTITIONS = 6;
const configs: Config[] = [];
const procs: FarmwatchProcess[] = [];

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  for (const c of configs) await cleanUp(c);
});

function newRun(): Config {
  const c = testConfig({
    FARMWATCH_KAFKA_SESSION_TIMEOUT: '6s',
    FARMWATCH_INPUT_PARTITIONS: String(PARTITIONS),
    FARMWATCH_LOG_LEVEL: 'info',
  });
  configs.push(c);
  return c;
}

function startWorker(c: Config): FarmwatchProcess {
  const p = spawnFarmwatch(['worker'], configEnv(c));
  procs.push(p);
  return p;
}

async function stop(p: FarmwatchProcess): Promise<void> {
  p.child.kill('SIGTERM');
  expect(await p.exited).toBe(0);
}

describe('workers joining and leaving mid-stream (real Kafka and Redis)', () => {
  it('three workers, a fourth joining and one leaving end in the state of a single worker', async () => {
    const messages: Msg[] = [
      ...sampleTraffic({
        seed: 11,
        accounts: 4_000,
        events: EVENTS,
        startMs: Date.parse('2026-11-19T00:00:00Z'),
        meanGapMs: 1_500,
      }),
    ].map(({ key, value }) => ({ key, value }));
    const thirds = [
      messages.slice(0, EVENTS / 3),
      messages.slice(EVENTS / 3, (2 * EVENTS) / 3),
      messages.slice((2 * EVENTS) / 3),
    ];
    const kafka = testKafka();

    const single = newRun();
    await createTopic(kafka, single.inputTopic, PARTITIONS);
    await produce(kafka, single.inputTopic, messages);
    const one = startWorker(single);
    await waitFor(
      'the single worker to commit the whole topic',
      () => groupCaughtUp(kafka, single.workerGroup, single.inputTopic),
      240_000,
      500,
    );
    await stop(one);
    const expected = await snapshotWindows(single);
    expect(expected.accounts.size).toBeGreaterThan(3_500);

    const multi = newRun();
    await createTopic(kafka, multi.inputTopic, PARTITIONS);
    const first = [startWorker(multi), startWorker(multi), startWorker(multi)];
    for (const p of first) await waitForOutput(p, /worker consuming/, 60_000);
    await produce(kafka, multi.inputTopic, thirds[0] as Msg[]);
    await waitFor(
      'the first third applied by three workers',
      () => groupCaughtUp(kafka, multi.workerGroup, multi.inputTopic),
      240_000,
      250,
    );

    // A fourth joins while the second third streams in.
    const producing = produce(kafka, multi.inputTopic, thirds[1] as Msg[]);
    const fourth = startWorker(multi);
    await producing;
    await waitForOutput(fourth, /joined consumer group/, 60_000);
    // One of the first three leaves while the last third streams in.
    const producingLast = produce(kafka, multi.inputTopic, thirds[2] as Msg[]);
    await stop(first[1] as FarmwatchProcess);
    await producingLast;
    await waitFor(
      'the remaining workers to commit the whole topic',
      () => groupCaughtUp(kafka, multi.workerGroup, multi.inputTopic),
      240_000,
      500,
    );
    const joins = procs.filter((p) => p !== one).map((p) => (p.output().match(/joined consumer group/g) ?? []).length);
    for (const p of [first[0], first[2], fourth] as FarmwatchProcess[]) await stop(p);

    const after = await snapshotWindows(multi);
    expect(after.maxEventTimeMs).toBe(expected.maxEventTimeMs);
    expect(after.indexes).toEqual(expected.indexes);
    expect(after.accounts).toEqual(expected.accounts);
    // The group really rebalanced: the first workers joined more than once.
    expect(
      joins.reduce((a, b) => a + b, 0),
      'group joins',
    ).toBeGreaterThanOrEqual(6);
    console.log(`rebalance test: group joins per worker ${joins.join(', ')}`);
  }, 600_000);
});
