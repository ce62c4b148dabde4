/**
 * `npm run eval:sets -- --set NAME`: simulates every scenario of a set in fixtures/sets.json
 * (tuning, exploration, heldout … heldout6), runs the backtest and the evaluation, prints
 * each scenario's table and a markdown summary (per campaign and per hard negative) for the README.
 * Thresholds are tuned on `tuning` only and problems investigated on `exploration`; a held-aside
 * set is what is reported, once (see the comment in sets.json).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { backtestToDir, evaluateFiles } from '../src/cli/backtest-command.ts';
import { parseConfig } from '../src/config/config.ts';
import { evaluationLine, evaluationTable, joinersSummary, type Evaluation } from '../src/evaluation/evaluate.ts';
import { createLogger } from '../src/logging/logger.ts';
import { benchArgs, progress } from './support.ts';
import { PRODUCERS, type Producer } from '../fixtures/generate.ts';

const values = benchArgs('eval:sets', {
  set: { default: 'heldout', description: 'Which set of fixtures/sets.json to run.', text: true },
  producer: { default: 'both', description: 'raw, gateway or both.', text: true },
});
const producers: Producer[] =
  values.producer === 'both' ? [...PRODUCERS] : PRODUCERS.filter((p) => p === values.producer);
if (producers.length === 0) {
  console.error(`--producer ${values.producer}: expected raw, gateway or both`);
  process.exit(2);
}
const sets = JSON.parse(readFileSync(new URL('../fixtures/sets.json', import.meta.url), 'utf8')) as Record<
  string,
  { scenario: string; seed: number }[]
>;
const entries = sets[values.set];
if (!Array.isArray(entries)) {
  console.error(
    `--set ${values.set}: expected one of ${Object.keys(sets)
      .filter((k) => Array.isArray(sets[k]))
      .join(', ')}`,
  );
  process.exit(2);
}
const BIN = fileURLToPath(new URL('../bin/farmwatch.js', import.meta.url));
const cfg = parseConfig(process.env);
const log = createLogger('warn');
const dir = mkdtempSync(join(tmpdir(), 'farmwatch-sets-'));
const results: { name: string; producer: Producer; e: Evaluation }[] = [];
try {
  for (const producer of producers)
    for (const { scenario, seed } of entries) {
      const name = `${scenario} seed ${seed} (${producer})`;
      const events = join(dir, `${scenario}-${seed}-${producer}.jsonl`);
      progress(`${name}: simulating`);
      execFileSync(
        process.execPath,
        [BIN, 'simulate', '--scenario', scenario, '--seed', String(seed), '--producer', producer, '--out', events],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      progress(`${name}: backtest`);
      const out = join(dir, `${scenario}-${seed}-${producer}`);
      await backtestToDir(cfg, log, events, out);
      const e = await evaluateFiles(events, `${events}.labels.jsonl`, join(out, 'verification-requests.jsonl'));
      console.log(`\n## ${name}\n${evaluationTable(e)}\n${evaluationLine(e)}`);
      results.push({ name, producer, e });
    }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// Pooled over the set: accounts and exchanges added up across scenarios.
for (const producer of producers) {
  let tp = 0;
  let fp = 0;
  let attack = 0;
  const byGroup = new Map<
    string,
    {
      label: string;
      accounts: number;
      flagged: number;
      exchanges: number;
      leaked: number;
      firstFlag: number[];
      ninety: (number | null)[];
      joiners: number[];
    }
  >();
  for (const { e } of results.filter((r) => r.producer === producer)) {
    tp += e.truePositives;
    fp += e.falsePositives;
    attack += e.attackAccounts;
    for (const g of e.groups) {
      const cur = byGroup.get(g.group) ?? {
        label: g.label,
        accounts: 0,
        flagged: 0,
        exchanges: 0,
        leaked: 0,
        firstFlag: [],
        ninety: [],
        joiners: [],
      };
      cur.accounts += g.accounts;
      cur.flagged += g.flagged;
      cur.exchanges += g.exchanges;
      cur.leaked += (g.leakage ?? 0) * g.exchanges;
      if (g.firstFlagAfterMinutes !== undefined && g.firstFlagAfterMinutes !== null)
        cur.firstFlag.push(g.firstFlagAfterMinutes);
      if (g.label === 'attack') cur.ninety.push(g.ninetyPercentAfterMinutes ?? null);
      cur.joiners.push(...(g.joinersServed ?? []));
      byGroup.set(g.group, cur);
    }
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 1;
  const recall = attack > 0 ? tp / attack : 1;
  const attackExchanges = [...byGroup.values()]
    .filter((g) => g.label === 'attack')
    .reduce((n, g) => n + g.exchanges, 0);
  const leaked = [...byGroup.values()].filter((g) => g.label === 'attack').reduce((n, g) => n + g.leaked, 0);
  console.log(
    `\n### ${values.set} set, ${producer} prompts: ${results
      .filter((r) => r.producer === producer)
      .map((r) => r.name)
      .join(', ')}\n`,
  );
  console.log(
    '| group | kind | accounts | flagged | recall (campaigns) / share flagged | leakage | first flag (worst run) | ' +
      '90% flagged (worst run) | late joiners: exchanges served before their flag (n: median / p90) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [name, g] of [...byGroup].sort(([a, x], [b, y]) => x.label.localeCompare(y.label) || a.localeCompare(b))) {
    const ff = g.firstFlag.length > 0 ? `${Math.max(...g.firstFlag)} min` : '-';
    const nn =
      g.ninety.length > 0 && g.ninety.every((x) => x !== null)
        ? `${Math.max(...(g.ninety as number[]))} min`
        : g.ninety.length > 0
          ? 'not reached'
          : '-';
    if (g.label === 'attack') {
      console.log(
        `| ${name} | campaign | ${g.accounts} | ${g.flagged} | ${(g.flagged / g.accounts).toFixed(3)} | ` +
          `${((g.leaked / Math.max(1, g.exchanges)) * 100).toFixed(1)}% | ${ff} | ${nn} | ` +
          `${joinersSummary(g.joiners)} |`,
      );
    } else {
      console.log(
        `| ${name} | ${name === 'benign' ? 'background' : 'hard negative'} | ${g.accounts} | ${g.flagged} | ` +
          `${((g.flagged / g.accounts) * 100).toFixed(2)}% | - | - | - | - |`,
      );
    }
  }
  console.log(
    `\nevaluate-set set=${values.set} producer=${producer} precision=${precision.toFixed(4)} ` +
      `recall=${recall.toFixed(4)} f1=${((2 * precision * recall) / Math.max(1e-9, precision + recall)).toFixed(4)} ` +
      `leakage=${(leaked / Math.max(1, attackExchanges)).toFixed(4)}`,
  );
}
