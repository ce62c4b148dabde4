/**
 * The review stage's logic, behind the HTTP API and the CLI: listing and explaining clusters from the
 * clusterer's records and the members' windows, and the analysts' actions — confirm (sends the
 * verification requests of a review-band cluster), dismiss with a reason, allowlist a value, undo —
 * each recorded with the cluster's evidence in the audit log.
 */
import { FarmwatchError } from '../errors/farmwatch-error.ts';
import { networkPrefix } from '../fingerprint/network.ts';
import {
  requestReasons,
  verificationRequest,
  type ClusterRecord,
  type ClusterStatus,
} from '../clustering/cluster-registry.ts';
import type { AllowlistKind } from '../clustering/clusterer.ts';
import type { MessageProducer } from '../kafka/port.ts';
import type { AttrKind } from '../windows/account-state.ts';
import type { AccountSnapshot } from '../windows/account-snapshot.ts';
import type { AccountRef, WindowReader } from '../windows/window-reader.ts';
import type { Principal } from './access.ts';
import {
  activityMatrix,
  buildClusterView,
  featureWindow,
  indexedSharedValues,
  type ActivityMatrix,
  type ClusterView,
  type MemberView,
} from './cluster-view.ts';
import {
  loadReviewPolicy,
  type AllowlistEntry,
  type AuditEntry,
  type Decision,
  type DismissCategory,
  type EvidenceSnapshot,
  type ReviewStore,
} from './review-store.ts';

export const CLUSTER_SORTS = ['score', 'size', 'first_seen', 'last_seen'] as const;
export type ClusterSort = (typeof CLUSTER_SORTS)[number];
export const MEMBER_SORTS = ['requests', 'elicitation', 'age', 'account'] as const;
export type MemberSort = (typeof MEMBER_SORTS)[number];

export interface ClusterListQuery {
  readonly status?: ClusterStatus;
  readonly band?: 'verify' | 'review';
  readonly q?: string;
  readonly sort: ClusterSort;
  readonly order: 'asc' | 'desc';
  readonly offset: number;
  readonly limit: number;
}

export interface ClusterSummary {
  readonly id: string;
  readonly status: ClusterStatus;
  readonly band: string;
  readonly score: number;
  readonly size: number;
  readonly requested: number;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  readonly topReasons: readonly { code: string; detail: string }[];
  /** Reason codes the cluster shows now that its dismissal did not cover. */
  readonly newEvidence: readonly string[];
  readonly decision: Pick<Decision, 'status' | 'by' | 'atMs' | 'category' | 'note'> | null;
  /** The cluster all its accounts moved to, when it was a fragment of a bigger one. */
  readonly mergedInto: string | null;
}

export interface ReviewServiceDeps {
  readonly store: ReviewStore;
  readonly reader: WindowReader;
  readonly inputTopic: string;
  readonly bucketMs: number;
  readonly slotMs: number;
  /** Where confirmations send verification requests; null makes confirm record the verdict only. */
  readonly producer: MessageProducer | null;
  readonly verificationTopic: string;
  readonly now?: () => number;
}

const VIEW_CACHE = 4;

export class ReviewService {
  private readonly views = new Map<string, Promise<ClusterView>>();

  constructor(private readonly d: ReviewServiceDeps) {}

  private now(): number {
    return this.d.now?.() ?? Date.now();
  }

  async list(q: ClusterListQuery): Promise<{ total: number; items: ClusterSummary[] }> {
    const [records, decisions] = await Promise.all([this.d.store.records(), this.d.store.decisions()]);
    let items = records.map((r) => summarize(r, decisions.get(r.id) ?? null));
    if (q.status) items = items.filter((c) => c.status === q.status);
    if (q.band) items = items.filter((c) => c.band === q.band);
    if (q.q) {
      const needle = q.q;
      const byId = new Set(records.filter((r) => r.id.includes(needle) || r.members.includes(needle)).map((r) => r.id));
      items = items.filter((c) => byId.has(c.id));
    }
    const key: Record<ClusterSort, (c: ClusterSummary) => number> = {
      score: (c) => c.score,
      size: (c) => c.size,
      first_seen: (c) => c.firstSeenMs,
      last_seen: (c) => c.lastSeenMs,
    };
    const sign = q.order === 'asc' ? 1 : -1;
    items.sort((a, b) => sign * (key[q.sort](a) - key[q.sort](b)) || a.id.localeCompare(b.id));
    return { total: items.length, items: items.slice(q.offset, q.offset + q.limit) };
  }

