/**
 * `npm run bench:cluster` at a size a test can afford: the realistic data it writes (carrier NATs,
 * households, VPN exits farms rent, farms whose members differ) must still be clustered into every
 * farm account and no ordinary one, and the bench must print the line its figures in docs/capacity.md
 * are read from. Timing is not asserted (that is the bench's job, on a quiet machine).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '../support/services.ts';

const BENCH = fileURLToPath(new URL('../../bench/cluster.ts', import.meta.url));

describe('bench:cluster', () => {
  it('flags the farms of its realistic data and no ordinary account, first pass and a steady tick', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', BENCH, '--sizes', '5000', '--steady', '1'], {
      encoding: 'utf8',
      env: { ...process.env, REDIS_URL: TEST_REDIS_URL },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    const line = out.split('\n').find((l) => l.startsWith('cluster accounts=5000 run=1 '));
    expect(line, out).toBeDefined();
    const field = (name: string) => Number(new RegExp(`${name}=([0-9.]+)`).exec(line as string)?.[1]);
    // 1% of the accounts are in farms: 50 accounts.
    expect(field('flagged')).toBe(50);
    expect(field('ordinary_flagged')).toBe(0);
    expect(field('candidates')).toBeGreaterThan(1_000);
    expect(field('steady_tick_s')).toBeGreaterThan(0);
  }, 150_000);
});
