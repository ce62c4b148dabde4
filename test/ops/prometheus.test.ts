/**
 * The alert rules and the dashboard against what the service exposes: promtool checks and unit-tests
 * every rule; every metric a rule or a dashboard query names is one a farmwatch process exposes.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createClustererMetrics } from '../../src/metrics/clusterer-metrics.ts';
import { createWorkerMetrics } from '../../src/metrics/worker-metrics.ts';

const run = promisify(execFile);
const rulesDir = fileURLToPath(new URL('../../ops/prometheus/rules/', import.meta.url));

async function exposedNames(): Promise<Set<string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const admin = {
    ensureTopics: async () => undefined,
    committedOffsets: async () => new Map([[0, 5n]]),
    endOffsets: async () => new Map([[0, 9n]]),
    disconnect: async () => undefined,
  };
  createWorkerMetrics(registry, { admin, groupId: 'g', topic: 't' });
  createClustererMetrics(registry, {
    isLeader: () => true,
    clusters: () => [],
    watermarkMs: () => 0,
    lastSuccessMs: () => 0,
  });
  const names = new Set<string>(['up']);
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

const metricNames = (expr: string) => [...expr.matchAll(/\b(farmwatch_[a-z0-9_]+|up)\b/g)].map((m) => m[1] as string);

describe('Prometheus rules and dashboard', () => {
  it('promtool checks the rules and passes their unit tests', async () => {
    const check = await run('promtool', ['check', 'rules', 'alerts.yml'], { cwd: rulesDir });
    expect(check.stdout).toMatch(/SUCCESS: 10 rules found/);
    const test = await run('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: rulesDir });
    expect(test.stdout + test.stderr).toMatch(/SUCCESS/);
  });

  it('every rule has a summary, a description and a runbook_url pointing at its section of docs/operations.md', () => {
    const rules = (
      parse(readFileSync(new URL('alerts.yml', `file://${rulesDir}`), 'utf8')) as {
        groups: { rules: { alert: string; annotations: Record<string, string> }[] }[];
      }
    ).groups.flatMap((g) => g.rules);
    const runbooks = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    for (const r of rules) {
      expect(r.annotations.summary, r.alert).toBeTruthy();
      expect(r.annotations.description, r.alert).toBeTruthy();
      expect(r.annotations.runbook_url).toBe(`docs/operations.md#runbook-${r.alert.toLowerCase()}`);
      expect(runbooks, `runbook of ${r.alert}`).toContain(`### Runbook: ${r.alert}`);
    }
  });

  it('names only metrics the service exposes, in rules and dashboard queries', async () => {
    const names = await exposedNames();
    const rules = readFileSync(new URL('alerts.yml', `file://${rulesDir}`), 'utf8');
    const dashboard = JSON.parse(
      readFileSync(new URL('../../ops/grafana/farmwatch-dashboard.json', import.meta.url), 'utf8'),
    ) as { panels: { targets: { expr: string }[] }[] };
    const exprs = [
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
      ...[...rules.matchAll(/expr: (.*)/g)].map((m) => m[1] as string),
    ];
    expect(exprs.length).toBeGreaterThan(15);
    for (const e of exprs) for (const n of metricNames(e)) expect(names.has(n), `${n} in ${e}`).toBe(true);
  });

  it('the consumer lag is computed at scrape time from the broker offsets', async () => {
    const registry = new Registry();
    const admin = {
      ensureTopics: async () => undefined,
      committedOffsets: async () =>
        new Map([
          [0, 5n],
          [1, -1n],
        ]),
      endOffsets: async () =>
        new Map([
          [0, 9n],
          [1, 3n],
        ]),
      disconnect: async () => undefined,
    };
    createWorkerMetrics(registry, { admin, groupId: 'g', topic: 't' });
    const text = await registry.metrics();
    expect(text).toContain('farmwatch_consumer_lag_messages{partition="0"} 4');
    expect(text).toContain('farmwatch_consumer_lag_messages{partition="1"} 3');
  });
});
