/**
 * Cluster identity and flagging, pure. A group found at a tick takes the id of the existing cluster
 * most of its members already belong to (so a cluster that grows keeps its id, and its new members,
 * successors included, get their requests); otherwise a new deterministic id. Clusters in the verify
 * band emit one verification request per member not yet sent for any cluster, skipping accounts
 * already verified or excused by an analyst.
 */
import { hash64Hex } from '../fingerprint/hash.ts';
import type { Assessment, Band } from './scoring.ts';

export const CLUSTER_STATUSES = ['open', 'confirmed', 'dismissed'] as const;
export type ClusterStatus = (typeof CLUSTER_STATUSES)[number];

export interface ReasonOut {
  readonly code: string;
  readonly weight: number;
  readonly score: number;
  readonly detail: string;
}

export interface ClusterRecord {
  readonly id: string;
  status: ClusterStatus;
  band: Band;
  score: number;
  coordination: number;
  intent: number;
  members: string[];
  /** Input partition of each member (aligned with `members`): where its window lives in Redis. */
  memberPartitions: number[];
  firstSeenMs: number;
  lastSeenMs: number;
  windowFromMs: number;
  windowToMs: number;
  reasons: ReasonOut[];
  /**
   * Members a verification request was sent for: under this cluster's id, or under the id of the cluster they came
   * from.
   */
  requested: string[];
  /**
   * Set once every member has moved to another cluster: the one they moved to. A farm is often first
   * found as a few fragments (bursts of sign-ups not yet tied to the rest) that a later tick finds
   * as one; the fragments stay on record, pointing at the whole.
   */
  mergedInto?: string;
}

export interface VerificationRequest {
  readonly request_id: string;
  readonly account_id: string;
  readonly cluster_id: string;
  readonly score: number;
  readonly reasons: readonly { code: string; weight: number; detail: string }[];
  readonly detected_at: string;
  readonly emitted_at: string;
  readonly detector_version: string;
}

export interface FoundGroup {
  readonly members: readonly string[];
  /** Input partition of each member, when known (the review page reads members' windows by it). */
  readonly partitions?: ReadonlyMap<string, number>;
  readonly assessment: Assessment;
  /** Members whose identity is already verified: never asked again. */
  readonly verified: ReadonlySet<string>;
  /** A reason of a member's own, put first in its request: why an account that sent nothing rides on the group. */
  readonly notes?: ReadonlyMap<string, RequestReason>;
}

export interface RequestReason {
  readonly code: string;
  readonly weight: number;
  readonly detail: string;
}

export interface Excusals {
  /** Whether an analyst dismissed this account for evidence that covers `codes`. */
  isExcused(accountId: string, codes: readonly string[]): boolean;
}

/** What an analyst decided about a cluster, as the clusterer needs it (review/review-store.ts keeps the rest). */
export interface ClusterVerdict {
  readonly status: Exclude<ClusterStatus, 'open'>;
  /** Accounts the review service already sent verification requests for, when it confirmed. */
  readonly requested: readonly string[];
}

export const DETECTOR_VERSION = 'farmwatch-0.1.0';

export function requestId(accountId: string, clusterId: string): string {
  return `vr_${hash64Hex(`${accountId}\u0000${clusterId}`)}`;
}

/** The reasons a verification request carries: the findings that weigh in the score. */
export function requestReasons(record: ClusterRecord): { code: string; weight: number; detail: string }[] {
  return record.reasons
    .filter((r) => r.score >= 0.2)
    .map((r) => ({ code: r.code, weight: r.weight, detail: r.detail }));
}

/** The output contract's message for one member of a flagged (or analyst-confirmed) cluster. */
export function verificationRequest(
  record: ClusterRecord,
  accountId: string,
  detectedMs: number,
  emittedAt: string,
  own?: RequestReason,
): VerificationRequest {
  const reasons = own === undefined ? requestReasons(record) : [{ ...own }, ...requestReasons(record)];
  return {
    request_id: requestId(accountId, record.id),
    account_id: accountId,
    cluster_id: record.id,
    score: record.score,
    reasons:
      reasons.length > 0
        ? reasons
        : [{ code: 'fingerprint_cohesion', weight: 0, detail: 'Member of a cluster scored over the verify band.' }],
    detected_at: new Date(detectedMs).toISOString(),
    emitted_at: emittedAt,
    detector_version: DETECTOR_VERSION,
  };
}

/**
 * Sets over records' member and request lists, which are only ever appended to: brought up to date
 * with what was appended since the last look instead of rebuilt. At full scale a tick hands the
 * 24,000-member farm's record many groups, and rebuilding two 24,000-entry sets for each was a third
 * of the backtest's time.
 */
const listSets = new WeakMap<readonly string[], { set: Set<string>; seen: number }>();
function setOf(list: readonly string[]): ReadonlySet<string> {
  let e = listSets.get(list);
  if (e === undefined || e.seen > list.length) listSets.set(list, (e = { set: new Set(), seen: 0 }));
  for (; e.seen < list.length; e.seen++) e.set.add(list[e.seen] as string);
  return e.set;
}

export class ClusterRegistry {
  readonly clusters = new Map<string, ClusterRecord>();
  private readonly clusterOf = new Map<string, string>();
  /** How many accounts each cluster is the current cluster of. */
  private readonly current = new Map<string, number>();
  /**
   * Accounts a request was sent for under any cluster. A farm is often first seen as several small
   * groups (a burst of sign-ups not yet tied to the rest) that a later tick finds as one; the members
   * then move to the bigger cluster, and asking the verification service about them again under its
   * id would only duplicate work (the 5% incident sent 1,251 requests for 1,200 accounts).
   */
  private readonly requestedAnywhere = new Set<string>();

