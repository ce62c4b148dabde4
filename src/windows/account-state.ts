/**
 * An account's behavioural state over the retention period, and the pure function that folds
 * observations into it. Everything is in event time. Stored as one compact blob per account
 * (state-codec.ts), so a batch costs Redis one read and one write per account, whatever it contains.
 */
import type { Observation } from '../fingerprint/observation.ts';
import { CAPABILITY_TASKS } from '../fingerprint/task-category.ts';

export interface WindowSettings {
  /** Aggregation bucket (e.g. 1 h). */
  readonly bucketMs: number;
  /** Activity-timeline slot (e.g. 1 min): fine enough to see lockstep. */
  readonly slotMs: number;
  readonly retentionMs: number;
  /** Events older than the partition's max event time less this are late: counted and dropped. */
  readonly latenessMs: number;
}

/** Per-bucket aggregates; `idx` is the bucket number since the epoch. */
export interface Bucket {
  idx: number;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  elicit: number;
  errors: number;
  rateLimited: number;
  refused: number;
  /** Templates this account used for the first time (in retention) during this bucket. */
  newTemplates: number;
}

/** Closed vocabulary of the values an account is linked by; order is the codec's numbering. */
export const ATTR_KINDS = [
  'network',
  'asn',
  'payment',
  'device',
  'tls',
  'userAgent',
  'template',
  'band',
  'systemPrompt',
  'model',
  'task',
] as const;
export type AttrKind = (typeof ATTR_KINDS)[number];

/** How many distinct values of each kind an account keeps (least recently used evicted first). */
export const ATTR_CAPS: Readonly<Record<AttrKind, number>> = {
  network: 16,
  asn: 8,
  payment: 8,
  device: 8,
  tls: 8,
  userAgent: 8,
  template: 24,
  band: 32,
  systemPrompt: 4,
  model: 8,
  task: 8,
};

export interface Attr {
  kind: AttrKind;
  value: string;
  /** Hour (since the epoch) of the last use, for recency and retention. */
  lastHour: number;
  count: number;
  /** Whether the account has been entered in this value's linking index. */
  linked: boolean;
  /**
   * Templates that link (capability tasks, reasoning asks) only: 32 bits of the last use's SimHash — which
   * problem filled the frame — and how many uses brought a fill other than the one before (the first
   * counts). A frame an operator fills with ever different problems shows many; a class pasting one
   * homework question, or a person resending a prompt, one.
   */
  fill?: number;
  fills?: number;
}

export const VERIFICATION = { none: 0, verified: 1, failed: 2 } as const;

export interface AccountState {
  requests: number;
  /** Event times in seconds (the blob has no use for milliseconds). */
  firstSec: number;
  lastSec: number;
  createdSec: number | null;
  verification: (typeof VERIFICATION)[keyof typeof VERIFICATION];
  suspendedSec: number | null;
  suspensions: number;
  orgId: string | null;
  emailDomain: string | null;
  /** Sorted by idx. */
  buckets: Bucket[];
  /** Sorted, distinct slot numbers since the epoch. */
  slots: number[];
  attrs: Attr[];
  /** 32-bit hashes of recent event ids, with their event time (s), for de-duplication within the lateness. */
  recentIds: { hash: number; sec: number }[];
}

export function emptyState(): AccountState {
  return {
    requests: 0,
    firstSec: 0,
    lastSec: 0,
    createdSec: null,
    verification: VERIFICATION.none,
    suspendedSec: null,
    suspensions: 0,
    orgId: null,
    emailDomain: null,
    buckets: [],
    slots: [],
    attrs: [],
    recentIds: [],
  };
}

/** A value an account started to use (or used again on a new day): the linking index must know it. */
export interface IndexEntry {
  readonly kind: AttrKind;
  readonly value: string;
  /** Day number (event time) of the use. */
  readonly day: number;
}

export const INDEXED_KINDS: ReadonlySet<AttrKind> = new Set([
  'network',
  'payment',
  'device',
  'tls',
  'template',
  'band',
  'systemPrompt',
]);
/** SimHash bands are indexed once the account repeats them; templates (of reasoning prompts) at once. */
const MIN_USES_TO_INDEX: Partial<Record<AttrKind, number>> = { band: 3 };

/**
 * Prompt families link accounts only through prompts that ask for reasoning or that are capability
 * tasks (maths, code, agentic, science, logic: what a distiller harvests, with or without an ask), or,
 * when neither is known (a producer of the older contract sent fingerprints only), that received a
 * long reasoning trace. Ordinary writing and chat families are shared by strangers all the time and
 * would join unrelated people into one component; a family used by more accounts than the linking
 * cap links nobody anyway.
 */
