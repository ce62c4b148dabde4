/**
 * What an analyst sees of a cluster, computed from its record and its members' windows. Pure.
 * Large clusters stay cheap to draw: members are paged, and the activity chart is aggregated to at
 * most `maxRows` × `maxCols` cells (each row a group of accounts ordered by when they started, so
 * waves and lockstep show as blocks and vertical stripes).
 */
import type { ClusterRecord } from '../clustering/cluster-registry.ts';
import { accountFeatures, type FeatureWindow } from '../clustering/features.ts';
import type { AttrKind } from '../windows/account-state.ts';
import type { AccountSnapshot } from '../windows/account-snapshot.ts';

export interface MemberView {
  readonly accountId: string;
  readonly partition: number;
  readonly requests: number;
  readonly elicitShare: number;
  readonly outputTokensPerRequest: number;
  /** Days since the account was created, at the window's end; null when created before retention. */
  readonly ageDays: number | null;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  readonly networks: readonly string[];
  readonly orgId: string | null;
  readonly verified: boolean;
  readonly suspended: boolean;
  readonly requested: boolean;
}

export interface SharedValueView {
  readonly kind: AttrKind;
  readonly value: string;
  /** Members of this cluster that used it. */
  readonly members: number;
  /** Accounts anywhere that used it (its index size); null for values that are not indexed. */
  readonly total: number | null;
}

export interface TemplateFamily {
  readonly template: string;
  readonly members: number;
  readonly uses: number;
}

export interface Histogram {
  readonly name: string;
  readonly bins: readonly { readonly label: string; readonly count: number }[];
}

export interface ActivityMatrix {
  readonly fromMs: number;
  readonly colMs: number;
  readonly cols: number;
  readonly rows: number;
  /** Accounts per row (the last row may hold fewer). */
  readonly rowSize: number;
  /** Row-major, the share of a row's accounts active in each column, 0–1. */
  readonly cells: readonly number[];
  /** First account of each row. */
  readonly rowLabels: readonly string[];
}

export interface ClusterView {
  readonly record: ClusterRecord;
  /** Members with a window, by requests (most first). */
  readonly members: readonly MemberView[];
  readonly missingMembers: number;
  readonly shared: readonly SharedValueView[];
  readonly templates: readonly TemplateFamily[];
  readonly histograms: readonly Histogram[];
  /** Members ordered by first activity in the window (the chart's row order). */
  readonly chartOrder: readonly string[];
  readonly states: ReadonlyMap<string, AccountSnapshot>;
}

export const SHARED_VIEW_KINDS: readonly AttrKind[] = [
  'network',
  'asn',
  'payment',
  'device',
  'tls',
  'userAgent',
  'template',
  'band',
  'systemPrompt',
];
const INDEXED_VIEW_KINDS: ReadonlySet<AttrKind> = new Set([
  'network',
  'payment',
  'device',
  'tls',
  'template',
  'band',
  'systemPrompt',
]);

export function featureWindow(record: ClusterRecord, bucketMs: number, slotMs: number): FeatureWindow {
  return { fromMs: record.windowFromMs, toMs: record.windowToMs, bucketMs, slotMs };
}

/** `indexSize` gives the total users of indexed values (looked up by the caller, pipelined). */
export function buildClusterView(
  record: ClusterRecord,
  states: ReadonlyMap<string, AccountSnapshot>,
  window: FeatureWindow,
  indexSize: (kind: AttrKind, value: string) => number | null,
): ClusterView {
  const requested = new Set(record.requested);
  const members: MemberView[] = [];
  const firstSlot = new Map<string, number>();
  const fromSlot = Math.floor(window.fromMs / window.slotMs);
  const toSlot = Math.floor(window.toMs / window.slotMs);
  const users = new Map<string, { kind: AttrKind; value: string; members: number; uses: number }>();
  record.members.forEach((accountId, i) => {
    const st = states.get(accountId);
    if (!st) return;
    const f = accountFeatures(st, window);
    members.push({
      accountId,
      partition: record.memberPartitions?.[i] ?? -1,
      requests: f.requests,
      elicitShare: round(f.elicitShare),
      outputTokensPerRequest: Math.round(f.outputTokensPerRequest),
      ageDays: Number.isFinite(f.ageHours) ? round(f.ageHours / 24) : null,
      firstSeenMs: st.firstSec * 1000,
      lastSeenMs: st.lastSec * 1000,
      networks: st.attrs
        .toArray()
        .filter((a) => a.kind === 'network')
        .sort((a, b) => b.count - a.count)
        .slice(0, 3)
        .map((a) => a.value),
      orgId: st.orgId,
      verified: f.verified,
      suspended: f.suspended,
      requested: requested.has(accountId),
    });
    const first = st.slots.find((s) => s >= fromSlot && s <= toSlot);
    firstSlot.set(accountId, first ?? Number.MAX_SAFE_INTEGER);
    for (const a of st.attrs.toArray()) {
      if (!SHARED_VIEW_KINDS.includes(a.kind)) continue;
      const key = `${a.kind}\u0000${a.value}`;
      const u = users.get(key);
      if (u) {
        u.members++;
        u.uses += a.count;
      } else users.set(key, { kind: a.kind, value: a.value, members: 1, uses: a.count });
    }
  });
  members.sort((a, b) => b.requests - a.requests || a.accountId.localeCompare(b.accountId));
  const multi = [...users.values()]
    .filter((u) => u.members >= 2)
    .sort((a, b) => b.members - a.members || a.kind.localeCompare(b.kind) || a.value.localeCompare(b.value));
  // Values a tenth of the cluster shares are its evidence; a pair sharing a SimHash band is noise.
  const notable = Math.max(2, Math.ceil(members.length / 10));
  const shared = multi
    .filter((u) => u.members >= notable)
    .slice(0, 60)
    .map((u) => ({
      kind: u.kind,
      value: u.value,
      members: u.members,
      total: INDEXED_VIEW_KINDS.has(u.kind) ? Math.max(indexSize(u.kind, u.value) ?? 0, u.members) : null,
    }));
  const templates = multi
    .filter((u) => u.kind === 'template')
    .slice(0, 30)
    .map((u) => ({ template: u.value, members: u.members, uses: u.uses }));
  const chartOrder = [...firstSlot.keys()].sort(
    (a, b) => (firstSlot.get(a) as number) - (firstSlot.get(b) as number) || a.localeCompare(b),
  );
  return {
    record,
    members,
    missingMembers: record.members.length - members.length,
    shared,
    templates,
    histograms: [
      log2Histogram(
        'requests per member',
        members.map((m) => m.requests),
      ),
      log2Histogram(
        'output tokens per request',
        members.map((m) => m.outputTokensPerRequest),
      ),
      shareHistogram(
        'share of requests asking for reasoning',
        members.map((m) => m.elicitShare),
      ),
    ],
    chartOrder,
    states,
  };
}

