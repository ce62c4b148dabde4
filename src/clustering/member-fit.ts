/**
 * Does each member of a candidate group carry the group's evidence itself? Components are joined
 * through shared values, so an ordinary account can ride along with a farm — a person who once sent
 * the same "think step by step" template a camouflaged farm also sends. Only members that show intent
 * themselves (asking for reasoning in a good share of their requests) and are tied to the others by an exclusive shared
 * value or by the group's activity hours are kept; the rest are never sent to verification.
 * Activity hours only tie members when the candidate group as a whole moves in lockstep: filtering a
 * group of independent accounts by "active in the busy hours" would manufacture a lockstep subgroup.
 */
import type { ClusterMember, ClusterView } from '../../detectors/detector.ts';
import { lockstepTiming } from '../../detectors/lockstep-timing.ts';

const STRONG_KINDS = new Set(['payment', 'device', 'network']);

export function fittingMembers(view: ClusterView): ClusterMember[] {
  const { members, shared } = view;
  const slotMs = view.window.slotMs;
  const fromMs = view.window.fromMs;
  const tied = new Set<string>();
  let strongTies = 0;
  for (const s of shared) {
    if (!STRONG_KINDS.has(s.kind) || s.members.length < 2) continue;
    if (s.members.length / Math.max(s.total, s.members.length) < 0.6) continue;
    for (const m of s.members) tied.add(m);
    strongTies++;
  }
  const infraGroup = strongTies > 0 && tied.size >= members.length * 0.5;

  const lockstep = lockstepTiming.evaluate(view).score >= 0.3;
  // The group's busy hours (event-time hours in the window where at least a fifth of members are active).
  const fromSlot = Math.floor(fromMs / slotMs);
  const perHour = Math.max(1, Math.round(3_600_000 / slotMs));
  const hoursOf = (m: ClusterMember) => new Set(m.state.slots.filter((s) => s >= fromSlot).map((s) => Math.floor(s / perHour)));
  const memberHours = new Map(members.map((m) => [m.accountId, hoursOf(m)]));
  const counts = new Map<number, number>();
  for (const hs of memberHours.values()) for (const h of hs) counts.set(h, (counts.get(h) ?? 0) + 1);
  const busy = new Set([...counts].filter(([, n]) => n >= Math.max(2, members.length * 0.2)).map(([h]) => h));

  return members.filter((m) => {
    const f = m.features;
    const intent = f.textless ? f.reasoningRatio >= 1 && f.requests >= 3 : f.elicited >= 1 && f.elicitShare >= 0.3;
    if (!intent) return false;
    if (tied.has(m.accountId)) return true;
    if (infraGroup || !lockstep) return false;
    const hs = memberHours.get(m.accountId) as Set<number>;
    let inBusy = 0;
    for (const h of hs) if (busy.has(h)) inBusy++;
    return hs.size > 0 && inBusy / hs.size >= 0.5;
  });
}
