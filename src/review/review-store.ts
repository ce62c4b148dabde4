/**
 * What analysts decide, kept in Redis next to the clusterer's state (same `{clusterer}` hash tag):
 * a verdict per cluster, allowlisted values with their expiry, and the audit log. Every change is
 * one script call that checks the field still holds what the analyst saw and appends its audit
 * entry in the same step, so the log never misses a change and never records one that did not land.
 * The clusterer reads verdicts and allowlist before each tick (`reviewPolicy`).
 */
import type { RedisClient } from '../redis/client.ts';
import { FarmwatchError } from '../errors/farmwatch-error.ts';
import type { ClusterRecord, ClusterVerdict, ReasonOut } from '../clustering/cluster-registry.ts';
import type { AllowlistKind, ReviewPolicy } from '../clustering/clusterer.ts';
import type { KeySpace } from '../redis/keys.ts';

export const DISMISS_CATEGORIES = [
  'legitimate_org',
  'research_or_benchmark',
  'shared_infrastructure',
  'test_traffic',
  'detector_error',
  'other',
] as const;
export type DismissCategory = (typeof DISMISS_CATEGORIES)[number];

export const ROLES = ['viewer', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Decision extends ClusterVerdict {
  readonly clusterId: string;
  readonly by: string;
  readonly atMs: number;
  readonly category: DismissCategory | null;
  readonly note: string;
  /** Reason codes the verdict was given on: a dismissal excuses its members for these only. */
  readonly codes: readonly string[];
  /** Members when the verdict was given. */
  readonly members: readonly string[];
}

export interface AllowlistEntry {
  readonly kind: AllowlistKind;
  readonly value: string;
  readonly reason: string;
  readonly by: string;
  readonly atMs: number;
  readonly expiresAtMs: number;
}

/** The cluster as the analyst saw it when acting: it travels with the decision in the audit log. */
export interface EvidenceSnapshot {
  readonly clusterId: string;
  readonly band: string;
  readonly score: number;
  readonly coordination: number;
  readonly intent: number;
  readonly size: number;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  readonly windowFromMs: number;
  readonly windowToMs: number;
  readonly reasons: readonly ReasonOut[];
  readonly members: readonly string[];
}

export const AUDIT_ACTIONS = ['confirm', 'dismiss', 'undo', 'allowlist_add', 'allowlist_remove'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  readonly seq: number;
  readonly atMs: number;
  readonly actor: string;
  readonly role: Role;
  readonly action: AuditAction;
  readonly clusterId: string | null;
  readonly target: { readonly kind: AllowlistKind; readonly value: string } | null;
  readonly category: DismissCategory | null;
  readonly note: string;
  /** Verification requests this action sent. */
  readonly requestsSent: number;
  readonly evidence: EvidenceSnapshot | null;
}

const allowlistField = (kind: AllowlistKind, value: string) => `${kind}|${value}`;

export class ReviewStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
  ) {}

  async records(): Promise<ClusterRecord[]> {
    return (await this.redis.hvals(this.keys.clusterRecords())).map((r) => JSON.parse(r) as ClusterRecord);
  }

  async record(id: string): Promise<ClusterRecord | null> {
    const raw = await this.redis.hget(this.keys.clusterRecords(), id);
    return raw === null ? null : (JSON.parse(raw) as ClusterRecord);
  }

  async decisions(): Promise<Map<string, Decision>> {
    const all = await this.redis.hgetall(this.keys.reviewDecisions());
    return new Map(Object.entries(all).map(([id, raw]) => [id, JSON.parse(raw) as Decision]));
  }

  /** The verdict and the raw value it is stored as (what a change must be conditioned on). */
  async decision(id: string): Promise<{ decision: Decision | null; raw: string }> {
    const raw = (await this.redis.hget(this.keys.reviewDecisions(), id)) ?? '';
    return { decision: raw === '' ? null : (JSON.parse(raw) as Decision), raw };
  }

  /** Sets (or with null removes) a cluster's verdict; throws ConflictError when it changed meanwhile. */
  async changeDecision(
    id: string,
    seenRaw: string,
    next: Decision | null,
    audit: Omit<AuditEntry, 'seq'>,
  ): Promise<number> {
    return this.change(this.keys.reviewDecisions(), id, seenRaw, next === null ? '' : JSON.stringify(next), audit);
  }

  /** Entries not yet expired at `nowMs`. */
  async allowlist(nowMs: number): Promise<AllowlistEntry[]> {
    const all = await this.redis.hvals(this.keys.reviewAllowlist());
    return all.map((raw) => JSON.parse(raw) as AllowlistEntry).filter((e) => e.expiresAtMs > nowMs);
  }

  async allowlistEntry(kind: AllowlistKind, value: string): Promise<{ entry: AllowlistEntry | null; raw: string }> {
    const raw = (await this.redis.hget(this.keys.reviewAllowlist(), allowlistField(kind, value))) ?? '';
    return { entry: raw === '' ? null : (JSON.parse(raw) as AllowlistEntry), raw };
  }

  async changeAllowlist(
    kind: AllowlistKind,
    value: string,
    seenRaw: string,
    next: AllowlistEntry | null,
    audit: Omit<AuditEntry, 'seq'>,
  ): Promise<number> {
    return this.change(
      this.keys.reviewAllowlist(),
      allowlistField(kind, value),
      seenRaw,
      next === null ? '' : JSON.stringify(next),
      audit,
    );
  }

  private async change(
    hash: string,
    field: string,
    seenRaw: string,
    nextRaw: string,
    audit: Omit<AuditEntry, 'seq'>,
  ): Promise<number> {
    const seq = await this.redis.fwReviewRecordV1(
      2,
      hash,
      this.keys.reviewAudit(),
      field,
      seenRaw,
      nextRaw,
      JSON.stringify(audit),
    );
    if (seq === 0) throw new FarmwatchError('CONFLICT', 'changed by someone else meanwhile: reload and try again');
    return seq;
  }

  async auditCount(): Promise<number> {
    return this.redis.llen(this.keys.reviewAudit());
  }

  /** Newest first: entries `offset … offset+limit-1` counting back from the newest. */
  async auditPage(offset: number, limit: number): Promise<{ total: number; entries: AuditEntry[] }> {
    const total = await this.auditCount();
    const stop = total - 1 - offset;
    if (stop < 0 || limit === 0) return { total, entries: [] };
    const start = Math.max(0, stop - limit + 1);
    const raws = await this.redis.lrange(this.keys.reviewAudit(), start, stop);
    const entries = raws
      .map((raw, i) => ({ ...(JSON.parse(raw) as Omit<AuditEntry, 'seq'>), seq: start + i + 1 }))
      .reverse();
    return { total, entries };
  }

  /** Oldest first, in chunks, for export. */
  async *auditAll(chunk = 500): AsyncGenerator<AuditEntry> {
    const total = await this.auditCount();
    for (let start = 0; start < total; start += chunk) {
      const raws = await this.redis.lrange(this.keys.reviewAudit(), start, Math.min(total, start + chunk) - 1);
      for (let i = 0; i < raws.length; i++)
        yield { ...(JSON.parse(raws[i] as string) as Omit<AuditEntry, 'seq'>), seq: start + i + 1 };
    }
  }
}

