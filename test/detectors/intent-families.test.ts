/**
 * The intent families that need no reasoning ask (capability concentration, output harvesting) judge
 * a group against the population of the window (test/detectors/support.ts: the median account has
 * 20% capability tasks and 1 capability request; 90% of accounts receive at most 6 output tokens per
 * input token and 1.5 reasoning tokens per output token), so the same group scores differently where
 * ordinary traffic differs.
 */
import { describe, expect, it } from 'vitest';
import { capabilityConcentration } from '../../detectors/capability-concentration.ts';
import { outputHarvesting } from '../../detectors/output-harvesting.ts';
import { assess, scoringConfig } from '../../src/clustering/scoring.ts';
import type { TaskCategory } from '../../src/fingerprint/task-category.ts';
import { cluster, population, req, T0 } from './support.ts';

const MIN = 60_000;
const withTasks = (tasks: readonly TaskCategory[], extra = {}) =>
  tasks.map((task, k) => req(T0 + k * 10 * MIN, { task, ...extra }));

describe('capability-concentration', () => {
  it('is full when every request is a capability task and ordinary accounts are mostly not', () => {
    const v = cluster(10, () => withTasks(['math', 'code', 'math', 'science', 'logic', 'agentic']));
    const f = capabilityConcentration.evaluate(v);
    expect(f.score).toBe(1);
    expect(f.detail).toMatch(/100% of the 60 requests of 10 accounts with a known task/);
  });

  it("is 0 at the median account's share, and half-way between it and 100%", () => {
    const at = cluster(10, () =>
      withTasks([...Array<TaskCategory>(4).fill('math'), ...Array<TaskCategory>(16).fill('chat')]),
    );
    expect(capabilityConcentration.evaluate(at).score).toBe(0);
    const half = cluster(10, () =>
      withTasks(['math', 'math', 'math', 'math', 'math', 'math', 'writing', 'chat', 'writing', 'chat']),
    );
    expect(capabilityConcentration.evaluate(half).score).toBeCloseTo(0.5, 5);
  });

  it('needs volume beyond ordinary accounts: a class doing one maths assignment is not harvesting', () => {
    const homework = cluster(60, () => withTasks(['math', 'math']));
    expect(capabilityConcentration.evaluate(homework).score).toBe(0);
    // Volume counts from 2m + 1 = 3 capability requests per account (m = 1, the median account's) to twice that.
    const some = cluster(10, () => withTasks(['math', 'math', 'math', 'math', 'math']));
    expect(capabilityConcentration.evaluate(some).score).toBeCloseTo(2 / 3, 5);
  });

  it('says nothing where ordinary traffic is itself all maths (a tutoring service)', () => {
    const v = cluster(10, () => withTasks(['math', 'math', 'math', 'math', 'math', 'math', 'math']));
    expect(capabilityConcentration.evaluate(v).score).toBe(1);
    const tutoring = {
      ...v,
      population: { ...population, ordinary: { ...population.ordinary, capabilityShare: { p50: 1, p90: 1, p99: 1 } } },
    };
    expect(capabilityConcentration.evaluate(tutoring).score).toBe(0);
  });

  it('needs a few known tasks per member before a mix is evidence', () => {
    const v = cluster(10, (i) => (i === 0 ? withTasks(['math']) : [req(T0)]));
    expect(capabilityConcentration.evaluate(v).score).toBe(0);
  });
});

describe('output-harvesting', () => {
  it('is 0 up to the population 90th percentile of output per input and full at its 99th', () => {
    const make = (out: number) =>
      cluster(5, () => Array.from({ length: 5 }, (_, k) => req(T0 + k * MIN, { inputTokens: 100, outputTokens: out })));
    expect(outputHarvesting.evaluate(make(600)).score).toBe(0);
    expect(outputHarvesting.evaluate(make(1050)).score).toBeCloseTo(0.5, 5);
    expect(outputHarvesting.evaluate(make(1500)).score).toBe(1);
  });

  it('fires on long reasoning traces per output token beyond the population', () => {
    const v = cluster(5, () =>
      Array.from({ length: 5 }, (_, k) =>
        req(T0 + k * MIN, { inputTokens: 400, outputTokens: 400, reasoningTokens: 2000 }),
      ),
    );
    const f = outputHarvesting.evaluate(v);
    expect(f.score).toBe(1);
    expect(f.evidence.reasoning_ratio).toBe(5);
  });
});

describe('intent without a reasoning ask', () => {
  it(
    'lets template reuse count when the group concentrates on capability tasks, and not when it only shares a ' +
      'template',
    () => {
      const cfg = scoringConfig({}, 0.5, 0.25);
      const plain = cluster(10, () =>
        withTasks(['math', 'code', 'math', 'math', 'math', 'code', 'math', 'math'], { template: 'farm-plain' }),
      );
      const homework = cluster(10, () => withTasks(['writing', 'chat', 'writing', 'other'], { template: 'homework' }));
      const intent = (v: typeof plain) => assess(v, cfg).intent;
      expect(intent(plain)).toBeGreaterThan(0.7);
      expect(intent(homework)).toBeLessThan(0.05);
    },
  );
});
