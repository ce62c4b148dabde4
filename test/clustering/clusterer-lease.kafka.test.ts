/**
 * The clusterer lease against the real Kafka and Redis: two clusterers run, one is active; killing it
 * with SIGKILL in the middle of a stream makes the standby take over within seconds, and no account is
 * sent a request under two different request ids (the takeover continues the same clusters).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { generateScenario, loadScenario } from '../../fixtures/generate.ts';
import { cleanUp, configEnv, createTopic, readTopic, testConfig, testKafka, waitFor } from '../support/services.ts';
import { spawnFarmwatch, waitForOutput, type FarmwatchProcess } from '../support/process.ts';

const config = testConfig({ FARMWATCH_CLUSTERER_LEASE: '3s', FARMWATCH_KAFKA_SESSION_TIMEOUT: '6s' });
const procs: FarmwatchProcess[] = [];
afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await cleanUp(config);
});

describe('clusterer lease (real Kafka and Redis)', () => {
  it('hands over to the standby when the active clusterer is killed, keeping request ids', async () => {
    const kafka = testKafka();
    await createTopic(kafka, config.inputTopic, 3);
    const env = { ...configEnv(config), FARMWATCH_CLUSTERER_LEASE: '3s', FARMWATCH_LOG_LEVEL: 'info' };
    const worker = spawnFarmwatch(['worker'], env);
    const first = spawnFarmwatch(['clusterer'], env);
    procs.push(worker, first);
    await waitForOutput(worker, /worker consuming/);
    await waitForOutput(first, /clusterer started/);

    const g = generateScenario(loadScenario('mixed-small'), { seed: 9, scale: 0.3 });
    const lines = [...g.lines];
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const send = async (part: string[]) => {
      for (let i = 0; i < part.length; i += 1000) {
        await producer.send({
          topic: config.inputTopic,
          acks: -1,
          messages: part
            .slice(i, i + 1000)
            .map((l) => ({ key: (JSON.parse(l) as { account_id: string }).account_id, value: l })),
        });
      }
    };
    await send(lines.slice(0, Math.floor(lines.length / 2)));
    await waitForOutput(first, /clusterer is active/, 30_000);
    const second = spawnFarmwatch(['clusterer'], env);
    procs.push(second);
    await waitForOutput(second, /clusterer started/);
    await waitFor(
      'the first clusterer to flag something',
      async () => (await readTopic(kafka, config.verificationTopic).catch(() => [])).length > 0,
      120_000,
      1_000,
    );

    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    await waitForOutput(second, /clusterer is active/, 20_000);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(10_000);
    await send(lines.slice(Math.floor(lines.length / 2)));
    await producer.disconnect();

    const attack = new Set(g.labels.filter((l) => l.label === 'attack').map((l) => l.account_id));
    await waitFor(
      'most campaign accounts flagged',
      async () => {
        const flagged = new Set(
          (await readTopic(kafka, config.verificationTopic)).map(
            (m) => (JSON.parse(String(m.value)) as { account_id: string }).account_id,
          ),
        );
        return [...attack].filter((a) => flagged.has(a)).length >= attack.size * 0.9;
      },
      180_000,
      2_000,
    );
    const requests = (await readTopic(kafka, config.verificationTopic)).map(
      (m) => JSON.parse(String(m.value)) as { account_id: string; request_id: string; cluster_id: string },
    );
    const idsByAccount = new Map<string, Set<string>>();
    for (const r of requests)
      idsByAccount.set(r.account_id, (idsByAccount.get(r.account_id) ?? new Set()).add(r.request_id));
    for (const [account, ids] of idsByAccount) expect(ids.size, `request ids of ${account}`).toBe(1);
    const benignFlagged = [...idsByAccount.keys()].filter((a) => !attack.has(a));
    expect(benignFlagged.length).toBeLessThanOrEqual(Math.ceil(g.labels.length * 0.01));
  }, 420_000);
});