/** The clusterer's view of the analysts' work: verdicts to apply, excused accounts, allowlisted values. */
export async function loadReviewPolicy(
  store: ReviewStore,
  nowMs: number,
): Promise<{ verdicts: Map<string, Decision>; policy: ReviewPolicy }> {
  const [verdicts, allowlist] = await Promise.all([store.decisions(), store.allowlist(nowMs)]);
  return { verdicts, policy: reviewPolicy([...verdicts.values()], allowlist) };
}

export function reviewPolicy(decisions: readonly Decision[], allowlist: readonly AllowlistEntry[]): ReviewPolicy {
  const dismissedFor = new Map<string, Set<string>[]>();
  for (const d of decisions) {
    if (d.status !== 'dismissed') continue;
    const codes = new Set(d.codes);
    for (const m of d.members) {
      const list = dismissedFor.get(m);
      if (list) list.push(codes);
      else dismissedFor.set(m, [codes]);
    }
  }
  const allowed = new Set(allowlist.map((e) => allowlistField(e.kind, e.value)));
  return {
    excusals: {
      // Excused only while the evidence is what the analyst judged: a new kind of evidence flags again.
      isExcused: (accountId, codes) =>
        (dismissedFor.get(accountId) ?? []).some((judged) => codes.every((c) => judged.has(c))),
    },
    allowlisted: (kind, value) => allowed.has(allowlistField(kind, value)),
  };
}
