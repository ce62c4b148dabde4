/**
 * Detection quality as numbers, from labelled traffic and the verification requests farmwatch sent.
 * - precision, recall, F1 at account level (flagged = at least one verification request);
 * - per campaign: event time from its first exchange to its first flag and to 90% of its accounts
 *   flagged, and leakage: the share of its exchanges served before the account that sent them was flagged;
 * - per campaign, its late joiners (accounts whose first exchange came after the campaign was first
 *   flagged: successors, new recruits): how many exchanges each was served before its own flag. A
 *   known cluster should catch them within their first few requests;
 * - per group: accounts flagged (hard negatives should stay near 0), false positives with reason codes.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { quantileSorted } from 'simple-statistics';

export interface Label {
  readonly account_id: string;
  readonly label: 'attack' | 'benign';
  readonly group: string;
}

export interface FlagRow {
  readonly account_id: string;
  readonly detected_at: string;
  readonly reasons: readonly { code: string }[];
}

export interface GroupReport {
  readonly group: string;
  readonly label: 'attack' | 'benign';
  readonly accounts: number;
  readonly flagged: number;
  readonly share: number;
  readonly exchanges: number;
  /** attack groups only */
  readonly leakage?: number;
  readonly firstEventAt?: string;
  readonly firstFlagAfterMinutes?: number | null;
  readonly ninetyPercentAfterMinutes?: number | null;
  /** Exchanges each late joiner was served before its flag (all of them if never flagged), ascending. */
  readonly joinersServed?: readonly number[];
  /** benign groups only: reason codes of the false positives, with counts */
  readonly falsePositiveReasons?: Readonly<Record<string, number>>;
}

export interface Evaluation {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly leakage: number;
  readonly flagged: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly attackAccounts: number;
  readonly groups: readonly GroupReport[];
}

/** Reads the exchanges (request events) of the file: account → event times. */
export async function exchangeTimes(eventsFile: string): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  const rl = createInterface({ input: createReadStream(eventsFile), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    let e: { account_id?: unknown; ts?: unknown; type?: unknown };
    try {
      e = JSON.parse(line) as typeof e;
    } catch {
      continue;
    }
    if (typeof e.account_id !== 'string' || (e.type !== undefined && e.type !== 'request')) continue;
    const ts = typeof e.ts === 'number' ? e.ts : Date.parse(String(e.ts));
    let list = out.get(e.account_id);
    if (!list) out.set(e.account_id, (list = []));
    list.push(ts);
  }
  return out;
}

