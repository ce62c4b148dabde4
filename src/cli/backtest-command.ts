/**
 * `farmwatch backtest --events FILE --out DIR` and `farmwatch evaluate --events FILE --labels FILE`.
 * The backtest runs the production stages over the file with Redis under a key prefix of its own
 * (removed afterwards) and writes DIR/verification-requests.jsonl and DIR/clusters.jsonl.
 */
import { createReadStream, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/config.ts';
import { FarmwatchError } from '../errors/farmwatch-error.ts';
import type { Logger } from '../logging/logger.ts';
import { connectRedis, requireReachable } from '../redis/connect.ts';
import { deleteKeysWithPrefix } from '../redis/delete-prefix.ts';
import { runBacktest, type BacktestResult, type BacktestSettings } from '../backtest/backtest.ts';
import { scoringConfig } from '../clustering/scoring.ts';
import {
  evaluate,
  evaluationLine,
  evaluationTable,
  exchangeTimes,
  type Evaluation,
  type FlagRow,
  type Label,
} from '../evaluation/evaluate.ts';
import { REMEMBER_MIN_MEMBERS } from '../clustering/component-memo.ts';
import type { Command, ParsedOptions } from './command.ts';
import { windowSettings } from './worker-command.ts';

export function backtestSettings(c: Config): BacktestSettings {
  return {
    windows: windowSettings(c),
    partitions: c.inputPartitions,
    tickMs: c.tickMs,
    clusterWindowMs: c.clusterWindowMs,
    minClusterSize: c.minClusterSize,
    scoring: scoringConfig(c.detectorWeights, c.verifyBand, c.reviewBand),
    refit: { drift: c.refitDrift, minMembers: REMEMBER_MIN_MEMBERS },
    maxEventBytes: c.maxEventBytes,
  };
}

function requireFile(opts: ParsedOptions, name: string): string {
  const v = opts[name];
  if (typeof v !== 'string' || v.length === 0) throw new FarmwatchError('USAGE', `--${name} FILE is required`);
  if (!existsSync(v)) throw new FarmwatchError('USAGE', `--${name} ${v}: no such file`);
  return v;
}

/** 128 + the signal's number, as a shell reports a process the signal ended. */
const STOP_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGPIPE: 141 } as const;
type StopReason = keyof typeof STOP_EXIT_CODES;

/** Runs a backtest with a throw-away key prefix and writes its two output files. */
export async function backtestToDir(cfg: Config, log: Logger, events: string, out: string): Promise<BacktestResult> {
  const redis = connectRedis(cfg, log.child({ component: 'redis' }), { quietUntilReady: true });
  // Before anything is written: an unreachable Redis leaves no empty output folder behind.
  await requireReachable(redis, cfg);
  mkdirSync(out, { recursive: true });
  const prefix = `${cfg.redisPrefix}-bt-${randomBytes(4).toString('hex')}`;
  // A backtest stopped with Ctrl-C or SIGTERM stops between two steps and removes its keys too (a
  // full-scale one leaves a million of them), then exits with the usual 128 + signal number. So does
  // one whose output pipe closed (`farmwatch backtest … | head`): the next progress line failed with
  // EPIPE, the process died on it, and its keys stayed.
  const abort = new AbortController();
  let stoppedBy: StopReason | null = null;
  const stop = (signal: StopReason) => {
    if (stoppedBy !== null) return;
    stoppedBy = signal;
    if (signal !== 'SIGPIPE')
      process.stderr.write(`backtest: ${signal}: stopping and removing its Redis keys (${prefix}:*)\n`);
    abort.abort(new FarmwatchError('USAGE', `backtest stopped by ${signal}`));
  };
  const outputClosed = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') stop('SIGPIPE');
    else throw err;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.on('error', outputClosed);
  process.stderr.on('error', outputClosed);
  try {
    const res = await runBacktest(
      events,
      redis.redis,
      prefix,
      backtestSettings(cfg),
      (l) => process.stderr.write(l + '\n'),
      undefined,
      abort.signal,
    );
    writeFileSync(join(out, 'verification-requests.jsonl'), res.requests.map((r) => JSON.stringify(r) + '\n').join(''));
    writeFileSync(join(out, 'clusters.jsonl'), res.clusters.map((c) => JSON.stringify(c) + '\n').join(''));
    return res;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await deleteKeysWithPrefix(redis.redis, prefix);
    await redis.close();
    if (stoppedBy !== null) process.exit(STOP_EXIT_CODES[stoppedBy as StopReason]);
  }
}

