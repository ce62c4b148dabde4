/**
 * wave-starts against populations: a drip whose accounts each join a few of an operator's waves a day
 * (almost no pair shares a minute), the same accounts at independent times, a class that starts
 * together once, and the thresholds of the crowding test and of the score.
 */
import { describe, expect, it } from 'vitest';
import {
  binomialTail,
  crowdedCount,
  waveMembers,
  waveStarts,
  waveStartsDetector,
  waveStrength,
} from '../../detectors/wave-starts.ts';
import { lockstepTiming } from '../../detectors/lockstep-timing.ts';
import { Random } from '../../fixtures/random.ts';
import { cluster, HOUR, req, T0 } from './support.ts';

const MIN = 60_000;
const DAY = 24 * HOUR;

/**
 * n accounts, each joining each wave (every `waveMin` minutes, round the clock) with chance perDay / wavesPerDay,
 * jittered up to `jitterS`.
 */
function drip(n: number, seed: number, perDay: number, waveMin: number, jitterS: number) {
  const r = new Random(seed);
  const join = (perDay * waveMin) / (24 * 60);
  return cluster(n, () => {
    const out = [];
    for (let t = T0 + 3 * MIN; t < T0 + DAY; t += waveMin * MIN)
      if (r.chance(join)) out.push(req(t + r.int(0, jitterS * 1000)));
    return out;
  });
}

/** The same activity per account, each request at an independent time of the day. */
function independent(n: number, seed: number, perDay: number) {
  const r = new Random(seed);
  return cluster(n, () => Array.from({ length: r.int(perDay - 2, perDay + 2) }, () => req(T0 + r.int(0, DAY - MIN))));
}

describe('wave-starts', () => {
  it('sees a drip of 100 accounts joining four of 96 daily waves each, which pairs of accounts do not', () => {
    const v = drip(100, 1, 4, 15, 90);
    const f = waveStartsDetector.evaluate(v);
    expect(f.score).toBeGreaterThan(0.9);
    expect(f.evidence.wave_hours).toBeGreaterThanOrEqual(12);
    // What lockstep-timing's pairwise view gives the same group: next to nothing.
    expect(lockstepTiming.evaluate(v).score).toBeLessThan(0.1);
  });

  it('gives 0 to 100 accounts with the same activity at independent times (five seeds)', () => {
    for (let seed = 1; seed <= 5; seed++) expect(waveStartsDetector.evaluate(independent(100, seed, 4)).score).toBe(0);
  });

  it('gives 0 to busy independent accounts (a large office: 300 accounts, 8–12 requests each)', () => {
    expect(waveStartsDetector.evaluate(independent(300, 9, 10)).score).toBe(0);
  });

  it('gives 0 to a class of 60 that starts together once, however crowded that hour is', () => {
    const r = new Random(3);
    const v = cluster(60, () => [req(T0 + 14 * HOUR + r.int(0, 3) * MIN), req(T0 + 14 * HOUR + r.int(20, 50) * MIN)]);
    const w = waveStarts(v.members, v.window.fromMs, v.window.toMs, v.window.slotMs);
    expect(w.waveHours).toBeLessThanOrEqual(1);
    expect(waveStartsDetector.evaluate(v).score).toBe(0);
  });

  it('marks the members that start in waves', () => {
    const v = drip(60, 2, 6, 20, 60);
    const w = waveStarts(v.members, v.window.fromMs, v.window.toMs, v.window.slotMs);
    const inWaves = [...w.counts.values()].map((k) => (k.starts > 0 ? k.crowded / k.starts : 0));
    expect(inWaves.filter((s) => s >= 0.5).length).toBeGreaterThanOrEqual(55);
  });

  it('does not count one start that landed in a crowded unit as moving with waves that cover much of the day', () => {
    const w = {
      crowdedShare: 0.5,
      waveHours: 24,
      starts: 100,
      crowdedCoverage: 0.3,
      counts: new Map([
        ['one-start', { starts: 1, crowded: 1 }],
        ['farm', { starts: 12, crowded: 11 }],
        ['person', { starts: 6, crowded: 2 }],
      ]),
    };
    expect([...waveMembers(w)]).toEqual(['farm']);
    expect(binomialTail(1, 1, 0.3)).toBeCloseTo(0.3, 10);
    expect(binomialTail(4, 0, 0.1)).toBe(1);
    expect(binomialTail(4, 2, 0.1)).toBeCloseTo(1 - 0.9 ** 4 - 4 * 0.1 * 0.9 ** 3, 10);
  });

  it('counts a unit as crowded from the Poisson tail of its hour, never below three starts', () => {
    expect(crowdedCount(0.01)).toBe(3);
    // Poisson(1): P(X >= 6) = 0.00059 < 0.001 <= P(X >= 5) = 0.00366.
    expect(crowdedCount(1)).toBe(6);
    // Large means stay bounded work and near mean + 3.1 sd.
    const c = crowdedCount(100);
    expect(c).toBeGreaterThan(125);
    expect(c).toBeLessThan(140);
  });

  it('scores from a tenth of the starts in waves and three wave hours, full at a quarter and six', () => {
    expect(waveStrength({ crowdedShare: 0.1, waveHours: 24 })).toBe(0);
    expect(waveStrength({ crowdedShare: 0.25, waveHours: 2 })).toBe(0);
    expect(waveStrength({ crowdedShare: 0.25, waveHours: 6 })).toBe(1);
    expect(waveStrength({ crowdedShare: 0.175, waveHours: 6 })).toBeCloseTo(0.5, 5);
    expect(waveStrength({ crowdedShare: 0.25, waveHours: 4 })).toBeCloseTo(0.5, 5);
  });
});
