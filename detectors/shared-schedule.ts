/**
 * Shared schedule: the members' day is far shorter than independent accounts' would be. An operator
 * who runs its accounts from one scheduler puts all their work in the same few hours of the day, while
 * each account alone sends too little (one to four requests a day, on an address and card of its
 * own) for any pair of them to overlap much: pairwise lockstep sees noise, the group's hours do not.
 *
 * The statistic is the group's span: the fewest consecutive hours of the day (circular, so a night
 * shift counts) that hold 90% of its activity, each member weighing one. Chance is measured, not
 * assumed: the same members, each with as many active hours as it has, placed at random by the
 * population's hour-of-day rhythm, replicated a fixed number of times with a fixed seed. A small
 * group's span is short by chance (three accounts active one hour each span at most three hours),
 * which the replicates show, so they need no separate rule; a group in another time zone keeps a
 * human day's length (about 16 hours) and scores nothing.
 */
import { Random } from '../fixtures/random.ts';
import { clamp01, fmt, type ClusterMember, type ClusterView, type Detector, type Finding } from './detector.ts';

/** Share of the group's activity its span must hold. */
const SPAN_MASS = 0.9;
/** Chance replicates: a fixed count keeps the cost linear in the members and the score reproducible. */
const REPLICATES = 32;
/** Members looked at, evenly sampled beyond this. */
const MAX_MEMBERS = 200;
/** Fewest active members for a group's hours to say anything about a schedule. */
const MIN_MEMBERS = 10;
/**
 * Fewest hours of the day with any of the population's activity for a day's length to be measured. In a window that
 * holds half a day of traffic (a deployment's or a recording's first hours) every account's day is short: candidates
 * are the accounts active now, and eleven students and neighbours first seen in one homework hour of a recording's
 * first morning spanned that one hour against four by chance, and were flagged (realistic-heldout-plain 341).
 */
const COVERED_HOURS_MIN = 20;
/** Chance span over the group's span: no evidence at or under LOW, full at or over HIGH. */
const LOW_RATIO = 1.5;
const HIGH_RATIO = 2.25;

/** The fewest consecutive hours (circular) holding `mass` of a 24-hour profile that sums to 1. */
export function daySpan(profile: readonly number[], mass = SPAN_MASS): number {
  return spanWindow(profile, mass).hours;
}

/** The span and the hour of the day it starts at (the first such window from midnight). */
function spanWindow(profile: readonly number[], mass = SPAN_MASS): { hours: number; start: number } {
  for (let len = 1; len <= 24; len++) {
    let sum = 0;
    for (let h = 0; h < len; h++) sum += profile[h] as number;
    for (let start = 0; start < 24; start++) {
      if (sum >= mass - 1e-9) return { hours: len, start };
      sum += (profile[(start + len) % 24] as number) - (profile[start] as number);
    }
  }
  return { hours: 24, start: 0 };
}

/** Each member's active hours of the day in the window. */
function activeHours(m: ClusterMember): number[] {
  const out: number[] = [];
  m.features.hourProfile.forEach((v, h) => {
    if (v > 0) out.push(h);
  });
  return out;
}

function groupProfile(hourSets: readonly (readonly number[])[]): number[] {
  const g = new Array<number>(24).fill(0);
  for (const hs of hourSets) for (const h of hs) g[h] = (g[h] as number) + 1 / hs.length / hourSets.length;
  return g;
}

/** Inverse of the rhythm's distribution over 4,096 steps: a draw is one lookup. Kept per baseline. */
const TABLE_STEPS = 4096;
const tables = new WeakMap<readonly number[], Uint8Array>();
/** Chance spans per baseline and per multiset of hour counts: the fit and the score ask for the same group. */
const memo = new WeakMap<readonly number[], Map<string, number[]>>();
const MEMO_MAX = 2_000;

function rhythmTable(hourShare: readonly number[]): Uint8Array {
  let table = tables.get(hourShare);
  if (table !== undefined) return table;
  table = new Uint8Array(TABLE_STEPS);
  const total = hourShare.reduce((a, b) => a + b, 0);
  let h = 0;
  let acc = total > 0 ? (hourShare[0] as number) / total : 1 / 24;
  for (let i = 0; i < TABLE_STEPS; i++) {
    const u = (i + 0.5) / TABLE_STEPS;
    while (h < 23 && u > acc) acc += total > 0 ? (hourShare[++h] as number) / total : 1 / 24;
    table[i] = h;
  }
  tables.set(hourShare, table);
  return table;
}