function familyLinks(o: Observation): boolean {
  if (o.reasoningKnown && o.elicitsReasoning) return true;
  if (o.task !== undefined) return CAPABILITY_TASKS.has(o.task);
  return o.reasoningKnown ? false : o.reasoningTokens > o.outputTokens;
}

export type ObservationOutcome = 'applied' | 'duplicate' | 'late';

export interface FoldContext {
  readonly settings: WindowSettings;
  /** The partition's watermark before this observation: max event time seen less the lateness. */
  readonly watermarkMs: number;
  readonly eventIdHash: number;
  /** Collects the index entries this fold creates. */
  readonly index: (entry: IndexEntry) => void;
}

/** Folds one observation into the state (mutating it). The caller checks lateness first. */
export function foldObservation(s: AccountState, o: Observation, ctx: FoldContext): ObservationOutcome {
  if (o.tsMs < ctx.watermarkMs) return 'late';
  if (s.recentIds.some((r) => r.hash === ctx.eventIdHash)) return 'duplicate';
  const sec = Math.floor(o.tsMs / 1000);
  s.recentIds.push({ hash: ctx.eventIdHash, sec });
  if (s.firstSec === 0 || sec < s.firstSec) s.firstSec = sec;
  if (sec > s.lastSec) s.lastSec = sec;
  if (o.orgId !== undefined) s.orgId = o.orgId;
  if (o.emailDomain !== undefined) s.emailDomain = o.emailDomain;
  const hour = Math.floor(o.tsMs / 3_600_000);
  const touch = (kind: AttrKind, value: string | undefined, linkable = true): Attr | undefined => {
    if (value === undefined) return undefined;
    return touchAttr(s, kind, value, hour, linkable ? ctx.index : undefined);
  };
  touch('payment', o.payment);

  if (o.type === 'account') {
    switch (o.action) {
      case 'created':
        if (s.createdSec === null || sec < s.createdSec) s.createdSec = sec;
        break;
      case 'verified':
        s.verification = VERIFICATION.verified;
        break;
      case 'verification_failed':
        s.verification = VERIFICATION.failed;
        break;
      case 'suspended':
        s.suspendedSec = sec;
        s.suspensions += 1;
        break;
      case 'reinstated':
        s.suspendedSec = null;
        break;
      default:
        break;
    }
    touch('network', o.network);
    touch('device', o.device);
    return 'applied';
  }

  s.requests += 1;
  const b = bucketFor(s, Math.floor(o.tsMs / ctx.settings.bucketMs));
  b.requests += 1;
  b.inputTokens += o.inputTokens;
  b.outputTokens += o.outputTokens;
  b.reasoningTokens += o.reasoningTokens;
  if (o.elicitsReasoning) b.elicit += 1;
  if (o.status === 'error') b.errors += 1;
  else if (o.status === 'rate_limited') b.rateLimited += 1;
  else if (o.status === 'refused') b.refused += 1;
  addSlot(s, Math.floor(o.tsMs / ctx.settings.slotMs));
  // The card on file pays for every request, so it stays in the account's window (and its day in
  // the linking index) while the account is active, not only in the hour it was added: a farm's
  // shared cards were otherwise out of its window a day after sign-up.
  if (o.payment === undefined) {
    const card = cardOnFile(s);
    if (card !== undefined) touch('payment', card);
  }
  touch('network', o.network);
  touch('asn', o.asn === undefined ? undefined : String(o.asn));
  touch('device', o.device);
  touch('tls', o.tls);
  touch('userAgent', o.userAgent);
  touch('model', o.model);
  touch('systemPrompt', o.systemPrompt);
  // The task mix of the account (counts per category); never a linking value: every maths student shares "math".
  touch('task', o.task, false);
  const family = familyLinks(o);
  const template = touch('template', o.template, family);
  if (template !== undefined && template.count === 1) b.newTemplates += 1;
  if (template !== undefined && family && o.fill !== undefined) noteFill(template, o.fill);
  for (const band of o.bands) touch('band', band, family);
  return 'applied';
}

/** The payment instrument the account added or used last. */
function cardOnFile(s: AccountState): string | undefined {
  let card: Attr | undefined;
  for (const a of s.attrs) if (a.kind === 'payment' && (card === undefined || a.lastHour >= card.lastHour)) card = a;
  return card?.value;
}

