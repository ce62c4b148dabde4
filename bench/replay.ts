/**
 * `npm run bench:replay -- --events FILE` (or `--scenario incident --scale 0.05 --days 2`): a recorded
 * file through the backtest — every production stage, in one process — timing each tenth of its
 * events. A replay should keep its pace as the clusters it finds grow; today the last tenth still runs slower than
 * the first (issue 18: a growing crowd's component is scored again in full as its new members arrive). Ends with
 *   replay events=… first_decile_eps=… last_decile_eps=… ratio=… peak_rss_mb=… … loop_ms_before=… loop_ms_after=…
 * (events/s over the first and the last tenth of the events; ratio = last / first; the loops say how fast the machine
 * ran before and after the replay, `machineLoopMs` in support.ts: a ratio is the code's only where they agree).
 * BENCH_CPU_PROFILE=P (or BENCH_HEAP_PROFILE=P) writes a profile of the last tenth alone, where a replay that slows
 * down spends its time.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { runBacktest } from '../src/backtest/backtest.ts';
import { backtestSettings } from '../src/cli/backtest-command.ts';
import { parseConfig } from '../src/config/config.ts';
import { createLogger } from '../src/logging/logger.ts';
import { connectRedis } from '../src/redis/connect.ts';
import { deleteKeysWithPrefix } from '../src/redis/delete-prefix.ts';
import { benchArgs, machineLoopMs, profileRequest, progress, startProfile } from './support.ts';

const args = benchArgs('replay', {
  events: { default: '', text: true, description: 'a recorded JSON-lines file of usage events' },
  scenario: { default: 'incident', text: true, description: 'when no --events: the scenario to simulate first' },
  scale: { default: '0.05', description: 'when no --events: scale of the simulated scenario' },
  days: { default: '2', description: 'when no --events: days of the simulated scenario' },
  seed: { default: '1', description: 'when no --events: scenario seed' },
});
const BIN = fileURLToPath(new URL('../bin/farmwatch.js', import.meta.url));
const cfg = parseConfig(process.env);
const dir = mkdtempSync(join(tmpdir(), 'farmwatch-replay-'));

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
  }
  return n;
}

const redis = connectRedis(cfg, createLogger('warn'), { quietUntilReady: true });
const prefix = `${cfg.redisPrefix}-replay-${randomBytes(4).toString('hex')}`;
try {
  let file = args.events;
  if (file === '') {
    file = join(dir, 'scenario.jsonl');
    progress(`simulating ${args.scenario} (scale ${args.scale}, ${args.days} days, seed ${args.seed})`);
    execFileSync(
      process.execPath,
      [BIN, 'simulate', '--scenario', args.scenario, '--seed', String(args.seed), '--scale', String(args.scale)].concat(
        ['--days', String(args.days), '--out', file],
      ),
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }
  const total = await countLines(file);
  const tenth = Math.max(1_000, Math.floor(total / 10 / 1_000) * 1_000);
  progress(`replaying ${total.toLocaleString('en-US')} events; timing tenths of ${tenth.toLocaleString('en-US')}`);
  const loopBefore = machineLoopMs();
  progress(`machine loop ${loopBefore} ms`);
  const marks = new Map<number, number>();
  const started = performance.now();
  marks.set(0, started);
  let lastShown = 0;
  const profile = profileRequest();
  const lastTenthFrom = Math.floor(total / 1_000) * 1_000 - tenth;
  let stopProfile: Promise<() => Promise<void>> | undefined;
  const res = await runBacktest(
    file,
    redis.redis,
    prefix,
    backtestSettings(cfg),
    () => undefined,
    undefined,
    undefined,
    (n) => {
      const now = performance.now();
      marks.set(n, now);
      if (profile.file !== undefined && stopProfile === undefined && n >= lastTenthFrom) {
        progress(`replay: profiling the last tenth (${profile.kind}) into ${profile.file}`);
        stopProfile = startProfile(profile.file, profile.kind);
      }
      if (n - lastShown >= tenth) {
        lastShown = n;
        const eps = (tenth / (now - (marks.get(n - tenth) ?? started))) * 1000;
        const done = `${n.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} events`;
        progress(`replay: ${done}, last tenth ${Math.round(eps)}/s`);
      }
    },
  );
  const ended = performance.now();
  if (stopProfile !== undefined) await (await stopProfile)();
  const endMark = Math.floor(res.events / 1_000) * 1_000;
  const firstEps = (tenth / ((marks.get(tenth) as number) - started)) * 1000;
  const lastFrom = endMark - tenth;
  const lastEps = (tenth / ((marks.get(endMark) ?? ended) - (marks.get(lastFrom) ?? started))) * 1000;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const loopAfter = machineLoopMs();
  console.log(
    `replay events=${res.events} first_decile_eps=${Math.round(firstEps)} last_decile_eps=${Math.round(lastEps)} ` +
      `ratio=${(lastEps / firstEps).toFixed(2)} peak_rss_mb=${Math.round(peakRssMb)} ticks=${res.ticks} ` +
      `requests=${res.requests.length} wall_s=${((ended - started) / 1000).toFixed(0)} ` +
      `loop_ms_before=${loopBefore} loop_ms_after=${loopAfter}`,
  );
} finally {
  await deleteKeysWithPrefix(redis.redis, prefix);
  await redis.close();
  rmSync(dir, { recursive: true, force: true });
}
