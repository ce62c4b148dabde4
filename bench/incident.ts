/**
 * `npm run bench:incident [-- --scale X --days D]`: the reported incident through the backtest —
 * simulate it, run the production stages over it, evaluate against its labels. Prints progress, then
 *   incident events=… wall_s=… events_per_s=… peak_redis_mb=…
 *   evaluate precision=… recall=… f1=… leakage=…
 * At full scale (24,000 campaign accounts, ~16 million exchanges, 200,000 ordinary accounts) this
 * runs for hours on a 2-core machine; --scale shrinks every group alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { backtestToDir, evaluateFiles } from '../src/cli/backtest-command.ts';
import { parseConfig } from '../src/config/config.ts';
import { evaluationLine, evaluationTable } from '../src/evaluation/evaluate.ts';
import { createLogger } from '../src/logging/logger.ts';
import { benchArgs, progress } from './support.ts';

const args = benchArgs('incident', {
  scale: { default: '1', description: 'multiplies every group of the incident scenario' },
  days: { default: '7', description: 'length in days' },
  seed: { default: '1', description: 'scenario seed' },
  events: {
    default: '',
    text: true,
    description:
      'an incident already simulated with these settings (its labels next to it as FILE.labels.jsonl): skips the ' +
      'simulation',
  },
});
const BIN = fileURLToPath(new URL('../bin/farmwatch.js', import.meta.url));
const cfg = parseConfig(process.env);
const redis = new Redis(cfg.redisUrl);
const dir = mkdtempSync(join(tmpdir(), 'farmwatch-incident-'));
let peak = 0;
const sample = async () => {
  const info = await redis.info('memory');
  peak = Math.max(peak, Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0));
};
const timer = setInterval(() => void sample(), 2_000);
try {
  const events = args.events !== '' ? args.events : join(dir, 'incident.jsonl');
  if (args.events === '') {
    progress(`simulating the incident (scale ${args.scale}, ${args.days} days)`);
    execFileSync(
      process.execPath,
      [
        BIN,
        'simulate',
        '--scenario',
        'incident',
        '--seed',
        String(args.seed),
        '--scale',
        String(args.scale),
        '--days',
        String(args.days),
        '--out',
        events,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  } else progress(`using the incident already simulated in ${events}`);
  await sample();
  const base = peak;
  progress(`backtest (tick ${cfg.tickMs / 60_000} min of event time)`);
  const t0 = performance.now();
  const res = await backtestToDir(cfg, createLogger('warn'), events, join(dir, 'out'));
  const wall = (performance.now() - t0) / 1000;
  await sample();
  const e = await evaluateFiles(events, `${events}.labels.jsonl`, join(dir, 'out', 'verification-requests.jsonl'));
  console.log(evaluationTable(e));
  console.log(
    `incident events=${res.events} wall_s=${wall.toFixed(0)} events_per_s=${Math.round(res.events / wall)} ` +
      `peak_redis_mb=${Math.round(peak / 1048576)} redis_growth_mb=${Math.round((peak - base) / 1048576)} ` +
      `scale=${args.scale} days=${args.days} tick_min=${cfg.tickMs / 60_000}`,
  );
  console.log(evaluationLine(e));
} finally {
  clearInterval(timer);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
}
