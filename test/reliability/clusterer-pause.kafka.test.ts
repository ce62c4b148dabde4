/**
 * Two clusterers whose passes are longer than the lease, and the active one paused with SIGSTOP for
 * three leases and then resumed (issue 17): a paused holder wakes up believing it still holds the
 * lease, with a pass or a send in hand. Every verification request must still reach the topic
 * exactly once, read back from Kafka as a consumer reads it (committed messages).
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { generateScenario, loadScenario } from '../../fixtures/generate.ts';
import type { Config } from '../../src/config/config.ts';
import { cleanUp, configEnv, TEST_REDIS_URL, waitFor } from '../support/services.ts';
import { spawnFarmwatch, waitForOutput, type FarmwatchProcess } from '../support/process.ts';
import { ingested, lastTick, requests } from './clusterer-support.ts';

const configs: Config[] = [];
const procs: FarmwatchProcess[] = [];
const redis = new Redis(TEST_REDIS_URL);

afterAll(async () => {
  for (const p of procs) {
    if (p.child.exitCode === null) {
      p.child.kill('SIGCONT');
      p.child.kill('SIGKILL');
    }
  }
  for (const c of configs) await cleanUp(c);
  redis.disconnect();
});

describe('a clusterer paused with SIGSTOP (real Kafka and Redis)', () => {
  it('sends every request id exactly once, read back from Kafka', async () => {
    const g = generateScenario(loadScenario('mixed-small'), { seed: 17, scale: 0.3 });
    const lines = [...g.lines];
    const lastTs = (JSON.parse(lines[lines.length - 1] as string) as { ts: number }).ts;
    // The shortest lease (2 s): a pause of three leases hands it to the other instance.
    const c = await ingested(lines, configs, { FARMWATCH_CLUSTERER_LEASE: '2s' });
    const finalTick = Math.floor((lastTs - c.latenessMs) / c.tickMs) * c.tickMs;

    const a = spawnFarmwatch(['clusterer'], configEnv(c));
    procs.push(a);
    await waitForOutput(a, /clusterer is active/, 30_000);
    const b = spawnFarmwatch(['clusterer'], { ...configEnv(c), FARMWATCH_HTTP_PORT: '0' });
    procs.push(b);
    // Pause the active one mid-run, three times, each for three leases (6 s).
    let pauses = 0;
    for (let i = 0; i < 3 && (await lastTick(redis, c)) < finalTick; i++) {
      await new Promise((r) => setTimeout(r, 700));
      // The lease holds the holder's instance id: host-pid-random.
      const lease = (await redis.get(`${c.redisPrefix}:{clusterer}:lease`)) ?? '';
      const holder = [a, b].find((p) => lease.includes(`-${p.child.pid}-`)) ?? (i % 2 === 0 ? a : b);
      holder.child.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 3 * 2_000));
      holder.child.kill('SIGCONT');
      pauses++;
    }
    await waitFor(
      'the clusterers to reach the last tick',
      async () => (await lastTick(redis, c)) >= finalTick,
      300_000,
      250,
    );
    // Give a woken holder time to try whatever it had in hand.
    await new Promise((r) => setTimeout(r, 3_000));
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    await Promise.all([a.exited, b.exited]);

    const got = await requests(c);
    const ids = new Set(got.map((q) => q.request_id));
    expect(pauses).toBeGreaterThanOrEqual(1);
    expect(got.length, 'the scenario flags accounts').toBeGreaterThan(20);
    expect(got.length, 'requests on the topic, each id once').toBe(ids.size);
    console.log(`clusterer pause test: ${pauses} pauses of 3 leases (6 s), ${got.length} requests, each once`);
  }, 600_000);
});