  private async recordOrThrow(id: string): Promise<ClusterRecord> {
    const r = await this.d.store.record(id);
    if (r === null) throw new FarmwatchError('NOT_FOUND', `no cluster ${id}`);
    return r;
  }

  /** The view of a cluster, computed once per version of its record (members' windows read in pipelined chunks). */
  private async view(record: ClusterRecord): Promise<ClusterView> {
    const key = `${record.id}@${record.lastSeenMs}@${record.members.length}`;
    let v = this.views.get(key);
    if (v === undefined) {
      v = this.computeView(record);
      this.views.set(key, v);
      v.catch(() => this.views.delete(key));
      while (this.views.size > VIEW_CACHE) this.views.delete(this.views.keys().next().value as string);
    }
    return v;
  }

  private async computeView(record: ClusterRecord): Promise<ClusterView> {
    const refs: AccountRef[] = [];
    record.members.forEach((accountId, i) => {
      const partition = record.memberPartitions?.[i] ?? -1;
      if (partition >= 0) refs.push({ topic: this.d.inputTopic, partition, accountId });
    });
    const byRef = await this.d.reader.states(refs);
    const states = new Map<string, AccountSnapshot>();
    for (const [ref, st] of byRef) states.set(ref.accountId, st);
    const lookups = indexedSharedValues(states.values());
    const sizes = await this.d.reader.indexSizes(lookups);
    const sizeOf = new Map(lookups.map((l, i) => [`${l.kind}\u0000${l.value}`, sizes[i] ?? 0]));
    return buildClusterView(
      record,
      states,
      this.window(record),
      (kind: AttrKind, value: string) => sizeOf.get(`${kind}\u0000${value}`) ?? null,
    );
  }

  private window(record: ClusterRecord) {
    return featureWindow(record, this.d.bucketMs, this.d.slotMs);
  }

  async detail(id: string) {
    const record = await this.recordOrThrow(id);
    const [view, { decision }] = await Promise.all([this.view(record), this.d.store.decision(id)]);
    return {
      cluster: summarize(record, decision),
      coordination: record.coordination,
      intent: record.intent,
      windowFromMs: record.windowFromMs,
      windowToMs: record.windowToMs,
      reasons: record.reasons,
      shared: view.shared,
      templates: view.templates,
      histograms: view.histograms,
      members: record.members.length,
      membersWithWindow: view.members.length,
      // Without its member list: that can be 24,000 ids, and the evidence export has it.
      decision:
        decision === null
          ? null
          : {
              ...decision,
              members: [],
              requested: [],
              membersCount: decision.members.length,
              requestedCount: decision.requested.length,
            },
    };
  }