export function backtestCommand(config: () => Config, log: (c: Config) => Logger): Command {
  return {
    name: 'backtest',
    summary:
      'Run the production stages over a recorded JSON-lines file; writes verification-requests.jsonl and ' +
      'clusters.jsonl.',
    usage: '--events FILE --out DIR',
    options: {
      events: { type: 'string', description: 'Recorded usage events, one JSON object per line.' },
      out: { type: 'string', description: 'Output directory.' },
    },
    async run(opts) {
      const events = requireFile(opts, 'events');
      const out = typeof opts.out === 'string' ? opts.out : undefined;
      if (!out) throw new FarmwatchError('USAGE', '--out DIR is required');
      const cfg = config();
      const res = await backtestToDir(cfg, log(cfg), events, out);
      const invalid = Object.values(res.invalid).reduce((a, b) => a + (b ?? 0), 0);
      console.log(
        `backtest events=${res.events} invalid=${invalid} late=${res.late} duplicates=${res.duplicates} ` +
          `ticks=${res.ticks} clusters=${res.clusters.length} verification_requests=${res.requests.length} ` +
          `seconds=${res.seconds.toFixed(1)} events_per_s=${Math.round(res.events / res.seconds)}`,
      );
      return 0;
    },
  };
}

async function readJsonLines<T>(file: string): Promise<T[]> {
  const out: T[] = [];
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) if (line.trim()) out.push(JSON.parse(line) as T);
  return out;
}

export async function evaluateFiles(eventsFile: string, labelsFile: string, flaggedFile: string): Promise<Evaluation> {
  const [labels, flags, exchanges] = await Promise.all([
    readJsonLines<Label>(labelsFile),
    readJsonLines<FlagRow>(flaggedFile),
    exchangeTimes(eventsFile),
  ]);
  return evaluate(labels, flags, exchanges);
}

export function evaluateCommand(config: () => Config, log: (c: Config) => Logger): Command {
  return {
    name: 'evaluate',
    summary: 'Score detection against labels: precision, recall, F1, leakage, time to flag, false positives by group.',
    usage: '--events FILE --labels FILE [--flagged FILE | --out DIR]',
    options: {
      events: { type: 'string', description: 'The events file (the backtest runs on it unless --flagged is given).' },
      labels: { type: 'string', description: 'Labels file from farmwatch simulate (default: EVENTS.labels.jsonl).' },
      flagged: {
        type: 'string',
        description: 'verification-requests.jsonl of an earlier backtest (skips the backtest).',
      },
      out: {
        type: 'string',
        description: 'Where the backtest writes its outputs and evaluation.json (default: a temporary folder).',
      },
    },
    async run(opts) {
      const events = requireFile(opts, 'events');
      const labels = typeof opts.labels === 'string' ? opts.labels : `${events}.labels.jsonl`;
      if (!existsSync(labels)) throw new FarmwatchError('USAGE', `--labels ${labels}: no such file`);
      let flagged = typeof opts.flagged === 'string' ? opts.flagged : undefined;
      const out =
        typeof opts.out === 'string'
          ? opts.out
          : join(process.env.TMPDIR ?? '/tmp', `farmwatch-eval-${randomBytes(4).toString('hex')}`);
      if (flagged === undefined) {
        const cfg = config();
        await backtestToDir(cfg, log(cfg), events, out);
        flagged = join(out, 'verification-requests.jsonl');
      } else if (!existsSync(flagged)) throw new FarmwatchError('USAGE', `--flagged ${flagged}: no such file`);
      const e = await evaluateFiles(events, labels, flagged);
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'evaluation.json'), JSON.stringify(e, null, 2));
      console.log(evaluationTable(e));
      console.log(
        `flagged=${e.flagged} true_positives=${e.truePositives} false_positives=${e.falsePositives} ` +
          `attack_accounts=${e.attackAccounts}`,
      );
      console.log(evaluationLine(e));
      return 0;
    },
  };
}