/**
 * Spans of members with these numbers of active hours, each hour placed by the population's rhythm, sorted. Depends
 * on the multiset of counts only (drawn in sorted order), so it is memoised per baseline.
 */
export function chanceSpans(hourCounts: readonly number[], hourShare: readonly number[]): number[] {
  const counts = [...hourCounts].sort((a, b) => a - b);
  const key = counts.join(',');
  let cache = memo.get(hourShare);
  if (cache === undefined) memo.set(hourShare, (cache = new Map()));
  const known = cache.get(key);
  if (known !== undefined) return known;
  const table = rhythmTable(hourShare);
  // Seeded by the counts: the same cluster gets the same score at every tick.
  const rnd = new Random(counts.length * 2_654_435_761 + counts.reduce((a, b) => a + b, 0));
  const n = counts.length;
  const spans: number[] = [];
  const g = new Array<number>(24);
  for (let r = 0; r < REPLICATES; r++) {
    g.fill(0);
    for (const k of counts) {
      // k distinct hours drawn by the rhythm; bounded tries keep a rhythm with few hours from looping.
      let mask = 0;
      let got = 0;
      for (let tries = 0; got < k && tries < 4 * k + 8; tries++) {
        const h = table[Math.floor(rnd.next() * TABLE_STEPS)] as number;
        if ((mask & (1 << h)) !== 0) continue;
        mask |= 1 << h;
        got++;
      }
      const w = 1 / got / n;
      for (let bits = mask; bits !== 0; bits &= bits - 1) {
        const h = 31 - Math.clz32(bits & -bits);
        g[h] = (g[h] as number) + w;
      }
    }
    spans.push(daySpan(g));
  }
  spans.sort((a, b) => a - b);
  if (cache.size >= MEMO_MAX) cache.clear();
  cache.set(key, spans);
  return spans;
}

export interface Schedule {
  readonly score: number;
  /** The hours of the day (UTC) of the group's span; empty when too few members say anything. */
  readonly hours: ReadonlySet<number>;
  readonly finding: Finding;
}

/** The group's schedule: the shared-schedule finding and the hours of the day its span covers. */
export function scheduleOf({ members, window, population }: ClusterView): Schedule {
  const none = (detail: string, evidence: Record<string, number>): Schedule => ({
    score: 0,
    hours: new Set(),
    finding: { code: 'shared_schedule', score: 0, detail, evidence },
  });
  if (window.toMs - window.fromMs < 20 * 3_600_000) return none('The window is shorter than a day.', {});
  const covered = population.hourShare.filter((v) => v > 0).length;
  if (covered < COVERED_HOURS_MIN)
    return none(`The population's traffic covers ${covered} hours of the day: too few to tell a short day.`, {
      covered_hours: covered,
    });
  const active = members.filter((m) => m.features.hourProfile.some((v) => v > 0));
  if (active.length < MIN_MEMBERS)
    return none(`${active.length} active accounts are too few to show a schedule.`, { members: active.length });
  const count = Math.min(active.length, MAX_MEMBERS);
  const sample: number[][] = [];
  for (let k = 0; k < count; k++)
    sample.push(activeHours(active[Math.floor((k * active.length) / count)] as ClusterMember));
  const { hours: span, start } = spanWindow(groupProfile(sample));
  const chance = chanceSpans(
    sample.map((s) => s.length),
    population.hourShare,
  );
  // The second shortest of 32 replicates: about the 5th percentile of what chance gives.
  const chanceLow = chance[1] as number;
  const ratio = chanceLow / span;
  const score = clamp01((ratio - LOW_RATIO) / (HIGH_RATIO - LOW_RATIO));
  return {
    score,
    hours: new Set(Array.from({ length: span }, (_, k) => (start + k) % 24)),
    finding: {
      code: 'shared_schedule',
      score,
      detail:
        `${fmt(active.length)} accounts put 90% of their activity in ${span} hours of the day; the same accounts ` +
        `acting independently, by the population's rhythm, would need ${chanceLow} or more (in 31 of 32 draws).`,
      evidence: { span_hours: span, chance_span_hours: chanceLow, ratio, members: active.length },
    },
  };
}

export const sharedSchedule: Detector = {
  name: 'shared-schedule',
  role: 'coordination',
  evaluate: (view) => scheduleOf(view).finding,
};
