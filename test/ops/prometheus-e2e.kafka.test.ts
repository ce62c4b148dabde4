/**
 * End to end with a real Prometheus (Debian's `prometheus`): it scrapes a worker and a clusterer every
 * second with the repo's alert rules; a small campaign scenario streams through Kafka; the campaign
 * alert must reach `firing`, as Prometheus's own HTTP API reports it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Partitioners } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { generateScenario, loadScenario } from '../../fixtures/generate.ts';
import { cleanUp, configEnv, createTopic, testConfig, testKafka, waitFor } from '../support/services.ts';
import { spawnFarmwatch, waitForOutput, type FarmwatchProcess } from '../support/process.ts';

const config = testConfig();
const dir = mkdtempSync(join(tmpdir(), 'fw-prom-'));
const procs: FarmwatchProcess[] = [];
let prometheus: ChildProcess | undefined;

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGTERM');
  await Promise.all(procs.map((p) => p.exited));
  await cleanUp(config);
  rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

describe('alerts through a real Prometheus (real Kafka and Redis)', () => {
  it('fires FarmwatchCampaignDetected when a campaign streams through', async () => {
    const [workerPort, clustererPort, promPort] = [await freePort(), await freePort(), await freePort()];
    const kafka = testKafka();
    await createTopic(kafka, config.inputTopic, 3);
    const env = { ...configEnv(config), FARMWATCH_LOG_LEVEL: 'info' };
    const worker = spawnFarmwatch(['worker'], { ...env, FARMWATCH_HTTP_PORT: String(workerPort) });
    const clusterer = spawnFarmwatch(['clusterer'], { ...env, FARMWATCH_HTTP_PORT: String(clustererPort) });
    procs.push(worker, clusterer);
    await waitForOutput(worker, /worker consuming/);
    await waitForOutput(clusterer, /clusterer started/);

    const rules = fileURLToPath(new URL('../../ops/prometheus/rules/alerts.yml', import.meta.url));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ['${rules}']`,
        'scrape_configs:',
        `  - { job_name: farmwatch-worker, static_configs: [{ targets: ['127.0.0.1:${workerPort}'] }] }`,
        `  - { job_name: farmwatch-clusterer, static_configs: [{ targets: ['127.0.0.1:${clustererPort}'] }] }`,
      ].join('\n'),
    );
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: 'ignore' },
    );
    const api = `http://127.0.0.1:${promPort}/api/v1`;
    await waitFor(
      'Prometheus to be ready',
      async () => (await fetch(`http://127.0.0.1:${promPort}/-/ready`).catch(() => null))?.ok === true,
      30_000,
      250,
    );
    await waitFor(
      'both targets up',
      async () => {
        const res = (await (await fetch(`${api}/query?query=up`)).json()) as {
          data: { result: { value: [number, string] }[] };
        };
        return res.data.result.length === 2 && res.data.result.every((r) => r.value[1] === '1');
      },
      30_000,
      500,
    );

    const g = generateScenario(loadScenario('mixed-small'), { seed: 3, scale: 0.3 });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    let batch: { key: string; value: string }[] = [];
    for (const line of g.lines) {
      batch.push({ key: (JSON.parse(line) as { account_id: string }).account_id, value: line });
      if (batch.length === 1000) {
        await producer.send({ topic: config.inputTopic, acks: -1, messages: batch });
        batch = [];
      }
    }
    if (batch.length > 0) await producer.send({ topic: config.inputTopic, acks: -1, messages: batch });
    await producer.disconnect();

    let firing:
      | { labels: { alertname: string; severity: string }; state: string; annotations: { runbook_url: string } }
      | undefined;
    await waitFor(
      'FarmwatchCampaignDetected to fire',
      async () => {
        const res = (await (await fetch(`${api}/alerts`)).json()) as { data: { alerts: NonNullable<typeof firing>[] } };
        firing = res.data.alerts.find(
          (a) => a.labels.alertname === 'FarmwatchCampaignDetected' && a.state === 'firing',
        );
        return firing !== undefined;
      },
      180_000,
      1_000,
    );
    expect(firing?.labels.severity).toBe('warning');
    expect(firing?.annotations.runbook_url).toBe('docs/operations.md#runbook-farmwatchcampaigndetected');
    const requests = (await (await fetch(`${api}/query?query=sum(farmwatch_verification_requests_total)`)).json()) as {
      data: { result: { value: [number, string] }[] };
    };
    expect(Number(requests.data.result[0]?.value[1])).toBeGreaterThan(0);
  }, 300_000);
});
