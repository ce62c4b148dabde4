import { describe, expect, it } from 'vitest';
import { toSnapshot } from '../../src/windows/account-snapshot.ts';
import { accountFeatures } from '../../src/clustering/features.ts';
import { emptyState, newBucket, type AccountState } from '../../src/windows/account-state.ts';
import { Random } from '../../fixtures/random.ts';
import { member, prompt, req, T0 } from '../detectors/support.ts';

const MIN = 60_000;

describe('accountFeatures: textless', () => {
  const heavyReasoning = { outputTokens: 300, reasoningTokens: 900 };

  it('is false for fingerprinted prompts that asked for nothing, however long the reasoning', () => {
    // A user of a reasoning model: until 2026-12-04 (evening) this account counted as textless, and a textless account
    // with three requests and more reasoning than output counted as asking for it.
    const m = member('reasoning-user', [
      prompt(T0, 'Write a SQL query that lists customers by total order value.', heavyReasoning),
      prompt(T0 + 10 * MIN, 'Plan a week of study for an algebra exam.', heavyReasoning),
      prompt(T0 + 20 * MIN, 'Draft an email asking for a deadline extension.', heavyReasoning),
    ]);
    expect(m.features.elicited).toBe(0);
    expect(m.features.textless).toBe(false);
  });

  it('is true for heavy reasoning with no prompt fingerprint at all (a producer of the older contract)', () => {
    const m = member(
      'no-fingerprint',
      [0, 1, 2].map((k) => req(T0 + k * 10 * MIN, heavyReasoning)),
    );
    expect(m.features.textless).toBe(true);
  });
});

describe('accountFeatures: days', () => {
  const DAY = 86_400_000;
  const HOUR = 3_600_000;
  const window = { fromMs: 10 * DAY, toMs: 17 * DAY, bucketMs: HOUR, slotMs: 15 * 60_000 };

  /** Hourly buckets at the given hours since the epoch, one request each. */
  function stateWith(hoursSinceEpoch: readonly number[]): AccountState {
    const s = emptyState();
    s.buckets = hoursSinceEpoch.map((idx) => ({ ...newBucket(idx), requests: 1, inputTokens: 10, outputTokens: 10 }));
    return s;
  }

  /** Days with a bucket in [from, to] (hours since the epoch), as a set counts them. */
  function distinctDays(hoursSinceEpoch: readonly number[], fromHour: number, toHour: number): number {
    return new Set(hoursSinceEpoch.filter((h) => h >= fromHour && h <= toHour).map((h) => Math.floor(h / 24))).size;
  }

  it('counts each day once, in the window and over the retention, however the buckets are ordered', () => {
    const r = new Random(7);
    for (let run = 0; run < 50; run++) {
      // Hours over days 0–19 (some after the window's end), several in a day, sorted in half the runs.
      const hours = Array.from({ length: r.int(1, 60) }, () => r.int(0, 20 * 24 - 1));
      if (run % 2 === 0) hours.sort((a, b) => a - b);
      const f = accountFeatures(toSnapshot(stateWith(hours)), window);
      expect(f.activeDays).toBe(distinctDays(hours, 10 * 24, 17 * 24));
      expect(f.retentionDays).toBe(distinctDays(hours, 0, 17 * 24));
      expect(f.requests).toBe(hours.filter((h) => h >= 10 * 24 && h <= 17 * 24).length);
    }
  });
});
