/**
 * Members that fill a problem-set frame (detectors/harvest-frames.ts) show intent by doing so. A camouflaged farm
 * that asks for no reasoning sends its frames among ordinary-looking prompts, so no member's task mix stands out from a
 * student's; what a student does not do is fill a template that other accounts of the component fill too, with a
 * different problem each, again and again. Marked over a candidate component (as capability cohorts are), so the
 * member fit keeps such members and the component is scored at all.
 */
import type { ClusterMember } from '../../detectors/detector.ts';
import { filledSince, isFrame } from '../../detectors/harvest-frames.ts';
import type { Attr } from '../windows/account-state.ts';

/** Different fills of the component's frames a member must have sent: one is any student's single question. */
export const FRAMED_FILLS = 2;

/** The members marked `framed` where they filled the component's frames FRAMED_FILLS times or more, and the frames. */
export function markFramedMembers(
  members: readonly ClusterMember[],
  fromHour: number,
): { members: ClusterMember[]; frames: ReadonlySet<string> } {
  // Every template's users' last fills, without a map per template of who used it: this runs over whole components.
  const uses = new Map<string, Attr[]>();
  for (const m of members)
    for (const a of m.state.attrs) {
      if (!filledSince(a, fromHour)) continue;
      const list = uses.get(a.value);
      if (list === undefined) uses.set(a.value, [a]);
      else list.push(a);
    }
  const frames = new Set<string>();
  for (const [template, list] of uses) if (isFrame(list)) frames.add(template);
  if (frames.size === 0) return { members: [...members], frames };
  return { members: members.map((m) => framedBy(m, frames, fromHour)), frames };
}

/**
 * The member, marked `framed` when it filled these frames FRAMED_FILLS times or more: how a remembered component's
 * members and newcomers are judged between full scores, by the frames found at the last one.
 */
export function framedBy(m: ClusterMember, frames: ReadonlySet<string>, fromHour: number): ClusterMember {
  return fillsOf(m, frames, fromHour) >= FRAMED_FILLS ? { ...m, framed: true } : m;
}

/** Different fills of these frames the member sent (summed over the frames). */
export function fillsOf(m: ClusterMember, frames: ReadonlySet<string>, fromHour: number): number {
  if (frames.size === 0) return 0;
  let fills = 0;
  for (const a of m.state.attrs) if (filledSince(a, fromHour) && frames.has(a.value)) fills += a.fills ?? 1;
  return fills;
}
