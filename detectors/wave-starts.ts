/**
 * Wave starts: the group's bursts of activity start in the same few minutes, hour after hour, far
 * more than its own activity in those hours explains. A drip whose accounts each join a few of an
 * operator's waves a day shares almost nothing pair by pair (lockstep-timing's pairs see one common
 * minute a day, if any), but taken together its starts pile up in the waves' minutes.
 *
 * Within each event-time hour the group's starts are compared with the same number of starts spread
 * evenly over that hour (Poisson with mean starts / units), so a busy hour or a diurnal rhythm is not
 * a wave; a unit holding more starts than the chance of that is one in a thousand is crowded. The
 * score needs both a share of starts in crowded units and crowded units in several distinct hours:
 * a class starting together once, or a lab's nightly job, crowds a single hour.
 */
import { clamp01, fmt, pct, type ClusterMember, type Detector } from './detector.ts';

/** Two-minute units: an operator's wave spreads its requests over a minute or two. */
const UNIT_MINUTES = 2;
/** A unit is crowded when Poisson(mean) reaches its count with probability below this. */
const CROWDED_P = 0.001;
/** The fewest starts in a unit that can be a wave at all. */
const MIN_WAVE = 3;
/** Binomial tails for wave membership: alone a tie (strict), or only evidence of an operator's template (loose). */
export const STRICT_P = 0.001;
export const LOOSE_P = 0.05;

export interface WaveStarts {
  /** Share of the group's starts that fall in crowded units. */
  readonly crowdedShare: number;
  /** Distinct event-time hours with a crowded unit. */
  readonly waveHours: number;
  readonly starts: number;
  /** Share of the units of the hours the group is active in that are crowded: what a start lands in by chance. */
  readonly crowdedCoverage: number;
  /** Per member: how many of its starts there were, and how many fell in crowded units. */
  readonly counts: ReadonlyMap<string, { readonly starts: number; readonly crowded: number }>;
}

/** The first slot of each run of consecutive active slots, as units, within [from, to]. */
function startUnits(m: ClusterMember, from: number, to: number, slotsPerUnit: number): number[] {
  const out: number[] = [];
  let last = -2;
  for (const s of m.state.slots) {
    if (s < from || s > to) continue;
    if (s !== last + 1) {
      const u = Math.floor(s / slotsPerUnit);
      if (out[out.length - 1] !== u) out.push(u);
    }
    last = s;
  }
  return out;
}

/** The smallest count whose Poisson(mean) upper tail is below `p` (at least MIN_WAVE). Bounded: the tail falls fast. */
export function crowdedCount(mean: number, p: number = CROWDED_P): number {
  let term = Math.exp(-mean);
  let cdf = term;
  let k = 0;
  while (1 - cdf >= p && k < 10_000) {
    k++;
    term *= mean / k;
    cdf += term;
  }
  return Math.max(MIN_WAVE, k + 1);
}

