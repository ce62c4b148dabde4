import { describe, expect, it } from 'vitest';
import { spawnFarmwatch } from '../support/process.ts';

describe('farmwatch CLI', () => {
  it('stops at start on a bad config value, naming the variable and what was expected', async () => {
    const p = spawnFarmwatch(['worker'], { KAFKA_BROKERS: 'no-port', FARMWATCH_HTTP_PORT: '70000' });
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(/KAFKA_BROKERS="no-port" is invalid: expected a comma-separated list of host:port/);
    expect(p.output()).toMatch(/FARMWATCH_HTTP_PORT="70000" is invalid: expected an integer from 0 to 65535/);
  });

  it('has --help on every command and rejects unknown options and commands', async () => {
    for (const cmd of ['worker', 'demo']) {
      const p = spawnFarmwatch([cmd, '--help'], {});
      expect(await p.exited).toBe(0);
      expect(p.output()).toContain(`farmwatch ${cmd}`);
    }
    const bad = spawnFarmwatch(['demo', '--events', 'lots'], {});
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toContain('--events "lots" is invalid');
    const unknown = spawnFarmwatch(['frobnicate'], {});
    expect(await unknown.exited).toBe(2);
    expect(unknown.output()).toContain('unknown command');
  });
});