function noteFill(a: Attr, fill: number): void {
  if (a.fill !== fill) a.fills = Math.min((a.fills ?? 0) + 1, 0xffff);
  a.fill = fill;
}

/**
 * The account's attribute for this value, created or updated. `index` is absent when this use must not enter the
 * value's linking index.
 */
function touchAttr(
  s: AccountState,
  kind: AttrKind,
  value: string,
  hour: number,
  index: ((e: IndexEntry) => void) | undefined,
): Attr {
  let a: Attr | undefined;
  for (const x of s.attrs) {
    if (x.value === value && x.kind === kind) {
      a = x;
      break;
    }
  }
  const isNew = a === undefined;
  const before = a === undefined ? null : a;
  const prevDay = before === null ? -1 : Math.floor(before.lastHour / 24);
  if (a === undefined) {
    a = { kind, value, lastHour: hour, count: 0, linked: false };
    s.attrs.push(a);
  }
  a.count = Math.min(a.count + 1, 0xffff);
  if (hour > a.lastHour) a.lastHour = hour;
  if (index !== undefined && INDEXED_KINDS.has(kind) && a.count >= (MIN_USES_TO_INDEX[kind] ?? 1)) {
    // Index when the value becomes eligible, and again on each new day of use, so the index key's
    // TTL is refreshed for as long as the account keeps using the value.
    if (!a.linked || Math.floor(a.lastHour / 24) > prevDay) index({ kind, value, day: Math.floor(hour / 24) });
    a.linked = true;
  }
  if (isNew) evictOverCap(s, kind);
  return a;
}

function evictOverCap(s: AccountState, kind: AttrKind): void {
  // Counted in place: this runs for every value an account uses for the first time, and a filtered copy of the
  // account's values per call was a ninth of everything the worker allocated (a heap sampling profile of bench:ingest).
  let same = 0;
  /** The least recently used, then the least used, of the kind (never the one just added: it is the most recent). */
  let victim = -1;
  for (let i = 0; i < s.attrs.length; i++) {
    const a = s.attrs[i] as Attr;
    if (a.kind !== kind) continue;
    same++;
    const v = s.attrs[victim];
    if (v === undefined || a.lastHour < v.lastHour || (a.lastHour === v.lastHour && a.count < v.count)) victim = i;
  }
  if (same > ATTR_CAPS[kind]) s.attrs.splice(victim, 1);
}

function bucketFor(s: AccountState, idx: number): Bucket {
  // Buckets are few and mostly appended at the end; search from the back.
  for (let i = s.buckets.length - 1; i >= 0; i--) {
    const b = s.buckets[i] as Bucket;
    if (b.idx === idx) return b;
    if (b.idx < idx) {
      const nb = newBucket(idx);
      s.buckets.splice(i + 1, 0, nb);
      return nb;
    }
  }
  const nb = newBucket(idx);
  s.buckets.unshift(nb);
  return nb;
}

/** An empty bucket (tests build states from it too). */
export function newBucket(idx: number): Bucket {
  return {
    idx,
    requests: 0,
    inputTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    elicit: 0,
    errors: 0,
    rateLimited: 0,
    refused: 0,
    newTemplates: 0,
  };
}

function addSlot(s: AccountState, slot: number): void {
  const a = s.slots;
  const last = a[a.length - 1];
  if (last === undefined || slot > last) {
    a.push(slot);
    return;
  }
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < slot) lo = mid + 1;
    else hi = mid;
  }
  if (a[lo] !== slot) a.splice(lo, 0, slot);
}

/** Drops what is older than the retention (relative to the partition's event time `nowMs`). */
export function pruneState(s: AccountState, nowMs: number, settings: WindowSettings): void {
  const horizon = nowMs - settings.retentionMs;
  const minBucket = Math.floor(horizon / settings.bucketMs);
  const minSlot = Math.floor(horizon / settings.slotMs);
  const minHour = Math.floor(horizon / 3_600_000);
  if (s.buckets.length > 0 && (s.buckets[0] as Bucket).idx < minBucket)
    s.buckets = s.buckets.filter((b) => b.idx >= minBucket);
  if (s.slots.length > 0 && (s.slots[0] as number) < minSlot) s.slots = s.slots.filter((x) => x >= minSlot);
  if (s.attrs.some((a) => a.lastHour < minHour)) s.attrs = s.attrs.filter((a) => a.lastHour >= minHour);
  const idHorizon = Math.floor((nowMs - settings.latenessMs) / 1000) - 1;
  s.recentIds = s.recentIds.filter((r) => r.sec >= idHorizon);
}
