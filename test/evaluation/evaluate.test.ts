import { describe, expect, it } from 'vitest';
import { evaluate, evaluationLine, evaluationTable, joinersSummary } from '../../src/evaluation/evaluate.ts';

const MIN = 60_000;
describe('evaluate', () => {
  it('computes precision, recall, leakage and time to flag from labels, flags and exchanges', () => {
    const labels = [
      { account_id: 'f1', label: 'attack' as const, group: 'farm' },
      { account_id: 'f2', label: 'attack' as const, group: 'farm' },
      { account_id: 'b1', label: 'benign' as const, group: 'office' },
      { account_id: 'b2', label: 'benign' as const, group: 'office' },
    ];
    const exchanges = new Map([
      ['f1', [0, 10 * MIN, 20 * MIN, 30 * MIN]],
      ['f2', [5 * MIN, 15 * MIN]],
      ['b1', [0]],
    ]);
    const flags = [
      { account_id: 'f1', detected_at: new Date(15 * MIN).toISOString(), reasons: [{ code: 'shared_payment' }] },
      { account_id: 'b1', detected_at: new Date(60 * MIN).toISOString(), reasons: [{ code: 'shared_network' }] },
    ];
    const e = evaluate(labels, flags, exchanges);
    expect(e.precision).toBe(0.5);
    expect(e.recall).toBe(0.5);
    // f1 leaked 2 of 4 exchanges before its flag; f2 was never flagged: 2 of 2.
    expect(e.leakage).toBeCloseTo(4 / 6);
    const farm = e.groups.find((g) => g.group === 'farm');
    expect(farm).toMatchObject({ flagged: 1, firstFlagAfterMinutes: 15, ninetyPercentAfterMinutes: null });
    expect(e.groups.find((g) => g.group === 'office')?.falsePositiveReasons).toEqual({ shared_network: 1 });
    expect(evaluationLine(e)).toBe('evaluate precision=0.5000 recall=0.5000 f1=0.5000 leakage=0.6667');
  });

  it(
    'counts what late joiners (first exchange after the campaign was first flagged) were served before their own ' +
      'flag',
    () => {
      const labels = ['f1', 'f2', 'f3', 'f4'].map((account_id) => ({
        account_id,
        label: 'attack' as const,
        group: 'farm',
      }));
      const exchanges = new Map([
        ['f1', [0, 10 * MIN]],
        // Active before the first flag: not a joiner, however late its own flag.
        ['f2', [5 * MIN, 50 * MIN]],
        ['f3', [20 * MIN, 25 * MIN, 35 * MIN]],
        ['f4', [40 * MIN, 41 * MIN, 42 * MIN, 43 * MIN]],
      ]);
      const flags = [
        { account_id: 'f1', detected_at: new Date(15 * MIN).toISOString(), reasons: [] },
        { account_id: 'f2', detected_at: new Date(60 * MIN).toISOString(), reasons: [] },
        { account_id: 'f3', detected_at: new Date(30 * MIN).toISOString(), reasons: [] },
      ];
      const farm = evaluate(labels, flags, exchanges).groups[0];
      // f3 was served 2 exchanges before its flag; f4 was never flagged: all 4.
      expect(farm?.joinersServed).toEqual([2, 4]);
      expect(joinersSummary(farm?.joinersServed ?? [])).toBe('2: 3 / 3.8');
      expect(joinersSummary([])).toBe('-');
      expect(evaluationTable(evaluate(labels, flags, exchanges))).toContain('2: 3 / 3.8');
    },
  );
});
