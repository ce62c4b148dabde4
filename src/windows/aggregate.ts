/**
 * Pure per-batch aggregation: a batch's events folded into one update per account, so that Redis
 * sees one script call per partition batch and one set of writes per account, not per event.
 */
import type { UsageEvent } from '../ingest/usage-event.ts';

export interface AccountBatchUpdate {
  readonly accountId: string;
  events: number;
  minTs: number;
  maxTs: number;
}

export function aggregateByAccount(events: readonly UsageEvent[]): Map<string, AccountBatchUpdate> {
  const out = new Map<string, AccountBatchUpdate>();
  for (const e of events) {
    const u = out.get(e.accountId);
    if (u === undefined) {
      out.set(e.accountId, { accountId: e.accountId, events: 1, minTs: e.tsMs, maxTs: e.tsMs });
    } else {
      u.events += 1;
      if (e.tsMs < u.minTs) u.minTs = e.tsMs;
      if (e.tsMs > u.maxTs) u.maxTs = e.tsMs;
    }
  }
  return out;
}