  async members(
    id: string,
    offset: number,
    limit: number,
    sort: MemberSort,
    order: 'asc' | 'desc',
  ): Promise<{ total: number; items: MemberView[] }> {
    const [view, { decision }] = await Promise.all([
      this.recordOrThrow(id).then((r) => this.view(r)),
      this.d.store.decision(id),
    ]);
    // Requests a confirmation sent are in the verdict until the clusterer takes them into the record.
    const sentByReview = new Set(decision?.requested ?? []);
    const key: Record<MemberSort, (m: MemberView) => number | string> = {
      requests: (m) => m.requests,
      elicitation: (m) => m.elicitShare,
      age: (m) => m.ageDays ?? Number.MAX_SAFE_INTEGER,
      account: (m) => m.accountId,
    };
    const sign = order === 'asc' ? 1 : -1;
    const sorted = [...view.members].sort((a, b) => {
      const x = key[sort](a);
      const y = key[sort](b);
      const c = typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number);
      return sign * c || a.accountId.localeCompare(b.accountId);
    });
    return {
      total: sorted.length,
      items: sorted
        .slice(offset, offset + limit)
        .map((m) => (sentByReview.has(m.accountId) ? { ...m, requested: true } : m)),
    };
  }

  async activity(id: string, rows: number, cols: number): Promise<ActivityMatrix> {
    const record = await this.recordOrThrow(id);
    return activityMatrix(await this.view(record), this.window(record), rows, cols);
  }

  /** Everything about a cluster, to attach to a case or share as indicators. */
  async evidence(id: string) {
    const record = await this.recordOrThrow(id);
    const [view, { decision }] = await Promise.all([this.view(record), this.d.store.decision(id)]);
    return {
      exported_at: new Date(this.now()).toISOString(),
      cluster: snapshot(record),
      decision,
      shared_values: view.shared,
      template_families: view.templates,
      histograms: view.histograms,
      members: view.members,
    };
  }

  async confirm(id: string, who: Principal, note: string): Promise<{ seq: number; requestsSent: number }> {
    const record = await this.recordOrThrow(id);
    const { decision, raw } = await this.d.store.decision(id);
    if (decision !== null)
      throw new FarmwatchError('CONFLICT', `cluster ${id} is already ${decision.status}: undo that first`);
    // Confirming is what sends a review-band cluster's accounts to verification: those not yet sent,
    // not verified, not excused by another analyst's dismissal for the same evidence.
    const view = await this.view(record);
    const { policy } = await loadReviewPolicy(this.d.store, this.now());
    const already = new Set(record.requested);
    const codes = requestReasons(record).map((r) => r.code);
    const verified = new Set(view.members.filter((m) => m.verified).map((m) => m.accountId));
    const toSend = record.members.filter(
      (m) => !already.has(m) && !verified.has(m) && !policy.excusals.isExcused(m, codes),
    );
    const nowMs = this.now();
    if (toSend.length > 0) {
      if (this.d.producer === null)
        throw new FarmwatchError(
          'CONFLICT',
          'this review service has no Kafka producer: it cannot send verification requests',
        );
      const emitted = new Date(nowMs).toISOString();
      await this.d.producer.send(
        this.d.verificationTopic,
        toSend.map((m) => {
          const q = verificationRequest(record, m, nowMs, emitted);
          return { key: q.account_id, value: JSON.stringify(q) };
        }),
      );
    }
    const next: Decision = {
      clusterId: id,
      status: 'confirmed',
      by: who.user,
      atMs: nowMs,
      category: null,
      note,
      codes,
      members: record.members,
      requested: toSend,
    };
    const seq = await this.d.store.changeDecision(
      id,
      raw,
      next,
      this.auditEntry(who, 'confirm', { clusterId: id, note, requestsSent: toSend.length, evidence: snapshot(record) }),
    );
    return { seq, requestsSent: toSend.length };
  }

  async dismiss(id: string, who: Principal, category: DismissCategory, note: string): Promise<{ seq: number }> {
    const record = await this.recordOrThrow(id);
    const { decision, raw } = await this.d.store.decision(id);
    if (decision !== null)
      throw new FarmwatchError('CONFLICT', `cluster ${id} is already ${decision.status}: undo that first`);
    const codes = record.reasons.map((r) => r.code);
    const next: Decision = {
      clusterId: id,
      status: 'dismissed',
      by: who.user,
      atMs: this.now(),
      category,
      note,
      codes,
      members: record.members,
      requested: [],
    };
    return {
      seq: await this.d.store.changeDecision(
        id,
        raw,
        next,
        this.auditEntry(who, 'dismiss', { clusterId: id, category, note, evidence: snapshot(record) }),
      ),
    };
  }

  /** Takes a verdict back: the cluster is open again. Requests a confirmation sent stay sent. */
  async undo(id: string, who: Principal, note: string): Promise<{ seq: number; undid: string }> {
    const record = await this.recordOrThrow(id);
    const { decision, raw } = await this.d.store.decision(id);
    if (decision === null) throw new FarmwatchError('CONFLICT', `cluster ${id} has no verdict to undo`);
    const seq = await this.d.store.changeDecision(
      id,
      raw,
      null,
      this.auditEntry(who, 'undo', {
        clusterId: id,
        note: note || `undo ${decision.status}`,
        evidence: snapshot(record),
      }),
    );
    return { seq, undid: decision.status };
  }

  async allowlist(): Promise<AllowlistEntry[]> {
    return (await this.d.store.allowlist(this.now())).sort((a, b) => b.atMs - a.atMs);
  }

  async allowlistAdd(
    who: Principal,
    kind: AllowlistKind,
    rawValue: string,
    reason: string,
    ttlMs: number,
  ): Promise<{ seq: number; entry: AllowlistEntry }> {
    const value = normalizeAllowlistValue(kind, rawValue);
    const { raw } = await this.d.store.allowlistEntry(kind, value);
    const nowMs = this.now();
    const entry: AllowlistEntry = { kind, value, reason, by: who.user, atMs: nowMs, expiresAtMs: nowMs + ttlMs };
    // Adding a value again (to renew it) replaces its entry; the log keeps both.
    const seq = await this.d.store.changeAllowlist(
      kind,
      value,
      raw,
      entry,
      this.auditEntry(who, 'allowlist_add', { target: { kind, value }, note: reason }),
    );
    return { seq, entry };
  }

  async allowlistRemove(who: Principal, kind: AllowlistKind, rawValue: string, note: string): Promise<{ seq: number }> {
    const value = normalizeAllowlistValue(kind, rawValue);
    const { entry, raw } = await this.d.store.allowlistEntry(kind, value);
    if (entry === null) throw new FarmwatchError('NOT_FOUND', `${kind} ${value} is not allowlisted`);
    return {
      seq: await this.d.store.changeAllowlist(
        kind,
        value,
        raw,
        null,
        this.auditEntry(who, 'allowlist_remove', { target: { kind, value }, note }),
      ),
    };
  }

  async audit(offset: number, limit: number): Promise<{ total: number; entries: AuditEntry[] }> {
    const page = await this.d.store.auditPage(offset, limit);
    // Pages carry the evidence without its member list (which can be 24,000 ids); the export has it all.
    return {
      total: page.total,
      entries: page.entries.map((e) =>
        e.evidence ? { ...e, evidence: { ...e.evidence, members: e.evidence.members.slice(0, 20) } } : e,
      ),
    };
  }

  auditExport(): AsyncGenerator<AuditEntry> {
    return this.d.store.auditAll();
  }

  private auditEntry(
    who: Principal,
    action: AuditEntry['action'],
    f: Partial<Pick<AuditEntry, 'clusterId' | 'target' | 'category' | 'note' | 'requestsSent' | 'evidence'>>,
  ): Omit<AuditEntry, 'seq'> {
    return {
      atMs: this.now(),
      actor: who.user,
      role: who.role,
      action,
      clusterId: f.clusterId ?? null,
      target: f.target ?? null,
      category: f.category ?? null,
      note: f.note ?? '',
      requestsSent: f.requestsSent ?? 0,
      evidence: f.evidence ?? null,
    };
  }
}

