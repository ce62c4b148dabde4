/**
 * The clusterer killed with SIGKILL at five random points of its run over a stream, restarted each
 * time, must send the same verification requests as a clusterer that was never killed: the same
 * request_ids, none missing, none extra — a re-sent request is only ever an exact re-emission (same
 * id, account and cluster) of a tick that was emitted but not yet committed when the process died.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { generateScenario, loadScenario } from '../../fixtures/generate.ts';
import { startWorker } from '../../src/cli/worker-command.ts';
import type { Config } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { KeySpace } from '../../src/redis/keys.ts';
import { Random } from '../../fixtures/random.ts';
import {
  cleanUp,
  configEnv,
  createTopic,
  groupCaughtUp,
  readTopic,
  testConfig,
  testKafka,
  TEST_REDIS_URL,
  waitFor,
} from '../support/services.ts';
import { spawnFarmwatch, waitForOutput, type FarmwatchProcess } from '../support/process.ts';

const configs: Config[] = [];
const procs: FarmwatchProcess[] = [];
const redis = new Redis(TEST_REDIS_URL);

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  for (const c of configs) await cleanUp(c);
  redis.disconnect();
});

interface Sent {
  readonly request_id: string;
  readonly account_id: string;
  readonly cluster_id: string;
}

/** Windows for the whole stream, applied by a worker before any clusterer runs. */
async function ingested(lines: readonly string[]): Promise<Config> {
  const c = testConfig({ FARMWATCH_CLUSTERER_LEASE: '2s', FARMWATCH_LOG_LEVEL: 'info' });
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

const lastTick = async (c: Config) =>
  Number((await redis.hget(new KeySpace(c.redisPrefix).clustererState(), 'last_tick')) ?? 0);

async function requests(c: Config): Promise<Sent[]> {
  return (await readTopic(testKafka(), c.verificationTopic)).map((m) => JSON.parse(String(m.value)) as Sent);
}

describe('clusterer killed at random points (real Kafka and Redis)', () => {
  it('sends exactly the verification requests of a clusterer that was never killed', async () => {
    const g = generateScenario(loadScenario('mixed-small'), { seed: 13, scale: 0.3 });
    const lines = [...g.lines];
    const lastTs = (JSON.parse(lines[lines.length - 1] as string) as { ts: number }).ts;
    const clean = await ingested(lines);
    const crashy = await ingested(lines);
    // The last tick the clusterer reaches: the newest event time less the lateness, on the tick grid.
    const finalTick = Math.floor((lastTs - clean.latenessMs) / clean.tickMs) * clean.tickMs;

    const one = spawnFarmwatch(['clusterer'], configEnv(clean));
    procs.push(one);
    await waitForOutput(one, /clusterer is active/, 30_000);
    const cleanStarted = Date.now();
    await waitFor(
      'the clean clusterer to reach the last tick',
      async () => (await lastTick(clean)) >= finalTick,
      300_000,
      250,
    );
    const cleanMs = Date.now() - cleanStarted;
    one.child.kill('SIGTERM');
    await one.exited;
    const expected = await requests(clean);
    expect(expected.length, 'the scenario flags accounts').toBeGreaterThan(20);

    // The run is over in seconds once the windows are there: kill after a random share of it.
    const r = new Random(Date.now() & 0xffff);
    let kills = 0;
    for (let attempt = 0; kills < 5 && attempt < 20; attempt++) {
      const p = spawnFarmwatch(['clusterer'], configEnv(crashy));
      procs.push(p);
      await waitForOutput(p, /clusterer is active/, 30_000);
      await new Promise((res) => setTimeout(res, Math.floor(cleanMs * (0.05 + 0.2 * r.next()))));
      if ((await lastTick(crashy)) < finalTick) {
        p.child.kill('SIGKILL');
        kills++;
      } else p.child.kill('SIGTERM');
      await p.exited;
    }
    const last = spawnFarmwatch(['clusterer'], configEnv(crashy));
    procs.push(last);
    await waitFor(
      'the restarted clusterer to reach the last tick',
      async () => (await lastTick(crashy)) >= finalTick,
      300_000,
      250,
    );
    last.child.kill('SIGTERM');
    await last.exited;
    expect(kills, 'clusterer processes killed mid-run').toBeGreaterThanOrEqual(5);

    const got = await requests(crashy);
    const ids = (xs: Sent[]) => [...new Set(xs.map((q) => q.request_id))].sort();
    expect(ids(got)).toEqual(ids(expected));
    // Beyond exact re-emissions, nothing differs: one account and cluster per request id.
    const byId = new Map<string, string>();
    for (const q of got) {
      const what = `${q.account_id}|${q.cluster_id}`;
      expect(byId.get(q.request_id) ?? what).toBe(what);
      byId.set(q.request_id, what);
    }
    console.log(
      `clusterer crash test: ${kills} kills, ${expected.length} requests in the clean run, ${got.length} sent with ` +
        `restarts (${got.length - ids(got).length} exact re-emissions)`,
    );
  }, 900_000);
});
