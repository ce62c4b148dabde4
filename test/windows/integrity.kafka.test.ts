/**
 * Integrity of the windows under crashes: a 200,000-event stream applied by a worker that is killed
 * with SIGKILL at five random points and restarted ends in exactly the Redis state of a clean run
 * (every aggregate, slot, value and index), and delivering the whole stream again changes nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Random } from '../../fixtures/random.ts';
import { sampleTraffic, type SampleMessage } from '../../fixtures/sample-traffic.ts';
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

const EVENTS = 200_000;
const PARTITIONS = 3;
const configs: Config[] = [];
const procs: FarmwatchProcess[] = [];

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  for (const c of configs) await cleanUp(c);
});

async function committedCount(c: Config): Promise<number> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [res] = await admin.fetchOffsets({ groupId: c.workerGroup, topics: [c.inputTopic] });
    return (res?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

function newRun(): Config {
  const c = testConfig({ FARMWATCH_KAFKA_SESSION_TIMEOUT: '6s', FARMWATCH_INPUT_PARTITIONS: String(PARTITIONS) });
  configs.push(c);
  return c;
}

async function runToEnd(c: Config, env: Record<string, string> = {}): Promise<FarmwatchProcess> {
  const p = spawnFarmwatch(['worker'], { ...configEnv(c), ...env });
  procs.push(p);
  await waitFor(
    'the worker to commit the whole topic',
    () => groupCaughtUp(testKafka(), env.FARMWATCH_WORKER_GROUP ?? c.workerGroup, c.inputTopic),
    240_000,
    500,
  );
  p.child.kill('SIGTERM');
  await p.exited;
  return p;
}

describe('window integrity under SIGKILL (real Kafka and Redis)', () => {
  it('ends in the state of a clean run, and a second delivery of the stream changes nothing', async () => {
    const messages: SampleMessage[] = [
      ...sampleTraffic({
        seed: 7,
        accounts: 5_000,
        events: EVENTS,
        startMs: Date.parse('2026-11-19T00:00:00Z'),
        meanGapMs: 1_500,
      }),
    ];
    const kafka = testKafka();

    const clean = newRun();
    const crashy = newRun();
    for (const c of [clean, crashy]) {
      await createTopic(kafka, c.inputTopic, PARTITIONS);
      await produce(
        kafka,
        c.inputTopic,
        messages.map(({ key, value }) => ({ key, value })),
      );
    }
    await runToEnd(clean);
    const expected = await snapshotWindows(clean);
    expect(expected.accounts.size).toBeGreaterThan(4_000);

    const r = new Random(Date.now() & 0xffff);
    const killAt = [0.08, 0.24, 0.4, 0.56, 0.72].map((f) => Math.floor((f + 0.12 * r.next()) * EVENTS));
    for (const target of killAt) {
      const p = spawnFarmwatch(['worker'], { ...configEnv(crashy), FARMWATCH_LOG_LEVEL: 'info' });
      procs.push(p);
      await waitForOutput(p, /worker consuming/, 60_000);
      await waitFor(`${target} events committed`, async () => (await committedCount(crashy)) >= target, 240_000, 100);
      p.child.kill('SIGKILL');
      await p.exited;
    }
    await runToEnd(crashy);
    const afterCrashes = await snapshotWindows(crashy);
    expect(afterCrashes.maxEventTimeMs).toBe(expected.maxEventTimeMs);
    expect(afterCrashes.indexes).toEqual(expected.indexes);
    expect(afterCrashes.accounts).toEqual(expected.accounts);

    // The whole stream once more, as a new consumer group from the first offset: every batch is
    // already applied, so nothing may change.
    await runToEnd(crashy, { FARMWATCH_WORKER_GROUP: `${crashy.workerGroup}-again` });
    const again = await snapshotWindows(crashy);
    expect(again.accounts).toEqual(expected.accounts);
    expect(again.indexes).toEqual(expected.indexes);
  }, 600_000);
});
