/**
 * Cluster identity and flagging, pure. A group found at a tick takes the id of the existing cluster
 * most of its members already belong to (so a cluster that grows keeps its id, and its new members,
 * successors included, get their requests); otherwise a new deterministic id. Clusters in the verify
 * band emit one verification request per member not yet sent for that cluster, skipping accounts
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
  firstSeenMs: number;
  lastSeenMs: number;
  windowFromMs: number;
  windowToMs: number;
  reasons: ReasonOut[];
  /** Accounts a verification request was sent for, under this cluster. */
  requested: string[];
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
  readonly assessment: Assessment;
  /** Members whose identity is already verified: never asked again. */
  readonly verified: ReadonlySet<string>;
}

export interface Excusals {
  /** Accounts an analyst dismissed or allowlisted. */
  isExcused(accountId: string): boolean;
}

export const DETECTOR_VERSION = 'farmwatch-0.1.0';

export function requestId(accountId: string, clusterId: string): string {
  return `vr_${hash64Hex(`${accountId}\u0000${clusterId}`)}`;
}

export class ClusterRegistry {
  readonly clusters = new Map<string, ClusterRecord>();
  private readonly clusterOf = new Map<string, string>();

  constructor(records: readonly ClusterRecord[] = []) {
    for (const r of records) this.adopt(r);
  }

  private adopt(r: ClusterRecord): void {
    this.clusters.set(r.id, r);
    for (const m of r.members) this.clusterOf.set(m, r.id);
  }

  clusterFor(accountId: string): string | undefined {
    return this.clusterOf.get(accountId);
  }

  update(groups: readonly FoundGroup[], tickMs: number, windowFromMs: number, excusals: Excusals, emittedAt: (tickMs: number) => string): { requests: VerificationRequest[]; changed: ClusterRecord[] } {
    const requests: VerificationRequest[] = [];
    const changed: ClusterRecord[] = [];
    for (const g of groups) {
      if (g.assessment.band === 'none') continue;
      const record = this.recordFor(g, tickMs, windowFromMs);
      record.band = g.assessment.band;
      record.score = round(g.assessment.score);
      record.coordination = round(g.assessment.coordination);
      record.intent = round(g.assessment.intent);
      record.lastSeenMs = tickMs;
      record.windowFromMs = windowFromMs;
      record.windowToMs = tickMs;
      record.reasons = g.assessment.findings.filter((f) => f.score > 0.05 && f.weight > 0).map((f) => ({ code: f.code, weight: f.weight, score: round(f.score), detail: f.detail }));
      changed.push(record);
      const sendable = record.band === 'verify' || record.status === 'confirmed';
      if (!sendable || record.status === 'dismissed') continue;
      const already = new Set(record.requested);
      const reasons = record.reasons.filter((r) => r.score >= 0.2).map((r) => ({ code: r.code, weight: r.weight, detail: r.detail }));
      for (const m of g.members) {
        if (already.has(m) || g.verified.has(m) || excusals.isExcused(m)) continue;
        record.requested.push(m);
        requests.push({
          request_id: requestId(m, record.id),
          account_id: m,
          cluster_id: record.id,
          score: record.score,
          reasons: reasons.length > 0 ? reasons : [{ code: 'fingerprint_cohesion', weight: 0, detail: 'Member of a cluster scored over the verify band.' }],
          detected_at: new Date(tickMs).toISOString(),
          emitted_at: emittedAt(tickMs),
          detector_version: DETECTOR_VERSION,
        });
      }
    }
    return { requests, changed };
  }

  private recordFor(g: FoundGroup, tickMs: number, windowFromMs: number): ClusterRecord {
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
        firstSeenMs: tickMs,
        lastSeenMs: tickMs,
        windowFromMs,
        windowToMs: tickMs,
        reasons: [],
        requested: [],
      };
      this.clusters.set(record.id, record);
    }
    const have = new Set(record.members);
    for (const m of g.members) {
      if (!have.has(m)) record.members.push(m);
      this.clusterOf.set(m, record.id);
    }
    return record;
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
