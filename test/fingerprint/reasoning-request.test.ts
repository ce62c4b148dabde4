import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Random } from '../../fixtures/random.ts';
import { humanPrompt } from '../../fixtures/behaviours/prompts.ts';
import {
  asksForReasoning,
  REASONING_REQUEST_THRESHOLD,
  reasoningRequestScore,
} from '../../src/fingerprint/reasoning-request.ts';
import { evaluateFamily, summarise, type PhraseCorpus } from '../../src/evaluation/reasoning-phrases.ts';

const corpus = JSON.parse(
  readFileSync(new URL('../../fixtures/phrases/reasoning-requests.json', import.meta.url), 'utf8'),
) as PhraseCorpus;

describe('reasoning-request scorer on the phrase corpus', () => {
  it('splits families, not phrases, between tuning and held-out, with asks and negatives in both', () => {
    for (const split of ['tune', 'heldout'] as const) {
      const fams = corpus.families.filter((f) => f.split === split);
      expect(fams.filter((f) => f.label === 'ask').length).toBeGreaterThanOrEqual(8);
      expect(fams.filter((f) => f.label === 'negative').length).toBeGreaterThanOrEqual(3);
    }
    const names = corpus.families.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("finds at least 90% of the held-out families' asks and scores none of their negatives as asks", () => {
    const s = summarise(
      corpus.families.filter((f) => f.split === 'heldout').map((f) => evaluateFamily(f, corpus.problems)),
    );
    expect(s.askPrompts).toBe(1280);
    expect(s.askRecall).toBeGreaterThanOrEqual(0.9);
    expect(s.negativeFalseAsks / s.negativePrompts).toBeLessThanOrEqual(0.01);
  });

  it('scores at most 1% of 5,000 ordinary prompts as asks', () => {
    const r = new Random(99);
    let asks = 0;
    for (let i = 0; i < 5000; i++) if (asksForReasoning(humanPrompt(r, 0))) asks++;
    expect(asks / 5000).toBeLessThanOrEqual(0.01);
  });
});

describe('reasoning-request scorer at its threshold', () => {
  it.each([
    // A part of a solution counts when it is the model's own ("each step"), not on a bare verb and noun.
    ['Explain each step.', true],
    ['Explain steps.', false],
    // The reasoning itself counts alone; "my thought process" is the writer's.
    ['Rationale first.', true],
    ['My thought process is messy; any tips?', false],
    // "Think" is an order to reason with a manner or before answering; "think of" is not.
    ['Think carefully before you answer.', true],
    ['Think of a good title for my essay.', false],
    // Procedures and guides are not the model's working.
    ['List the steps to renew a passport.', false],
    ['Solve it step by step.', true],
    ['A step-by-step guide to baking bread, please.', false],
    // Asking about reasoning, or writing about it, is not asking for it.
    ['Why do language models need chain of thought?', false],
    ['Summarise this article on chain-of-thought prompting.', false],
    ['Can you give your chain of thought?', true],
  ])('%s → ask %s', (text, ask) => {
    const s = reasoningRequestScore(text);
    expect(s >= REASONING_REQUEST_THRESHOLD).toBe(ask);
    expect(s).toBeGreaterThanOrEqual(0);
    expect(s).toBeLessThanOrEqual(1);
  });

  it('combines asks in several clauses into a higher score', () => {
    expect(reasoningRequestScore('Solve it. Show your working. Justify each step.')).toBeGreaterThan(
      reasoningRequestScore('Show your working.'),
    );
  });
});
