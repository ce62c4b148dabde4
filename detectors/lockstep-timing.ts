/**
 * Lockstep timing: members are active in the same minutes (work waves) or the same hours (a daily
 * schedule) far more often than chance. For sampled pairs, observed shared slots are compared with
 * what independent accounts with the same activity would share, given the population's hour-of-day
 * rhythm (so that everyone being awake in the evening is not lockstep).
 */
import type { ClusterMember, PopulationBaseline } from './detector.ts';
import { clamp01, type Detector } from './detector.ts';

const MAX_PAIRS = 300;
/** Pairs counted as not together beside the sampled ones (see coActivity). */
const PRIOR_PAIRS = 3;

function slotsIn(m: ClusterMember, from: number, to: number, per: number): number[] {
  const out: number[] = [];
  let last = -1;
  for (const s of m.state.slots) {
    if (s < from || s > to) continue;
    const c = Math.floor(s / per);
    if (c !== last) out.push(c);
    last = c;
  }
  return out;
}

/**
 * For sampled pairs: the lift of shared units over chance (total observed over total expected), and
 * the share of pairs that share at least three times what chance gives (and at least one unit).
 * The share is what tells a campaign (most pairs move together) from a few independent accounts
 * that happened to overlap once (two researchers running a benchmark in the same hour).
 * With `block` (minutes within hours), the units compared are the minutes a burst of activity starts
 * in, and chance is counted within the blocks both accounts are active in. Waves are members starting
 * work in the same few minutes of an hour, again and again. Two accounts that each send a request
 * every few seconds for a while share every minute their runs overlap — and three benchmark runs
 * still in progress at a tick share all of their last minutes — which is no more lockstep than
 * sharing the hour.
 */
function coActivity(
  members: readonly ClusterMember[],
  from: number,
  to: number,
  per: number,
  slotMs: number,
  pop: PopulationBaseline,
  block = 0,
): { lift: number; pairShare: number } {
  const sets = members
    .map((m) => (block > 0 ? onsets(slotsIn(m, from, to, per)) : slotsIn(m, from, to, per)))
    .filter((s) => s.length > 0);
  if (sets.length < 2) return { lift: 0, pairShare: 0 };
  const units = Math.max(1, Math.floor((to - from + 1) / per));
  const unitHours = (per * slotMs) / 3_600_000;
  // Chance that two accounts pick the same unit, given the population's hour-of-day rhythm.
  const concentration = unitHours >= 24 ? 1 : pop.hourShare.reduce((a, s) => a + s * s, 0) * 24;
  let observed = 0;
  let expectedTotal = 0;
  let together = 0;
  const n = sets.length;
  const pairs = Math.min(MAX_PAIRS, (n * (n - 1)) / 2);
  for (const [i, j] of samplePairs(n, pairs)) {
    const a = sets[i] as number[];
    const b = sets[j] as number[];
    let shared = 0;
    for (let x = 0, y = 0; x < a.length && y < b.length;) {
      if (a[x] === b[y]) {
        shared++;
        x++;
        y++;
      } else if ((a[x] as number) < (b[y] as number)) x++;
      else y++;
    }
    const expected =
      block > 0 ? expectedWithinBlocks(a, b, block, from, to) : (a.length * b.length * concentration) / units;
    observed += shared;
    expectedTotal += expected;
    if (shared >= Math.max(1, 3 * expected)) together++;
  }
  // Few pairs say little: the share is taken as if PRIOR_PAIRS more pairs had not moved together. Three researchers
  // whose benchmark runs fell in the same hour are three pairs all "together"; a hundred accounts in one hour are not
  // three pairs.
  return {
    lift: expectedTotal > 0 ? observed / Math.max(expectedTotal, 1) : 0,
    pairShare: together / (pairs + PRIOR_PAIRS),
  };
}