export function summarize(r: ClusterRecord, decision: Decision | null): ClusterSummary {
  const strong = requestReasons(r).map((x) => x.code);
  return {
    id: r.id,
    status: decision?.status ?? 'open',
    band: r.band,
    score: r.score,
    size: r.members.length,
    requested: new Set([...r.requested, ...(decision?.requested ?? [])]).size,
    firstSeenMs: r.firstSeenMs,
    lastSeenMs: r.lastSeenMs,
    topReasons: [...r.reasons]
      .sort((a, b) => b.score * b.weight - a.score * a.weight)
      .slice(0, 3)
      .map((x) => ({ code: x.code, detail: x.detail })),
    newEvidence: decision?.status === 'dismissed' ? strong.filter((c) => !decision.codes.includes(c)) : [],
    decision: decision
      ? {
          status: decision.status,
          by: decision.by,
          atMs: decision.atMs,
          category: decision.category,
          note: decision.note,
        }
      : null,
    mergedInto: r.mergedInto ?? null,
  };
}

export function snapshot(r: ClusterRecord): EvidenceSnapshot {
  return {
    clusterId: r.id,
    band: r.band,
    score: r.score,
    coordination: r.coordination,
    intent: r.intent,
    size: r.members.length,
    firstSeenMs: r.firstSeenMs,
    lastSeenMs: r.lastSeenMs,
    windowFromMs: r.windowFromMs,
    windowToMs: r.windowToMs,
    reasons: r.reasons,
    members: r.members,
  };
}

/** Allowlisted values are compared in their stored form (as the cluster page shows them): an IP becomes its prefix. */
export function normalizeAllowlistValue(kind: AllowlistKind, value: string): string {
  if (kind === 'network') {
    const prefix = networkPrefix(value);
    if (prefix !== undefined) return prefix;
    const m = /^(.+)\/(24|48)$/.exec(value);
    const again = m ? networkPrefix(m[1] === undefined ? '' : m[1].replace(/::$/, '::1')) : undefined;
    if (again === undefined)
      throw new FarmwatchError(
        'BAD_REQUEST',
        `network ${JSON.stringify(value)} is not an IP address or an IPv4 /24 or IPv6 /48 prefix`,
      );
    return again;
  }
  return value;
}
