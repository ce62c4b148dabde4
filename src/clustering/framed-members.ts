/**
 * Members that fill a problem-set frame (detectors/harvest-frames.ts) show intent by doing so. A camouflaged farm
 * that asks for no reasoning sends its frames among ordinary-looking prompts, so no member's task mix stands out from a
 * student's; what a student does not do is fill a template that other accounts of the component fill too, with a
 * different problem each, again and again. Marked over a candidate component (as capability cohorts are), so the
 * member fit keeps such members and the component is scored at all.
 */
import type { ClusterMember } from '../../detectors/detector.ts';
import { filledSince, filledTemplates, isFrame } from '../../detectors/harvest-frames.ts';
import type { Attr } from '../windows/account-state.ts';

/** Different fills of the component's frames a member must have sent: one is any student's single question. */
export const FRAMED_FILLS = 2;

/**
 * Fewest accounts that filled one frame in this hour and the one before, nearly all with a problem of their own, for
 * a single fill to show intent. A drip's fresh accounts send one request each in their first hour, each from its own
 * address and card; what they share is the operator's problem set, spread over them. Students asked to do one
 * exercise send it with the same numbers, or a few versions of it.
 */
export const COHORT_MIN = 8;
/** Share of those recent users whose fills differ. */
export const COHORT_FILL_SHARE = 0.8;
/**
 * Share of the frame's users in the whole index (every day kept) that must be those recent ones: a frame new to the
 * population. A common exercise format ("how do I solve 3x + 4 = 19") is filled by strangers every hour, among the
 * many who filled it before.
 */
export const COHORT_SHARE = 0.8;

/**
 * Share of those recent users that may share a network with another of them. A class, an office or a household
 * working through one exercise sends it from one room; a problem set spread over accounts made to look unrelated
 * comes from as many addresses as accounts.
 */
export const COHORT_SHARED_NETWORK_SHARE = 0.5;

/**
 * Templates COHORT_MIN or more members filled in `hour` or the hour before, their fills nearly all different and their
 * users mostly on networks of their own (in those hours).
 */
export function recentFrames(members: readonly ClusterMember[], hour: number): Map<string, number> {
  const byId = new Map(members.map((m) => [m.accountId, m]));
  const out = new Map<string, number>();
  for (const [template, users] of filledTemplates(members, hour - 1)) {
    if (users.size < COHORT_MIN) continue;
    const fills = new Set([...users.values()].map((a) => a.fill));
    const recent = [...users.keys()].map((id) => byId.get(id) as ClusterMember);
    if (
      fills.size >= users.size * COHORT_FILL_SHARE &&
      sharingNetworks(recent, hour - 1) <= users.size * COHORT_SHARED_NETWORK_SHARE
    )
      out.set(template, users.size);
  }
  return out;
}

/** How many of these members used a network since `fromHour` that another of them used too. */
function sharingNetworks(members: readonly ClusterMember[], fromHour: number): number {
  const usersOf = new Map<string, number>();
  const networksOf = members.map((m) => {
    const attrs = m.state.attrs;
    const networks: string[] = [];
    for (let i = 0; i < attrs.length; i++)
      if (attrs.kind(i) === 'network' && attrs.lastHour(i) >= fromHour) networks.push(attrs.value(i));
    return networks;
  });
  for (const networks of networksOf) for (const n of networks) usersOf.set(n, (usersOf.get(n) ?? 0) + 1);
  return networksOf.filter((networks) => networks.some((n) => (usersOf.get(n) as number) >= 2)).length;
}

/**
 * The recent frames (`recentFrames`) whose recent users are most of all their users (`total`: the value's index size),
 * with the hour they are recent to: frame cohorts, whose members show intent with one fill.
 */
export function frameCohorts(
  recent: ReadonlyMap<string, number>,
  total: (template: string) => number,
  hour: number,
): FrameCohorts {
  const templates = new Set<string>();
  for (const [template, users] of recent)
    if (users >= COHORT_SHARE * Math.max(users, total(template))) templates.add(template);
  return { templates, hour };
}

export interface FrameCohorts {
  readonly templates: ReadonlySet<string>;
  readonly hour: number;
}

const NO_COHORTS: FrameCohorts = { templates: new Set(), hour: 0 };

/** The members marked `framed` where they filled the component's frames FRAMED_FILLS times or more, and the frames. */
export function markFramedMembers(
  members: readonly ClusterMember[],
  fromHour: number,
  cohorts: FrameCohorts = NO_COHORTS,
): { members: ClusterMember[]; frames: ReadonlySet<string> } {
  // Every template's users' last fills, without a map per template of who used it: this runs over whole components.
  const uses = new Map<string, Attr[]>();
  for (const m of members) {
    const attrs = m.state.attrs;
    for (let i = 0; i < attrs.length; i++) {
      if (!filledSince(attrs, i, fromHour)) continue;
      const list = uses.get(attrs.value(i));
      if (list === undefined) uses.set(attrs.value(i), [attrs.attr(i)]);
      else list.push(attrs.attr(i));
    }
  }
  const frames = new Set<string>();
  for (const [template, list] of uses) if (isFrame(list)) frames.add(template);
  if (frames.size === 0) return { members: [...members], frames };
  return {
    members: members.map((m) => {
      const framed = framedBy(m, frames, fromHour);
      if (framed.framed === true || cohorts.templates.size === 0) return framed;
      return fillsOf(m, cohorts.templates, cohorts.hour - 1) > 0 ? { ...m, framed: true, inFrameCohort: true } : m;
    }),
    frames,
  };
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
  const attrs = m.state.attrs;
  for (let i = 0; i < attrs.length; i++)
    if (filledSince(attrs, i, fromHour) && frames.has(attrs.value(i))) fills += attrs.fills(i) ?? 1;
  return fills;
}