  constructor(records: readonly ClusterRecord[] = []) {
    for (const r of records) this.adopt(r);
  }

  private adopt(r: ClusterRecord): void {
    this.clusters.set(r.id, r);
    // A merged fragment's members belong to the cluster it points at, whichever record comes first.
    if (r.mergedInto === undefined) for (const m of r.members) this.moveTo(m, r.id);
    for (const m of r.requested) this.requestedAnywhere.add(m);
  }

  /** Makes `id` the account's current cluster; returns the cluster it left, if that has no account left. */
  private moveTo(accountId: string, id: string): string | undefined {
    const prev = this.clusterOf.get(accountId);
    if (prev === id) return undefined;
    this.clusterOf.set(accountId, id);
    this.current.set(id, (this.current.get(id) ?? 0) + 1);
    if (prev === undefined) return undefined;
    const left = (this.current.get(prev) ?? 1) - 1;
    this.current.set(prev, left);
    return left === 0 ? prev : undefined;
  }

  /**
   * Brings the analysts' verdicts in before a tick: a cluster without one is open; requests sent by
   * the review service count as sent, so the clusterer does not send them again.
   */
  applyVerdicts(verdicts: ReadonlyMap<string, ClusterVerdict>): void {
    for (const record of this.clusters.values()) {
      const v = verdicts.get(record.id);
      record.status = v?.status ?? 'open';
      if (v && v.requested.length > 0) {
        const have = setOf(record.requested);
        for (const m of v.requested) if (!have.has(m)) record.requested.push(m);
        for (const m of v.requested) this.requestedAnywhere.add(m);
      }
    }
  }

  /** Whether a verification request was sent for the account, under any cluster. */
  wasRequested(accountId: string): boolean {
    return this.requestedAnywhere.has(accountId);
  }

  clusterFor(accountId: string): string | undefined {
    return this.clusterOf.get(accountId);
  }

  update(
    groups: readonly FoundGroup[],
    tickMs: number,
    windowFromMs: number,
    excusals: Excusals,
    emittedAt: (tickMs: number) => string,
  ): { requests: VerificationRequest[]; changed: ClusterRecord[] } {
    const requests: VerificationRequest[] = [];
    const changed: ClusterRecord[] = [];
    for (const g of groups) {
      if (g.assessment.band === 'none') continue;
      const { record, emptied } = this.recordFor(g, tickMs, windowFromMs);
      for (const id of emptied) {
        const fragment = this.clusters.get(id);
        if (fragment === undefined) continue;
        fragment.mergedInto = record.id;
        changed.push(fragment);
      }
      record.band = g.assessment.band;
      record.score = round(g.assessment.score);
      record.coordination = round(g.assessment.coordination);
      record.intent = round(g.assessment.intent);
      record.lastSeenMs = tickMs;
      record.windowFromMs = windowFromMs;
      record.windowToMs = tickMs;
      record.reasons = g.assessment.findings
        .filter((f) => f.score > 0.05 && f.weight > 0)
        .map((f) => ({ code: f.code, weight: f.weight, score: round(f.score), detail: f.detail }));
      changed.push(record);
      const sendable = record.band === 'verify' || record.status === 'confirmed';
      if (!sendable || record.status === 'dismissed') continue;
      const codes = requestReasons(record).map((r) => r.code);
      for (const m of g.members) {
        if (this.requestedAnywhere.has(m) || g.verified.has(m) || excusals.isExcused(m, codes)) continue;
        this.requestedAnywhere.add(m);
        record.requested.push(m);
        requests.push(verificationRequest(record, m, tickMs, emittedAt(tickMs), g.notes?.get(m)));
      }
    }
    return { requests, changed };
  }

  private recordFor(g: FoundGroup, tickMs: number, windowFromMs: number): { record: ClusterRecord; emptied: string[] } {
    const votes = new Map<string, number>();
    for (const m of g.members) {
      const id = this.clusterOf.get(m);
      if (id !== undefined) votes.set(id, (votes.get(id) ?? 0) + 1);
    }
    let best: string | undefined;
    let bestVotes = 0;
    for (const [id, n] of [...votes].sort(([a], [b]) => a.localeCompare(b))) {
      if (n > bestVotes) {
        best = id;
        bestVotes = n;
      }
    }
    let record = best !== undefined && bestVotes >= Math.min(2, g.members.length) ? this.clusters.get(best) : undefined;
    if (record === undefined) {
      const sorted = [...g.members].sort();
      record = {
        id: `c_${hash64Hex(`${sorted.slice(0, 16).join('\u0000')}\u0000${tickMs}`).slice(0, 12)}`,
        status: 'open',
        band: 'none',
        score: 0,
        coordination: 0,
        intent: 0,
        members: [],
        memberPartitions: [],
        firstSeenMs: tickMs,
        lastSeenMs: tickMs,
        windowFromMs,
        windowToMs: tickMs,
        reasons: [],
        requested: [],
      };
      this.clusters.set(record.id, record);
    }
    const have = setOf(record.members);
    // Records stored before members' partitions were kept have none: unknown (-1) for the old members.
    if (record.memberPartitions === undefined) record.memberPartitions = record.members.map(() => -1);
    const requested = setOf(record.requested);
    const emptied: string[] = [];
    for (const m of g.members) {
      if (!have.has(m)) {
        record.members.push(m);
        record.memberPartitions.push(g.partitions?.get(m) ?? -1);
      }
      // A member that came from another cluster carries its request along: the review page shows it
      // as asked, and confirming this cluster does not ask again.
      if (this.requestedAnywhere.has(m) && !requested.has(m)) record.requested.push(m);
      const left = this.moveTo(m, record.id);
      if (left !== undefined) emptied.push(left);
    }
    return { record, emptied };
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
