import { describe, expect, it } from 'vitest';
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
