import { describe, expect, it } from 'vitest';
import {
  elicitsReasoning,
  fingerprintPrompt,
  hammingDistance,
  maskTemplate,
  networkPrefix,
  simhash64,
  simhashBands,
  templateHash,
} from '../../src/fingerprint/index.ts';

describe('templateHash', () => {
  it.each([
    ['Solve for x: 3x + 5 = 20. Show each step.', 'Solve for x: 17x + 2 = 9.5. Show each step.'],
    ['Translate "the cat sat on the mat" into French.', 'Translate "we will meet at noon tomorrow" into French.'],
    ['Summarise this code:\n```python\nprint(1)\n```', 'Summarise this code:\n```js\nconsole.log(42); foo()\n```'],
    ['Write a biography of Marie Curie in 200 words.', 'Write a biography of Alan Turing in 350 words.'],
    [
      'Look up order 3f2b9c1e-1d2a-4c3b-9e8f-0a1b2c3d4e5f and refund it',
      'Look up order 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d and refund it',
    ],
    ['Classify the ticket user_id_88231907 as spam or not', 'Classify the ticket user_id_11000042 as spam or not'],
  ])('maps templated pairs to one hash: %s', (a, b) => {
    expect(templateHash(a)).toBe(templateHash(b));
  });

  it.each([
    ['Solve for x: 3x + 5 = 20.', 'Write a haiku about autumn leaves.'],
    ['Translate "hello" into French.', 'Summarise "hello" in French.'],
    ['What is the capital of France?', 'What is the population of France?'],
  ])('keeps unrelated prompts apart: %s', (a, b) => {
    expect(templateHash(a)).not.toBe(templateHash(b));
  });

  it('masks variable parts and keeps the frame', () => {
    expect(maskTemplate('Solve 3x+5=20, then "explain" it')).toBe('solve <n> x <n> = <n> , then <q> it');
  });
});

describe('simhash64', () => {
  const a =
    'Please explain in detail how photosynthesis converts light energy into chemical energy in plants, step by step.';
  const b =
    'Please explain in detail how photosynthesis converts light energy into chemical energy in algae, step by step.';
  const c = 'Write a limerick about a cat who learns to play the trumpet in a jazz band on Saturday nights.';

  it('is 16 hex digits and deterministic', () => {
    expect(simhash64(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(simhash64(a)).toBe(simhash64(a));
  });

  it('puts near-duplicates close and unrelated prompts far', () => {
    expect(hammingDistance(simhash64(a), simhash64(b))).toBeLessThan(16);
    expect(hammingDistance(simhash64(a), simhash64(c))).toBeGreaterThan(16);
  });

  it('splits into four tagged bands', () => {
    expect(simhashBands('0123456789abcdef')).toEqual(['00123', '14567', '289ab', '3cdef']);
  });
});

describe('elicitsReasoning', () => {
  it.each([
    "Let's think step by step.",
    'Solve this and think step-by-step before answering.',
    'Show your work.',
    'Show me all of your reasoning.',
    'Explain your chain of thought in full.',
    'Please output your full chain-of-thought, then the answer.',
    'Walk me through your derivation.',
    'Reason carefully before answering.',
    'Think it through and then give the final answer.',
    'Before giving the final answer, explain your reasoning.',
    'Put your reasoning in <thinking> tags.',
    'Provide a detailed rationale for each choice.',
    'Réfléchis étape par étape.',
    'Piensa paso a paso y luego responde.',
    'Muestra tu razonamiento.',
    'Denke Schritt für Schritt nach.',
    'Zeige deinen Rechenweg.',
    'Подумай шаг за шагом.',
    '请一步一步地思考这个问题。',
    '请展示你的推理过程。',
    'ステップバイステップで考えてください。',
    '단계별로 생각해 주세요.',
  ])('catches: %s', (p) => {
    expect(elicitsReasoning(p)).toBe(true);
  });

  it.each([
    'Give me a step-by-step guide to knitting a scarf.',
    'Write step-by-step instructions for changing a tyre.',
    'What is chain-of-thought prompting and why does it help?',
    'Can you show your work schedule for next week?',
    'I took the stairs step by step.',
    'Show the steps of the French revolution timeline in a table.',
    'Explain photosynthesis to a ten year old.',
    'Receta de paella paso a paso.',
    'What is the reason the sky is blue?',
    'Think of a name for my cat.',
  ])('ignores the look-alike: %s', (p) => {
    expect(elicitsReasoning(p)).toBe(false);
  });
});

describe('networkPrefix', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0/24'],
    ['2001:db8:abcd:12::1', '2001:db8:abcd::/48'],
    ['::ffff:198.51.100.9', '198.51.100.0/24'],
    ['::1', '0:0:0::/48'],
  ])('%s → %s', (ip, prefix) => {
    expect(networkPrefix(ip)).toBe(prefix);
  });

  it('returns undefined for a value that is not an IP', () => {
    expect(networkPrefix('not-an-ip')).toBeUndefined();
    expect(networkPrefix('999.1.1.1')).toBeUndefined();
  });
});

describe('fingerprintPrompt', () => {
  it('bundles the fingerprints and hashes the system prompt', () => {
    const fp = fingerprintPrompt({
      text: 'Solve 2+2 step by step, think step by step',
      systemText: 'You are  helpful.',
    });
    expect(fp.elicitsReasoning).toBe(true);
    expect(fp.systemPromptHash).toBe(fingerprintPrompt({ text: 'x', systemText: 'You are helpful.' }).systemPromptHash);
    expect(fp.chars).toBe(42);
  });
});
