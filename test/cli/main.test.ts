import { describe, expect, it } from 'vitest';
import { spawnFarmwatch } from '../support/process.ts';
import { CONFIG_VARIABLES } from '../../src/config/config.ts';

describe('farmwatch CLI', () => {
  it('stops at start on a bad config value, naming the variable and what was expected', async () => {
    const p = spawnFarmwatch(['worker'], { KAFKA_BROKERS: 'no-port', FARMWATCH_HTTP_PORT: '70000' });
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(/KAFKA_BROKERS="no-port" is invalid: expected a comma-separated list of host:port/);
    expect(p.output()).toMatch(/FARMWATCH_HTTP_PORT="70000" is invalid: expected an integer from 0 to 65535/);
  });

  it('has --help on every command and rejects unknown options and commands', async () => {
    for (const cmd of ['worker', 'clusterer', 'demo', 'simulate', 'backtest', 'evaluate']) {
      const p = spawnFarmwatch([cmd, '--help'], {});
      expect(await p.exited).toBe(0);
      expect(p.output()).toContain(`farmwatch ${cmd}`);
    }
    const bad = spawnFarmwatch(['simulate', '--seed', 'lots', '--out', '/dev/null'], {});
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toContain('--seed "lots" is invalid');
    const missing = spawnFarmwatch(['backtest', '--events', '/no/such/file.jsonl', '--out', '/tmp/x'], {});
    expect(await missing.exited).toBe(2);
    expect(missing.output()).toContain('--events /no/such/file.jsonl: no such file');
    const unknownScenario = spawnFarmwatch(['simulate', '--scenario', 'nope', '--out', '/dev/null'], {});
    expect(await unknownScenario.exited).toBe(2);
    expect(unknownScenario.output()).toContain('no scenario named "nope"');
    const unknown = spawnFarmwatch(['frobnicate'], {});
    expect(await unknown.exited).toBe(2);
    expect(unknown.output()).toContain('unknown command');
  });

  it('aligns `help config` in columns, whatever the longest variable name', async () => {
    const p = spawnFarmwatch(['help', 'config'], {});
    expect(await p.exited).toBe(0);
    const out = p.output().split('\n');
    const columns = new Set(
      Object.values(CONFIG_VARIABLES).map((v) => {
        const row = out.find((l) => l.startsWith(`  ${v.name} `)) ?? '';
        return row.indexOf(v.description);
      }),
    );
    expect([...columns]).toHaveLength(1);
    expect([...columns][0]).toBeGreaterThan(0);
  });

  it('warns when a scaled-down campaign is smaller than a cluster can be', async () => {
    const p = spawnFarmwatch(
      [
        'simulate',
        '--scenario',
        'campaigns',
        '--scale',
        '0.02',
        '--days',
        '2',
        '--out',
        '/dev/null',
        '--labels',
        '/dev/null',
      ],
      {},
    );
    expect(await p.exited).toBe(0);
    expect(p.output()).toMatch(
      new RegExp(
        'warning: campaign small-sync has 1 account at scale 0\\.02, ' +
          'fewer than FARMWATCH_MIN_CLUSTER_SIZE \\(3\\): it can never be flagged',
      ),
    );
    expect(p.output()).not.toMatch(/warning: campaign hydra/);
  });
});
