/**
 * Lockstep timing: members are active in the same minutes (work waves) or the same hours (a daily
 * schedule) far more often than chance. For sampled pairs, observed shared slots are compared with
 * what independent accounts with the same activity would share, given the population's hour-of-day
 * rhythm (so that everyone being awake in the evening is not lockstep).
 */
import type { ClusterMember, PopulationBaseline } from './detector.ts';
import { clamp01, type Detector } from './detector.ts';

const MAX_PAIRS = 300;

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
 * Lift of shared slots over chance for sampled pairs: total observed over total expected, which
 * stays meaningful for sparse accounts (a few requests a day) where a per-pair ratio is noise.
 * `per` slots form one unit.
 */
function lift(members: readonly ClusterMember[], from: number, to: number, per: number, slotMs: number, pop: PopulationBaseline): number {
  const sets = members.map((m) => slotsIn(m, from, to, per)).filter((s) => s.length > 0);
  if (sets.length < 2) return 0;
  // Chance that an active unit falls in a given unit: weighted by the population's hour-of-day share.
  const units = Math.max(1, Math.floor((to - from + 1) / per));
  const unitHours = (per * slotMs) / 3_600_000;
  const concentration = unitHours >= 24 ? 1 : pop.hourShare.reduce((a, s) => a + s * s, 0) * 24;
  let observed = 0;
  let expectedTotal = 0;
  const n = sets.length;
  const pairs = Math.min(MAX_PAIRS, (n * (n - 1)) / 2);
  for (let k = 0; k < pairs; k++) {
    // Deterministic spread of pairs over the cluster.
    const i = (k * 7919) % n;
    let j = (k * 104_729 + 1) % n;
    if (j === i) j = (j + 1) % n;
    const a = sets[i] as number[];
    const b = sets[j] as number[];
    let shared = 0;
    for (let x = 0, y = 0; x < a.length && y < b.length; ) {
      if (a[x] === b[y]) {
        shared++;
        x++;
        y++;
      } else if ((a[x] as number) < (b[y] as number)) x++;
      else y++;
    }
    observed += shared;
    expectedTotal += (a.length * b.length * concentration) / units;
  }
  return expectedTotal > 0 ? observed / Math.max(expectedTotal, 1) : 0;
}

export const lockstepTiming: Detector = {
  name: 'lockstep-timing',
  role: 'coordination',
  evaluate({ members, window, population }) {
    const from = Math.floor(window.fromMs / window.slotMs);
    const to = Math.floor(window.toMs / window.slotMs);
    const perHour = Math.max(1, Math.round(3_600_000 / window.slotMs));
    const minuteLift = lift(members, from, to, 1, window.slotMs, population);
    const hourLift = lift(members, from, to, perHour, window.slotMs, population);
    const score = clamp01(Math.max((minuteLift - 2) / 6, (hourLift - 2.5) / 6));
    return {
      code: 'lockstep_timing',
      score,
      detail: `Pairs of accounts are active in the same minute ${minuteLift.toFixed(1)}× and the same hour ${hourLift.toFixed(1)}× as often as independent accounts would be (over sampled pairs).`,
      evidence: { minute_lift: minuteLift, hour_lift: hourLift },
    };
  },
};
