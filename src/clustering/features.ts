/**
 * Behavioural features of one account over the clustering window, from its state blob. Pure.
 * These feed the detectors (as numbers with meaning) and k-means (as a normalised vector).
 */
import type { AccountSnapshot } from '../windows/account-snapshot.ts';
import { CAPABILITY_TASKS, type TaskCategory } from '../fingerprint/task-category.ts';

export interface AccountFeatures {
  readonly requests: number;
  readonly activeDays: number;
  readonly requestsPerActiveDay: number;
  readonly elicitShare: number;
  readonly elicited: number;
  /** Reasoning tokens per output token. */
  readonly reasoningRatio: number;
  readonly outputTokensPerRequest: number;
  readonly rateLimitedShare: number;
  readonly errorShare: number;
  /** Share of requests that used the account's most used template. */
  readonly topTemplateShare: number;
  readonly networks: number;
  readonly models: number;
  /** Distinct hours of the day (0–23, UTC) with activity. */
  readonly hoursOfDay: number;
  /** Longest run of consecutive active hours of the day, circular (a human sleeps). */
  readonly longestDayCoverage: number;
  /** Account age at the tick in hours (Infinity when created before the retention). */
  readonly ageHours: number;
  readonly createdSec: number | null;
  readonly suspended: boolean;
  readonly verified: boolean;
  /** No request in the window carried raw text, so elicitation is unknown (gateway fingerprints). */
  readonly textless: boolean;
  /** Hour-of-day activity profile, normalised to sum 1. */
  readonly hourProfile: readonly number[];
  /** Requests whose task category is known (raw text or the gateway's `task`), over the retention. */
  readonly taskKnown: number;
  /** Share of those on the narrow capability families (maths, code, agentic, science, logic). */
  readonly capabilityShare: number;
  /** How many of those there were. */
  readonly capabilityRequests: number;
  /** Output tokens per input token: what each exchange takes away. */
  readonly outputPerInput: number;
  /** Distinct days (event time) with activity over the retention up to the window's end. */
  readonly retentionDays: number;
}

export interface FeatureWindow {
  readonly fromMs: number;
  readonly toMs: number;
  readonly bucketMs: number;
  readonly slotMs: number;
}

