/**
 * End to end over a small labelled scenario (a few thousand accounts, one of each hard negative, two
 * campaigns): the production stages through the backtest, against the real Redis, must keep detection
 * quality above a floor; and the same input must give the same output.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateScenario, loadScenario } from '../../fixtures/generate.ts';
import { backtestSettings } from '../../src/cli/backtest-command.ts';
import { runBacktest } from '../../src/backtest/backtest.ts';
import { registerScripts } from '../../src/redis/scripts.ts';
import { deleteKeysWithPrefix } from '../../src/redis/delete-prefix.ts';
import { evaluate, exchangeTimes, evaluationTable } from '../../src/evaluation/evaluate.ts';
import { parseConfig } from '../../src/config/config.ts';
import { testRedis, uniqueName, waitFor } from '../support/services.ts';
import { spawnFarmwatch, waitForOutput } from '../support/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'fw-backtest-'));
const redis = testRedis();
registerScripts(redis);
const prefixes: string[] = [];
const settings = backtestSettings(parseConfig({}));

afterAll(async () => {
  for (const p of prefixes) await deleteKeysWithPrefix(redis, p);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

async function writeScenario(seed: number, scale: number) {
  const g = generateScenario(loadScenario('mixed-small'), { seed, scale });
  const file = join(dir, `mixed-small-${seed}-${scale}.jsonl`);
  const ws = createWriteStream(file);
  for (const line of g.lines) if (!ws.write(line + '\n')) await once(ws, 'drain');
  ws.end();
  await once(ws, 'finish');
  return { file, labels: g.labels };
}

async function backtest(file: string) {
  const prefix = uniqueName('bt');
  prefixes.push(prefix);
  return runBacktest(file, redis, prefix, settings, () => undefined);
}

describe('backtest of a small labelled scenario (real Redis)', () => {
  it('flags the campaigns and spares the hard negatives', async () => {
    const { file, labels } = await writeScenario(2, 1);
    const res = await backtest(file);
    const e = evaluate(labels, res.requests, await exchangeTimes(file));
    console.log(evaluationTable(e));
    expect(e.precision).toBeGreaterThanOrEqual(0.97);
    expect(e.recall).toBeGreaterThanOrEqual(0.95);
    expect(e.leakage).toBeLessThanOrEqual(0.05);
    for (const g of e.groups.filter((x) => x.label === 'benign'))
      expect(g.share, `${g.group} flagged`).toBeLessThanOrEqual(0.01);
    for (const g of e.groups.filter((x) => x.label === 'attack'))
      expect(g.firstFlagAfterMinutes ?? Infinity, `${g.group} first flag`).toBeLessThanOrEqual(60);
    // Every request carries reasons with a sentence and numbers.
    for (const r of res.requests.slice(0, 50)) {
      expect(r.reasons.length).toBeGreaterThan(0);
      for (const reason of r.reasons) expect(reason.detail).toMatch(/\d/);
    }
  }, 300_000);

  it('gives the same output for the same input', async () => {
    const { file } = await writeScenario(4, 0.3);
    const [a, b] = [await backtest(file), await backtest(file)];
    expect(a.requests.length).toBeGreaterThan(0);
    expect(b.requests).toEqual(a.requests);
    expect(b.clusters).toEqual(a.clusters);
  }, 300_000);

  it('removes its Redis keys when stopped with SIGTERM or Ctrl-C mid-run', async () => {
    const { file } = await writeScenario(5, 2); // ~110,000 events: a run of tens of seconds
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const prefix = uniqueName('bt');
      const p = spawnFarmwatch(['backtest', '--events', file, '--out', join(dir, `stopped-${signal}`)], {
        FARMWATCH_REDIS_PREFIX: prefix,
        REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      });
      await waitForOutput(p, /redis ready/, 60_000);
      // Stopped once its keys exist: the test would pass vacuously otherwise.
      await waitFor(
        "the backtest's keys in Redis",
        async () => (await redis.keys(`${prefix}-bt-*`)).length > 100,
        60_000,
        50,
      );
      expect(p.child.exitCode).toBeNull();
      p.child.kill(signal);
      expect(await p.exited).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(p.output()).toContain('stopping and removing its Redis keys');
      expect(await redis.keys(`${prefix}-bt-*`)).toEqual([]);
    }
  }, 300_000);

  it('removes its Redis keys when the pipe it writes progress to closes (farmwatch backtest … | head)', async () => {
    const { file } = await writeScenario(5, 2); // past 100,000 events, so a progress line follows the close
    const prefix = uniqueName('bt');
    const p = spawnFarmwatch(['backtest', '--events', file, '--out', join(dir, 'stopped-pipe')], {
      FARMWATCH_REDIS_PREFIX: prefix,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    });
    await waitForOutput(p, /redis ready/, 60_000);
    await waitFor(
      "the backtest's keys in Redis",
      async () => (await redis.keys(`${prefix}-bt-*`)).length > 100,
      60_000,
      50,
    );
    expect(p.child.exitCode).toBeNull();
    p.child.stderr?.destroy();
    p.child.stdout?.destroy();
    expect(await p.exited).toBe(141);
    expect(await redis.keys(`${prefix}-bt-*`)).toEqual([]);
  }, 300_000);
});
