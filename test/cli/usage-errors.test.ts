/**
 * Every mistake a user can make with a command's arguments or a scenario file is one line on stderr,
 * naming what to fix, and exit code 2; stack traces are for farmwatch's own failures. (Before
 * 2026-12-02 `simulate --scenario campaigns-variant --days 1` ended in seven stack frames and exit 1.)
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnFarmwatch } from '../support/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'fw-usage-'));
const scenario = (name: string, body: unknown) => {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
  return path;
};
const ok = {
  name: 'mine',
  start: '2026-11-01T00:00:00Z',
  days: 1,
  groups: [{ behaviour: 'benign', group: 'benign', accounts: 5 }],
};
const out = join(dir, 'events.jsonl');

/** [arguments, what the one line must say] */
const CASES: readonly [readonly string[], RegExp][] = [
  [['frobnicate'], /unknown command "frobnicate"/],
  [['worker', '--nope'], /Unknown option '--nope'.*farmwatch worker --help/],
  [['worker', 'extra'], /farmwatch worker takes no arguments, got "extra"/],
  [['clusterer', '--partition', '3'], /Unknown option '--partition'/],
  [['demo', '--seed', 'x'], /--seed "x" is invalid: expected an integer/],
  [['demo', '--scenario', 'no-such-scenario'], /no scenario named "no-such-scenario"/],
  [['review', 'now'], /farmwatch review takes no arguments/],
  [['simulate', '--out', out, '--seed', 'lots'], /--seed "lots" is invalid/],
  [['simulate', '--out', out, '--scale', '0'], /--scale "0" is invalid/],
  [['simulate', '--out', out, '--days', '0'], /--days "0" is invalid/],
  [['simulate', '--out', out, '--producer', 'fax'], /--producer "fax" is invalid: expected raw or gateway/],
  [['simulate'], /give --out FILE or --to-kafka/],
  [['simulate', '--out', out, '--scenario', 'Bad Name'], /scenario name "Bad Name" is invalid/],
  [
    ['simulate', '--out', out, '--scenario', 'campaigns-variant', '--days', '1'],
    /group hydra: fromHour 24 is not within the scenario's 1 days \(give --days 2 or more\)/,
  ],
  [['simulate', '--out', out, '--scenario', join(dir, 'missing.json')], /missing\.json: no such scenario file/],
  [['simulate', '--out', out, '--scenario', scenario('not-json', '{"name": ')], /is not JSON/],
  [
    ['simulate', '--out', out, '--scenario', scenario('no-days', { ...ok, days: 'three' })],
    /days "three" is invalid: expected an integer from 1 to 365/,
  ],
  [
    ['simulate', '--out', out, '--scenario', scenario('bad-start', { ...ok, start: 'monday' })],
    /start "monday" is invalid/,
  ],
  [
    ['simulate', '--out', out, '--scenario', scenario('no-groups', { ...ok, groups: [] })],
    /groups \[\] is invalid: expected a non-empty array/,
  ],
  [
    [
      'simulate',
      '--out',
      out,
      '--scenario',
      scenario('bad-behaviour', { ...ok, groups: [{ behaviour: 'hacker', group: 'x', accounts: 1 }] }),
    ],
    /groups\[0\]\.behaviour "hacker" is invalid: expected one of benign/,
  ],
  [
    [
      'simulate',
      '--out',
      out,
      '--scenario',
      scenario('bad-accounts', { ...ok, groups: [{ behaviour: 'benign', group: 'x', accounts: -3 }] }),
    ],
    /groups\[0\]\.accounts -3 is invalid/,
  ],
  [
    [
      'simulate',
      '--out',
      out,
      '--scenario',
      scenario('bad-param', {
        ...ok,
        groups: [{ behaviour: 'hydra', group: 'x', accounts: 3, params: { proxies: 'many' } }],
      }),
    ],
    /groups\[0\]\.params\.proxies "many" is invalid: expected a number/,
  ],
  [['backtest', '--out', join(dir, 'bt')], /--events FILE is required/],
  [['backtest', '--events', join(dir, 'nope.jsonl'), '--out', join(dir, 'bt')], /nope\.jsonl: no such file/],
  [
    ['evaluate', '--events', join(dir, 'nope.jsonl'), '--labels', join(dir, 'nope.labels.jsonl')],
    /nope\.jsonl: no such file/,
  ],
  [['clusters'], /farmwatch clusters needs one of list/],
  [['clusters', 'show'], /farmwatch clusters show needs exactly one cluster id/],
  [['reset-offsets', '--partition', 'first'], /--partition "first" is invalid: expected a partition number or all/],
];

describe.concurrent('usage errors', () => {
  it.each(CASES.map(([args, says]) => [args.join(' ').replace(dir, '…'), args, says] as const))(
    'farmwatch %s → one line, exit 2',
    async (_name, args, says) => {
      const p = spawnFarmwatch([...args], { FARMWATCH_LOG_LEVEL: 'warn' });
      expect(await p.exited).toBe(2);
      const lines = p
        .output()
        .split('\n')
        .filter((l) => l.trim().length > 0);
      expect(lines, p.output()).toHaveLength(1);
      expect(lines[0]).toMatch(/^farmwatch/);
      expect(lines[0]).toMatch(says);
      expect(p.output()).not.toMatch(/^\s+at /m);
    },
  );

  it(
    'says in one line, naming REDIS_URL without its password, that Redis cannot be reached, and leaves nothing on ' +
      'disk',
    async () => {
      const events = join(dir, 'events-for-bt.jsonl');
      writeFileSync(events, '{}\n');
      const outDir = join(dir, 'bt-unreachable');
      const p = spawnFarmwatch(['backtest', '--events', events, '--out', outDir], {
        REDIS_URL: 'redis://user:hunter2@127.0.0.1:1',
      });
      expect(await p.exited).toBe(2);
      const lines = p
        .output()
        .split('\n')
        .filter((l) => l.trim().length > 0);
      expect(lines).toEqual([
        'farmwatch: cannot reach Redis at REDIS_URL=redis://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1',
      ]);
      expect(p.output()).not.toContain('hunter2');
      expect(existsSync(outDir)).toBe(false);
    },
  );

  it('runs a scenario given by path when it is valid', async () => {
    const p = spawnFarmwatch(['simulate', '--scenario', scenario('ok', ok), '--out', join(dir, 'ok.jsonl')], {});
    expect(await p.exited).toBe(0);
    expect(p.output()).toMatch(/simulate: mine seed=1 scale=1: 5 accounts/);
  });
});