export function accountFeatures(s: AccountSnapshot, w: FeatureWindow): AccountFeatures {
  let requests = 0;
  let elicit = 0;
  let output = 0;
  let reasoning = 0;
  let input = 0;
  let limited = 0;
  let errors = 0;
  // Distinct days counted without a set: two sets per call were ~40% of this function's time (a scratch benchmark,
  // 2026-12-05), and it runs for every member of a full score or a probe. Buckets are sorted (the state's contract), so
  // a day repeats only next to itself; the list of days seen keeps the count right if they were not.
  const days = new DistinctDays();
  const retentionDays = new DistinctDays();
  const hours = new Array<number>(24).fill(0);
  const fromBucket = Math.floor(w.fromMs / w.bucketMs);
  const toBucket = Math.floor(w.toMs / w.bucketMs);
  const b = s.buckets;
  for (let i = 0; i < b.length; i++) {
    const idx = b.idx(i);
    if (idx <= toBucket) retentionDays.add(Math.floor((idx * w.bucketMs) / 86_400_000));
    if (idx < fromBucket || idx > toBucket) continue;
    requests += b.requests(i);
    elicit += b.elicit(i);
    output += b.outputTokens(i);
    input += b.inputTokens(i);
    reasoning += b.reasoningTokens(i);
    limited += b.rateLimited(i);
    errors += b.errors(i);
    const start = idx * w.bucketMs;
    days.add(Math.floor(start / 86_400_000));
  }
  const fromSlot = Math.floor(w.fromMs / w.slotMs);
  const toSlot = Math.floor(w.toMs / w.slotMs);
  for (const slot of s.slots) {
    if (slot < fromSlot || slot > toSlot) continue;
    const h = Math.floor((slot * w.slotMs) / 3_600_000) % 24;
    hours[h] = (hours[h] as number) + 1;
  }
  let activeHours = 0;
  let totalSlots = 0;
  for (const x of hours) {
    if (x > 0) activeHours++;
    totalSlots += x;
  }
  let templateUses = 0;
  let topTemplate = 0;
  let taskKnown = 0;
  let capability = 0;
  let networks = 0;
  let models = 0;
  const attrs = s.attrs;
  for (let i = 0; i < attrs.length; i++) {
    const kind = attrs.kind(i);
    if (kind === 'template') {
      const count = attrs.count(i);
      templateUses += count;
      if (count > topTemplate) topTemplate = count;
    } else if (kind === 'task') {
      taskKnown += attrs.count(i);
      if (CAPABILITY_TASKS.has(attrs.value(i) as TaskCategory)) capability += attrs.count(i);
    } else if (kind === 'network') networks++;
    else if (kind === 'model') models++;
  }
  const ageHours =
    s.createdSec === null ? Number.POSITIVE_INFINITY : Math.max(0, (w.toMs / 1000 - s.createdSec) / 3600);
  return {
    requests,
    activeDays: days.size,
    requestsPerActiveDay: days.size > 0 ? requests / days.size : 0,
    elicitShare: requests > 0 ? elicit / requests : 0,
    elicited: elicit,
    reasoningRatio: output > 0 ? reasoning / output : 0,
    outputTokensPerRequest: requests > 0 ? output / requests : 0,
    rateLimitedShare: requests > 0 ? limited / requests : 0,
    errorShare: requests > 0 ? errors / requests : 0,
    topTemplateShare: templateUses > 0 ? topTemplate / templateUses : 0,
    networks,
    models,
    hoursOfDay: activeHours,
    longestDayCoverage: longestCircularRun(hours),
    ageHours,
    createdSec: s.createdSec,
    suspended: s.suspendedSec !== null,
    verified: s.verification === 1,
    // Whether a request asked is known only from a prompt fingerprint (raw text, or the gateway's), and every
    // fingerprint gives the request a task: heavy reasoning with no task known means a producer that sends none.
    // With fingerprints, no elicited prompt means nobody asked (counting reasoning as an ask there made every user
    // of a reasoning model with three requests "ask").
    textless: elicit === 0 && requests > 0 && reasoning > output && taskKnown === 0,
    hourProfile: totalSlots > 0 ? hours.map((x) => x / totalSlots) : hours,
    taskKnown,
    capabilityShare: taskKnown > 0 ? capability / taskKnown : 0,
    capabilityRequests: capability,
    retentionDays: retentionDays.size,
    outputPerInput: input > 0 ? output / input : 0,
  };
}

/** A count of distinct day numbers added mostly in order. */
class DistinctDays {
  private last = Number.NaN;
  private readonly seen: number[] = [];

  get size(): number {
    return this.seen.length;
  }

  add(day: number): void {
    if (day === this.last) return;
    this.last = day;
    if (!this.seen.includes(day)) this.seen.push(day);
  }
}

function longestCircularRun(hours: readonly number[]): number {
  if (hours.every((x) => x > 0)) return 24;
  let best = 0;
  let run = 0;
  for (let i = 0; i < 48; i++) {
    if ((hours[i % 24] as number) > 0) best = Math.max(best, ++run);
    else run = 0;
  }
  return Math.min(best, 24);
}

/** The vector k-means sees: each component scaled to roughly [0, 1]. */
export function featureVector(f: AccountFeatures): number[] {
  return [
    Math.min(1, Math.log1p(f.requestsPerActiveDay) / Math.log(200)),
    f.elicitShare,
    Math.min(1, f.reasoningRatio / 4),
    Math.min(1, Math.log1p(f.outputTokensPerRequest) / Math.log(4000)),
    f.topTemplateShare,
    Math.min(1, f.rateLimitedShare * 10),
    Math.min(1, f.networks / 16),
    f.hoursOfDay / 24,
    Math.min(1, (Number.isFinite(f.ageHours) ? f.ageHours : 24 * 90) / (24 * 90)),
  ];
}
