/**
 * Harvest frames: the members send templates of their own — mostly from no other account — that they
 * fill with ever different problems. That is a problem set run through the model, whether or not the
 * prompts ask for reasoning: a farm harvesting plain answers among ordinary-looking prompts (a
 * camouflaged farm) shows nothing else of its intent. Template reuse alone is no intent (a class
 * pastes one homework question); what tells a frame from that is how many different fills its users
 * send, taken from each user's last fill of the template (a class's all alike, a frame's all
 * different). Scored as the share of members on frames times how much of their traffic the frames
 * carry, against the median account's share of capability tasks (the frames are capability tasks,
 * or they would not link).
 */
import type { Attr } from '../src/windows/account-state.ts';
import type { AttrTable } from '../src/windows/account-snapshot.ts';
import { clamp01, fmt, pct, type ClusterMember, type ClusterView, type Detector } from './detector.ts';

/** Fewest users of a template for it to be a frame, and fewest different fills among them. */
export const FRAME_MIN_USERS = 3;
/** Share of a template's users whose last fills differ: a problem set's are nearly all different. */
export const FRAME_FILL_SHARE = 0.5;
/** A template is a group's own when at least this share of all its users are in the group (as template reuse). */
const EXCLUSIVE_SHARE = 0.5;

/** Whether users of one template (their attributes for it) fill it as a problem set does. */
export function isFrame(uses: Iterable<Pick<Attr, 'fill'>>): boolean {
  const fills = new Set<number>();
  let filled = 0;
  for (const a of uses) {
    if (a.fill === undefined) continue;
    filled++;
    fills.add(a.fill);
  }
  return filled >= FRAME_MIN_USERS && fills.size >= Math.max(FRAME_MIN_USERS, filled * FRAME_FILL_SHARE);
}

/** A template attribute with a fill (it links), used in the window from `fromHour`. */
export const filledSince = (attrs: AttrTable, i: number, fromHour: number): boolean =>
  attrs.fill(i) !== undefined && attrs.kind(i) === 'template' && attrs.lastHour(i) >= fromHour;

/** Each member's filled templates (linking templates carry a fill), by template value; only `only`'s when given. */
export function filledTemplates(
  members: readonly ClusterMember[],
  fromHour: number,
  only?: ReadonlySet<string>,
): Map<string, Map<string, Attr>> {
  const out = new Map<string, Map<string, Attr>>();
  for (const m of members) {
    const attrs = m.state.attrs;
    for (let i = 0; i < attrs.length; i++) {
      if (!filledSince(attrs, i, fromHour) || (only !== undefined && !only.has(attrs.value(i)))) continue;
      let users = out.get(attrs.value(i));
      if (users === undefined) out.set(attrs.value(i), (users = new Map()));
      users.set(m.accountId, attrs.attr(i));
    }
  }
  return out;
}

/**
 * The group's own frames: templates used mostly by its members (as template reuse counts them), or that are frame
 * cohorts of its component, that they fill as a problem set. A common exercise format ("how do I solve 3x + 4 = 19")
 * links strangers, who fill it with different problems too; it is not the group's own unless the group holds most of
 * its users. A frame cohort's users are nearly all fresh accounts of the component, which a drip's size splits into
 * several groups, none holding most of them.
 */
export function groupFrames({
  members,
  shared,
  window,
  frameCohorts,
}: Pick<ClusterView, 'members' | 'shared' | 'window' | 'frameCohorts'>): {
  frames: Set<string>;
  /** Members on the frames, with their uses of them. */
  framed: Map<string, number>;
} {
  const own = new Set<string>();
  for (const s of shared)
    if (
      s.kind === 'template' &&
      (s.members.length / Math.max(s.total, s.members.length) >= EXCLUSIVE_SHARE || frameCohorts?.has(s.value) === true)
    )
      own.add(s.value);
  const frames = new Set<string>();
  const framed = new Map<string, number>();
  if (own.size === 0) return { frames, framed };
  for (const [template, users] of filledTemplates(members, Math.floor(window.fromMs / 3_600_000), own)) {
    if (!isFrame(users.values())) continue;
    frames.add(template);
    for (const [id, a] of users) framed.set(id, (framed.get(id) ?? 0) + a.count);
  }
  return { frames, framed };
}

export const harvestFrames: Detector = {
  name: 'harvest-frames',
  role: 'intent',
  evaluate(view) {
    const { members, population } = view;
    const { frames: own, framed } = groupFrames(view);
    const frames = own.size;
    let uses = 0;
    let requests = 0;
    for (const m of members) {
      const n = framed.get(m.accountId);
      if (n === undefined) continue;
      uses += n;
      requests += m.state.requests;
    }
    const coverage = framed.size / members.length;
    const share = requests > 0 ? Math.min(1, uses / requests) : 0;
    const ordinary = population.ordinary.capabilityShare.p50;
    const score = framed.size >= FRAME_MIN_USERS ? coverage * clamp01(share / Math.max(0.05, ordinary)) : 0;
    return {
      code: 'harvest_frames',
      score,
      detail:
        `${fmt(framed.size)} of ${members.length} accounts (${pct(coverage)}) fill ${fmt(frames)} prompt templates ` +
        `seen mostly from no other account with different problems each; the templates carry ${pct(share)} of those ` +
        `accounts' requests, where the median account sends ${pct(ordinary)} of its requests on capability tasks.`,
      evidence: { framed: framed.size, frames, coverage, frame_share: share, ordinary_capability_share_p50: ordinary },
    };
  },
};