export function evaluate(
  labels: readonly Label[],
  flags: readonly FlagRow[],
  exchanges: ReadonlyMap<string, readonly number[]>,
): Evaluation {
  const firstFlag = new Map<string, { at: number; reasons: string[] }>();
  for (const f of flags) {
    const at = Date.parse(f.detected_at);
    const prev = firstFlag.get(f.account_id);
    if (!prev || at < prev.at) firstFlag.set(f.account_id, { at, reasons: f.reasons.map((r) => r.code) });
  }
  const byGroup = new Map<string, Label[]>();
  for (const l of labels) {
    let g = byGroup.get(l.group);
    if (!g) byGroup.set(l.group, (g = []));
    g.push(l);
  }
  let tp = 0;
  let fp = 0;
  let attackAccounts = 0;
  let attackExchanges = 0;
  let leaked = 0;
  const groups: GroupReport[] = [];
  for (const [group, members] of [...byGroup].sort(([a], [b]) => a.localeCompare(b))) {
    const label = members[0]?.label ?? 'benign';
    let flagged = 0;
    let exchangesN = 0;
    let leakedN = 0;
    let firstEvent = Infinity;
    const flagTimes: number[] = [];
    const reasons: Record<string, number> = {};
    /** Per account with exchanges: its first one, and how many it was served before its flag. */
    const served: { first: number; before: number }[] = [];
    for (const m of members) {
      const f = firstFlag.get(m.account_id);
      const times = exchanges.get(m.account_id) ?? [];
      exchangesN += times.length;
      let first = Infinity;
      for (const t of times) if (t < first) first = t;
      if (first < firstEvent) firstEvent = first;
      if (f) {
        flagged++;
        flagTimes.push(f.at);
        if (label === 'benign') for (const r of f.reasons) reasons[r] = (reasons[r] ?? 0) + 1;
      }
      if (label === 'attack') {
        const before = f ? times.filter((t) => t < f.at).length : times.length;
        leakedN += before;
        if (times.length > 0) served.push({ first, before });
      }
    }
    if (label === 'attack') {
      tp += flagged;
      attackAccounts += members.length;
      attackExchanges += exchangesN;
      leaked += leakedN;
      flagTimes.sort((a, b) => a - b);
      const known = flagTimes[0] ?? Infinity;
      const joinersServed = served
        .filter((x) => x.first > known)
        .map((x) => x.before)
        .sort((a, b) => a - b);
      const need = Math.ceil(members.length * 0.9);
      const minutes = (t: number | undefined) =>
        t === undefined || !Number.isFinite(firstEvent) ? null : Math.round((t - firstEvent) / 60_000);
      groups.push({
        group,
        label,
        accounts: members.length,
        flagged,
        share: flagged / members.length,
        exchanges: exchangesN,
        leakage: exchangesN > 0 ? leakedN / exchangesN : 0,
        firstEventAt: Number.isFinite(firstEvent) ? new Date(firstEvent).toISOString() : '',
        firstFlagAfterMinutes: minutes(flagTimes[0]),
        ninetyPercentAfterMinutes: flagTimes.length >= need ? minutes(flagTimes[need - 1]) : null,
        joinersServed,
      });
    } else {
      fp += flagged;
      groups.push({
        group,
        label,
        accounts: members.length,
        flagged,
        share: flagged / members.length,
        exchanges: exchangesN,
        falsePositiveReasons: reasons,
      });
    }
  }
  const flaggedTotal = tp + fp;
  const precision = flaggedTotal > 0 ? tp / flaggedTotal : 1;
  const recall = attackAccounts > 0 ? tp / attackAccounts : 1;
  return {
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    leakage: attackExchanges > 0 ? leaked / attackExchanges : 0,
    flagged: flaggedTotal,
    truePositives: tp,
    falsePositives: fp,
    attackAccounts,
    groups,
  };
}

export function evaluationLine(e: Evaluation): string {
  return (
    `evaluate precision=${e.precision.toFixed(4)} recall=${e.recall.toFixed(4)} f1=${e.f1.toFixed(4)} ` +
    `leakage=${e.leakage.toFixed(4)}`
  );
}

/** "n joiners, median m, 90th p" exchanges served before their flag, or '-' without joiners. */
export function joinersSummary(served: readonly number[]): string {
  if (served.length === 0) return '-';
  const sorted = [...served].sort((a, b) => a - b);
  const q = (p: number) => Math.round(quantileSorted(sorted, p) * 10) / 10;
  return `${sorted.length}: ${q(0.5)} / ${q(0.9)}`;
}

export function evaluationTable(e: Evaluation): string {
  const rows = [
    'group                 label   accounts  flagged   share  leakage  first flag  90% flagged  late joiners: served ' +
      'before flag (n: median / p90)  false-positive reasons',
  ];
  for (const g of e.groups) {
    const mins = (m: number | null | undefined) => (m === null || m === undefined ? '-' : `${m} min`);
    rows.push(
      [
        g.group.padEnd(21),
        g.label.padEnd(7),
        String(g.accounts).padStart(8),
        String(g.flagged).padStart(8),
        `${(g.share * 100).toFixed(1)}%`.padStart(7),
        g.leakage === undefined ? '       -' : `${(g.leakage * 100).toFixed(1)}%`.padStart(8),
        mins(g.firstFlagAfterMinutes).padStart(11),
        mins(g.ninetyPercentAfterMinutes).padStart(12),
        ' ' + (g.label === 'attack' ? joinersSummary(g.joinersServed ?? []) : '-').padEnd(51),
        ' ' +
          Object.entries(g.falsePositiveReasons ?? {})
            .map(([k, v]) => `${k}:${v}`)
            .join(' '),
      ].join(' '),
    );
  }
  return rows.join('\n');
}