/** Values a shared-value kind needs looked up in the indexes, for `buildClusterView`'s `indexSize`. */
export function indexedSharedValues(states: Iterable<AccountSnapshot>): { kind: AttrKind; value: string }[] {
  const seen = new Map<string, { kind: AttrKind; value: string; n: number }>();
  for (const st of states) {
    for (const a of st.attrs.toArray()) {
      if (!INDEXED_VIEW_KINDS.has(a.kind)) continue;
      const key = `${a.kind}\u0000${a.value}`;
      const s = seen.get(key);
      if (s) s.n++;
      else seen.set(key, { kind: a.kind, value: a.value, n: 1 });
    }
  }
  return [...seen.values()]
    .filter((s) => s.n >= 2)
    .sort((a, b) => b.n - a.n)
    .slice(0, 200)
    .map(({ kind, value }) => ({ kind, value }));
}

export function activityMatrix(
  view: ClusterView,
  window: FeatureWindow,
  maxRows: number,
  maxCols: number,
): ActivityMatrix {
  const fromSlot = Math.floor(window.fromMs / window.slotMs);
  const toSlot = Math.floor(window.toMs / window.slotMs);
  const slots = toSlot - fromSlot + 1;
  const slotsPerCol = Math.max(1, Math.ceil(slots / maxCols));
  const cols = Math.ceil(slots / slotsPerCol);
  const order = view.chartOrder;
  const rowSize = Math.max(1, Math.ceil(order.length / maxRows));
  const rows = Math.ceil(order.length / rowSize);
  const counts = new Float64Array(rows * cols);
  const rowLabels: string[] = [];
  const seen = new Int32Array(cols);
  order.forEach((accountId, i) => {
    const row = Math.floor(i / rowSize);
    if (i % rowSize === 0) rowLabels.push(accountId);
    const st = view.states.get(accountId);
    if (!st) return;
    seen.fill(0);
    for (const s of st.slots) {
      if (s < fromSlot || s > toSlot) continue;
      const col = Math.floor((s - fromSlot) / slotsPerCol);
      if (seen[col] === 0) {
        seen[col] = 1;
        counts[row * cols + col] = (counts[row * cols + col] as number) + 1;
      }
    }
  });
  const cells: number[] = new Array<number>(rows * cols);
  for (let r = 0; r < rows; r++) {
    const n = Math.min(rowSize, order.length - r * rowSize);
    for (let c = 0; c < cols; c++) cells[r * cols + c] = round((counts[r * cols + c] as number) / n);
  }
  return {
    fromMs: fromSlot * window.slotMs,
    colMs: slotsPerCol * window.slotMs,
    cols,
    rows,
    rowSize,
    cells,
    rowLabels,
  };
}

function log2Histogram(name: string, xs: readonly number[]): Histogram {
  const bins = new Map<number, number>();
  for (const x of xs) {
    const b = x <= 0 ? -1 : Math.floor(Math.log2(x));
    bins.set(b, (bins.get(b) ?? 0) + 1);
  }
  const keys = [...bins.keys()].sort((a, b) => a - b);
  return {
    name,
    bins: keys.map((b) => ({ label: b < 0 ? '0' : `${2 ** b}–${2 ** (b + 1) - 1}`, count: bins.get(b) as number })),
  };
}

function shareHistogram(name: string, xs: readonly number[]): Histogram {
  const counts = new Array<number>(10).fill(0);
  for (const x of xs) {
    const i = Math.min(9, Math.floor(x * 10));
    counts[i] = (counts[i] as number) + 1;
  }
  return { name, bins: counts.map((count, i) => ({ label: `${i * 10}–${i === 9 ? 100 : i * 10 + 9}%`, count })) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
