/**
 * Members that fill a problem-set frame (detectors/harvest-frames.ts) show intent by doing so. A camouflaged farm
 * that asks for no reasoning sends its frames among ordinary-looking prompts, so no member's task mix stands out from a
 * student's; what a student does not do is fill a template that other accounts of the component fill too, with a
 * different problem each, again and again. Marked over a candidate component (as capability cohorts are), so the
 * member fit keeps such members and the component is scored at all.
 */
import type { ClusterMember } from '../../detectors/detector.ts';
import { filledTemplates, isFrame } from '../../detectors/harvest-frames.ts';

/** Different fills of the component's frames a member must have sent: one is any student's single question. */
export const FRAMED_FILLS = 2;

/** The members marked `framed` where they filled the component's frames with FRAMED_FILLS different problems or more. */
export function markFramedMembers(members: readonly ClusterMember[], fromHour: number): ClusterMember[] {
  const fills = new Map<string, number>();
  for (const users of filledTemplates(members, fromHour).values()) {
    if (!isFrame([...users.values()])) continue;
    for (const [id, a] of users) fills.set(id, (fills.get(id) ?? 0) + (a.fills ?? 1));
  }
  let marked = 0;
  for (const n of fills.values()) if (n >= FRAMED_FILLS) marked++;
  if (marked === 0) return [...members];
  return members.map((m) => ((fills.get(m.accountId) ?? 0) >= FRAMED_FILLS ? { ...m, framed: true } : m));
}