export function waveStarts(
  members: readonly ClusterMember[],
  fromMs: number,
  toMs: number,
  slotMs: number,
): WaveStarts {
  const slotsPerUnit = Math.max(1, Math.round((UNIT_MINUTES * 60_000) / slotMs));
  const unitMs = slotsPerUnit * slotMs;
  const unitsPerHour = Math.max(1, Math.round(3_600_000 / unitMs));
  const from = Math.floor(fromMs / slotMs);
  const to = Math.floor(toMs / slotMs);
  const byMember = members.map((m) => startUnits(m, from, to, slotsPerUnit));
  const perUnit = new Map<number, number>();
  const perHour = new Map<number, number>();
  let starts = 0;
  for (const units of byMember) {
    for (const u of units) {
      perUnit.set(u, (perUnit.get(u) ?? 0) + 1);
      const h = Math.floor(u / unitsPerHour);
      perHour.set(h, (perHour.get(h) ?? 0) + 1);
      starts++;
    }
  }
  const firstUnit = Math.floor(fromMs / unitMs);
  const lastUnit = Math.floor(toMs / unitMs);
  const thresholds = new Map<number, number>();
  let activeUnits = 0;
  for (const [h, n] of perHour) {
    // The window's first and last hours are partial: spread their starts over the units they have.
    const units = Math.max(
      1,
      Math.min(lastUnit, (h + 1) * unitsPerHour - 1) - Math.max(firstUnit, h * unitsPerHour) + 1,
    );
    activeUnits += units;
    thresholds.set(h, crowdedCount(n / units));
  }
  const crowded = new Set<number>();
  for (const [u, c] of perUnit) if (c >= (thresholds.get(Math.floor(u / unitsPerHour)) as number)) crowded.add(u);
  let inCrowded = 0;
  const waveHourSet = new Set<number>();
  for (const u of crowded) {
    inCrowded += perUnit.get(u) as number;
    waveHourSet.add(Math.floor(u / unitsPerHour));
  }
  const counts = new Map<string, { starts: number; crowded: number }>();
  members.forEach((m, i) => {
    const units = byMember[i] as number[];
    counts.set(m.accountId, { starts: units.length, crowded: units.filter((u) => crowded.has(u)).length });
  });
  return {
    crowdedShare: starts > 0 ? inCrowded / starts : 0,
    waveHours: waveHourSet.size,
    starts,
    crowdedCoverage: activeUnits > 0 ? crowded.size / activeUnits : 0,
    counts,
  };
}

/**
 * The members that start in the group's waves: a quarter of their starts in crowded units, and more
 * of them than landing there by chance explains (binomial tail ≤ `p` at the crowded units' share of
 * the group's hours). A farm that sends a wave every ten minutes crowds a fifth of all units; an
 * ordinary account with one start in the window lands in one that often. A candidate group holds
 * hundreds of ordinary accounts, so a member is tied by waves alone only at p ≤ 0.001; at 0.05 the
 * test only says which templates are the operator's (member-fit.ts).
 */
export function waveMembers(w: WaveStarts, p: number = STRICT_P): Set<string> {
  const c = Math.min(1 - 1e-9, Math.max(w.crowdedCoverage, 1e-6));
  const out = new Set<string>();
  for (const [id, k] of w.counts)
    if (k.starts > 0 && k.crowded / k.starts >= 0.25 && binomialTail(k.starts, k.crowded, c) <= p) out.add(id);
  return out;
}

/** P(X ≥ k) for X ~ Binomial(n, p). Bounded: n is an account's starts in the window (at most its active slots). */
export function binomialTail(n: number, k: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  let term = Math.pow(1 - p, n);
  let below = 0;
  for (let i = 0; i < k; i++) {
    below += term;
    term *= ((n - i) / (i + 1)) * (p / (1 - p));
  }
  return Math.max(0, 1 - below);
}

/** 0–1 from a wave summary: a quarter of the starts in waves, in at least six hours, is full strength. */
export function waveStrength(w: Pick<WaveStarts, 'crowdedShare' | 'waveHours'>): number {
  return clamp01((w.crowdedShare - 0.1) / 0.15) * clamp01((w.waveHours - 2) / 4);
}

export const waveStartsDetector: Detector = {
  name: 'wave-starts',
  role: 'coordination',
  evaluate({ members, window }) {
    const w = waveStarts(members, window.fromMs, window.toMs, window.slotMs);
    return {
      code: 'wave_starts',
      score: waveStrength(w),
      detail:
        `${pct(w.crowdedShare)} of the ${fmt(w.starts)} bursts of activity of ${members.length} accounts start ` +
        `in the same two minutes as many others, far beyond chance within their hour, in ${fmt(w.waveHours)} ` +
        `distinct hours.`,
      evidence: { crowded_share: w.crowdedShare, wave_hours: w.waveHours, starts: w.starts },
    };
  },
};
