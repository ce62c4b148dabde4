import { describe, expect, it } from 'vitest';
import { chanceSpans, daySpan, sharedSchedule } from '../../detectors/shared-schedule.ts';
import { cluster, HOUR, population, req, T0 } from './support.ts';

const MIN = 60_000;
/** A pseudo-random but fixed stream of numbers in [0, 1) per account. */
const u = (i: number, k: number): number => (((i + 1) * 7919 + (k + 1) * 104_729) % 1009) / 1009;

/** n accounts, each with 1–3 requests at its own times within `hours` hours of the day from `start`. */
function scheduled(n: number, start: number, hours: number) {
  return cluster(n, (i) =>
    Array.from({ length: 1 + (i % 3) }, (_, k) => req(T0 + ((start + u(i, k) * hours) % 24) * HOUR + (i % 7) * MIN)),
  );
}

describe('daySpan', () => {
  it('is the fewest consecutive hours, across midnight, that hold 90% of a profile', () => {
    const night = new Array<number>(24).fill(0);
    for (const h of [20, 21, 22, 23, 0, 1, 2, 3]) night[h] = 1 / 8;
    expect(daySpan(night)).toBe(8);
    expect(daySpan(new Array<number>(24).fill(1 / 24))).toBe(22);
  });
});

describe('shared-schedule', () => {
  it('fires on a drip: 100 accounts with a few requests each, all in the same 8 hours of the day', () => {
    const f = sharedSchedule.evaluate(scheduled(100, 20, 8));
    expect(f.evidence.span_hours).toBeLessThanOrEqual(8);
    expect(f.score).toBe(1);
  });

  it('stays at zero for the same accounts spread by the population rhythm, or on a human day in another zone', () => {
    expect(sharedSchedule.evaluate(scheduled(100, 0, 24)).score).toBe(0);
    // Awake 16 hours, shifted from the population: a day's length, not a scheduler's.
    expect(sharedSchedule.evaluate(scheduled(100, 9, 16)).score).toBe(0);
  });

  it('says nothing while the population’s traffic covers fewer than 20 hours of the day (a first morning)', () => {
    // Twelve accounts each active in one hour of a recording's first morning: every account's day is short then.
    const group = cluster(12, (i) => [req(T0 + 11 * HOUR + i * 4 * MIN)]);
    const rhythm = (hours: number) => Array.from({ length: 24 }, (_, h) => (h < hours ? 1 / hours : 0));
    const withRhythm = (hours: number) => ({ ...group, population: { ...population, hourShare: rhythm(hours) } });
    const morning = sharedSchedule.evaluate(withRhythm(12));
    expect(morning.score).toBe(0);
    expect(morning.evidence.covered_hours).toBe(12);
    expect(sharedSchedule.evaluate(withRhythm(19)).score).toBe(0);
    expect(sharedSchedule.evaluate(withRhythm(20)).score).toBe(1);
  });

  it('needs ten active accounts, and measures a small group against small groups by chance', () => {
    expect(sharedSchedule.evaluate(scheduled(9, 20, 2)).score).toBe(0);
    // Twelve accounts with one request each in two hours: chance would put twelve in about 10 hours or more.
    const f = sharedSchedule.evaluate(cluster(12, (i) => [req(T0 + 5 * HOUR + i * 9 * MIN)]));
    expect(f.evidence.chance_span_hours).toBeGreaterThanOrEqual(7);
    expect(f.score).toBe(1);
  });

  it('scores the ratio of chance span to the group span between 1.5 (nothing) and 2.25 (full)', () => {
    // Under a uniform rhythm 100 accounts with 1–3 hours span ~21 hours by chance.
    const chanceLow = sharedSchedule.evaluate(scheduled(100, 0, 8)).evidence.chance_span_hours as number;
    const at = (hours: number) => sharedSchedule.evaluate(scheduled(100, 0, hours));
    const full = at(8);
    expect(chanceLow / (full.evidence.span_hours as number)).toBeGreaterThanOrEqual(2.25);
    expect(full.score).toBe(1);
    const partial = at(11);
    const ratio = chanceLow / (partial.evidence.span_hours as number);
    expect(partial.score).toBeCloseTo((ratio - 1.5) / 0.75, 6);
    expect(partial.score).toBeGreaterThan(0);
    expect(partial.score).toBeLessThan(1);
    expect(at(15).score).toBe(0);
  });

  it('follows the population rhythm: a group in the hours everyone is awake needs a shorter day', () => {
    const evening = new Array<number>(24).fill(0.2 / 14);
    for (let h = 14; h < 24; h++) evening[h] = 0.08;
    const spans = chanceSpans(new Array<number>(100).fill(1), evening);
    const uniform = chanceSpans(new Array<number>(100).fill(1), population.hourShare);
    expect(spans[1] as number).toBeLessThan(uniform[1] as number);
    expect(chanceSpans(new Array<number>(100).fill(1), evening)).toEqual(spans);
  });
});