/**
 * `count` distinct pairs of `n` items, spread over all n(n-1)/2 of them (every pair when count is all of them),
 * deterministically. A pair index stepped by a stride coprime with the number of pairs visits distinct pairs; a
 * stride near the golden section of it spreads them over the members. (Each index of the pair stepped on its own
 * modulo n visits at most n distinct pairs, the same ones again and again: of eight benchmark runs, the four pairs it
 * drew were four that overlapped, and eight researchers looked like a schedule.)
 */
export function* samplePairs(n: number, count: number): Generator<[number, number]> {
  const total = (n * (n - 1)) / 2;
  if (total === 0) return;
  let stride = Math.max(1, Math.round(total * 0.618_033_988_75));
  while (gcd(stride, total) !== 1) stride++;
  for (let k = 0; k < Math.min(count, total); k++) yield pairAt((k * stride) % total, n);
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** The p-th pair (i < j) of n items in the order (0,1), (0,2), …, (0,n-1), (1,2), … */
function pairAt(p: number, n: number): [number, number] {
  // Row i starts at i(2n - i - 1)/2; the estimate from the quadratic is corrected for rounding.
  let i = Math.floor((2 * n - 1 - Math.sqrt((2 * n - 1) ** 2 - 8 * p)) / 2);
  const start = (r: number) => (r * (2 * n - r - 1)) / 2;
  while (i > 0 && start(i) > p) i--;
  while (start(i + 1) <= p) i++;
  return [i, i + 1 + p - start(i)];
}

/** The units that start a run of consecutive units (a burst of activity). */
function onsets(units: readonly number[]): number[] {
  return units.filter((u, i) => i === 0 || (units[i - 1] as number) !== u - 1);
}

/**
 * Chance shared units of two sorted unit lists, each placed at random within the blocks it is active
 * in. The window's first and last blocks count only the units inside [from, to]: at a tick a quarter
 * past the hour, the hour so far has fifteen minutes, and two accounts busy in all fifteen share
 * every one of them by chance.
 */
function expectedWithinBlocks(
  a: readonly number[],
  b: readonly number[],
  block: number,
  from: number,
  to: number,
): number {
  let expected = 0;
  for (let x = 0, y = 0; x < a.length && y < b.length;) {
    const ba = Math.floor((a[x] as number) / block);
    const bb = Math.floor((b[y] as number) / block);
    if (ba < bb) x++;
    else if (bb < ba) y++;
    else {
      let na = 0;
      let nb = 0;
      for (; x < a.length && Math.floor((a[x] as number) / block) === ba; x++) na++;
      for (; y < b.length && Math.floor((b[y] as number) / block) === ba; y++) nb++;
      const units = Math.min(to, ba * block + block - 1) - Math.max(from, ba * block) + 1;
      expected += (na * nb) / Math.max(units, na, nb);
    }
  }
  return expected;
}

export const lockstepTiming: Detector = {
  name: 'lockstep-timing',
  role: 'coordination',
  evaluate({ members, window, population }) {
    const from = Math.floor(window.fromMs / window.slotMs);
    const to = Math.floor(window.toMs / window.slotMs);
    const perHour = Math.max(1, Math.round(3_600_000 / window.slotMs));
    const minute = coActivity(members, from, to, 1, window.slotMs, population, perHour);
    const hour = coActivity(members, from, to, perHour, window.slotMs, population);
    const strength = (c: { lift: number; pairShare: number }) =>
      clamp01((c.pairShare - 0.25) / 0.45) * clamp01((c.lift - 1.5) / 3);
    const score = Math.max(strength(minute), 0.9 * strength(hour));
    return {
      code: 'lockstep_timing',
      score,
      detail:
        `${Math.round(Math.max(minute.pairShare, hour.pairShare) * 100)}% of sampled pairs of accounts are ` +
        `active together at least 3× as often as chance; overall they share minutes ${minute.lift.toFixed(1)}× and ` +
        `hours ${hour.lift.toFixed(1)}× as often as independent accounts would.`,
      evidence: {
        minute_lift: minute.lift,
        hour_lift: hour.lift,
        minute_pair_share: minute.pairShare,
        hour_pair_share: hour.pairShare,
      },
    };
  },
};
