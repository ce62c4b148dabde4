/**
 * Does each member of a candidate group carry the group's evidence itself? Components are joined
 * through shared values, so an ordinary account can ride along with a farm — a person who once sent
 * the same "think step by step" template a camouflaged farm also sends. Only members that show intent
 * themselves (asking for reasoning in a good share of their requests, or a task mix or harvest beyond
 * what ordinary accounts in the window show) and are tied to the others are kept; the rest are never
 * sent to verification. Ties, strongest first: an exclusive card or device another kept member
 * uses; starting in the group's waves, or sending the operator's templates in a group that has waves;
 * an exclusive network, but
 * only for a member that also moves with the group (VPN users and carrier-NAT strangers share a
 * farm's networks, not its timing) or, filling its crew's own frames, with its crew on those networks (crewTie);
 * the group's busy hours, when the whole group moves in lockstep
 * and its busy hours are not the whole day (filtering independent accounts by "active in the busy
 * hours" would manufacture a lockstep subgroup, and a farm working round the clock makes every hour busy);
 * the hours of the group's shared schedule, when its day is far shorter than chance would make it.
 * A group that only its timing holds together (busy hours, a schedule) must also show one purpose (ONE_PURPOSE).
 */
import type { ClusterMember, ClusterView, OrdinaryBehaviour, SharedValue } from '../../detectors/detector.ts';
import { UnionFind } from './union-find.ts';
import { FRAMED_FILLS, fillsOf } from './framed-members.ts';
import { filledTemplates, groupFrames } from '../../detectors/harvest-frames.ts';
import { lockstepTiming } from '../../detectors/lockstep-timing.ts';
import { scheduleOf } from '../../detectors/shared-schedule.ts';
import { capabilityVolumeFloor, sustainsCapability } from '../../detectors/capability-concentration.ts';
import { LOOSE_P, STRICT_P, waveMembers, waveStarts, waveStrength } from '../../detectors/wave-starts.ts';

const STRONG_KINDS = new Set(['payment', 'device', 'network']);
/** A strong value ties its users when at least this share of all its users are in the group. */
const EXCLUSIVE_SHARE = 0.6;
/** An operator's template: used by at least this many members, this share of them near the group's waves. */
const OPERATOR_TEMPLATE_MIN = 5;
const OPERATOR_TEMPLATE_WAVE_SHARE = 0.3;
/**
 * Sets of members on separate infrastructures are one when at least this share of each shares a strong value with
 * another.
 */
const WOVEN_SHARE = 0.5;
/** Fewest members of a crew on exclusive networks whose timing says anything. */
const CREW_MIN = 3;
/** A frame is a crew's own when at least this share of all its users are in the crew (as a group's own frames). */
const CREW_FRAME_SHARE = 0.5;
/** A shared schedule this strong (detectors/shared-schedule.ts) ties the members that work in its span. */
const SCHEDULED = 0.5;
/**
 * A group held together by its timing alone needs this share of its members to show one kind of intent (asks, frames,
 * a capability cohort, concentration; not harvest alone): the fit keeps members that show any kind, and the accounts
 * new in the tick's hour all share that hour, so strangers read at one tick come out as a group in lockstep whose
 * members each show a different kind. A farm's accounts share one purpose.
 */
const ONE_PURPOSE = 0.75;
/** Kinds of intent a member shows, as bits. */
const ASKS = 1;
const CONCENTRATED = 2;
const HARVESTS = 4;
const COHORT = 8;
const FRAMES = 16;
/**
 * The kinds that can be a timing-only group's one purpose. Harvest cannot: short prompts to a reasoning model give it,
 * and the fit kept each stranger for it (seed 356: four carrier-NAT strangers and a student, new in one hour, four of
 * them harvesting).
 */
const PURPOSES = [ASKS, CONCENTRATED, COHORT, FRAMES];

const exclusiveStrong = (s: SharedValue): boolean =>
  STRONG_KINDS.has(s.kind) &&
  s.members.length >= 2 &&
  s.members.length / Math.max(s.total, s.members.length) >= EXCLUSIVE_SHARE;

/** An exclusive card or device: what ties a member beyond a network (VPN users and NAT strangers share those). */
export const exclusiveCard = (s: SharedValue): boolean => s.kind !== 'network' && exclusiveStrong(s);

export function fittingMembers(view: ClusterView): ClusterMember[] {
  const { members, shared } = view;
  const slotMs = view.window.slotMs;
  const fromMs = view.window.fromMs;
  const tied = new Set<string>();
  /** The exclusive cards and devices each member shares: what ties it beyond a network. */
  const cardsOf = new Map<string, SharedValue[]>();
  let strongTies = 0;
  for (const s of shared) {
    if (!exclusiveStrong(s)) continue;
    for (const m of s.members) {
      tied.add(m);
      if (!exclusiveCard(s)) continue;
      const own = cardsOf.get(m);
      if (own === undefined) cardsOf.set(m, [s]);
      else own.push(s);
    }
    strongTies++;
  }
  const infraGroup = strongTies > 0 && tied.size >= members.length * 0.5;

  const lockstep = lockstepTiming.evaluate(view).score >= 0.3;
  const schedule = scheduleOf(view);
  // The group's busy hours (event-time hours in the window where at least a fifth of members are active).
  const fromSlot = Math.floor(fromMs / slotMs);
  const perHour = Math.max(1, Math.round(3_600_000 / slotMs));
  const hoursOf = (m: ClusterMember) =>
    new Set(m.state.slots.filter((s) => s >= fromSlot).map((s) => Math.floor(s / perHour)));
  const memberHours = new Map(members.map((m) => [m.accountId, hoursOf(m)]));
  const busy = busyHours([...memberHours.values()]);
  const windowHours = Math.max(1, Math.round((view.window.toMs - fromMs) / 3_600_000));
  const busyMeaningful = busy.size <= windowHours / 2;

  // A group whose starts pile up in waves ties the members that start in them (a drip has no other tie).
  const waves = waveStarts(members, fromMs, view.window.toMs, slotMs);
  const waveGroup = waveStrength(waves) >= 0.3;
  // Members that start in the group's crowded minutes, once the group shows any (a tenth of its starts).
  const showsWaves = waveGroup || waves.crowdedShare >= 0.1;
  const inWaves = showsWaves ? waveMembers(waves, STRICT_P) : new Set<string>();
  const nearWaves = waveGroup ? waveMembers(waves, LOOSE_P) : new Set<string>();
  // The operator's templates, in a group that moves in waves: used mostly inside the group, by five or
  // more members, and by members that start in its waves far more than chance would put there. They
  // tie the members that joined fewer waves than others, as a card would. (A template strangers send,
  // such as a common maths question, is not the operator's even when the candidate group holds most
  // of its users: about one in twenty of them passes the loose test by chance.)
  const templateTied = new Set<string>();
  for (const s of shared) {
    if (
      !waveGroup ||
      s.kind !== 'template' ||
      s.members.length < OPERATOR_TEMPLATE_MIN ||
      s.members.length / Math.max(s.total, s.members.length) < EXCLUSIVE_SHARE
    )
      continue;
    if (s.members.filter((m) => nearWaves.has(m)).length < s.members.length * OPERATOR_TEMPLATE_WAVE_SHARE) continue;
    for (const m of s.members) templateTied.add(m);
  }

  const ordinary = view.population.ordinary;
  // Frames show intent in the fit only where they are the group's own: the component's include common exercise formats
  // that strangers fill with their own problems.
  const { frames } = groupFrames(view);
  const fromHour = Math.floor(fromMs / 3_600_000);
  const crewMoves = crewTie(view, frames, fromHour, memberHours, windowHours);
  /** Whether the member moves with the group (when a card does not tie it). */
  const movesWithGroup = (m: ClusterMember): boolean => {
    if (inWaves.has(m.accountId)) return true;
    // A network is a weaker tie than a card: a VPN's users leave through the exits a farm rents, and
    // hundreds of strangers share a carrier's NAT (exclusive to a candidate group that holds most of
    // them). A member tied by networks alone must also move with the group: in its waves (above) or,
    // in a group that moves in lockstep, in its busy hours.
    if (!tied.has(m.accountId)) {
      if (templateTied.has(m.accountId)) return true;
      if (infraGroup) return false;
    }
    // Busy hours say something only while they are a minority of the window's hours: a farm that works
    // round the clock makes every hour busy, and every ordinary account would move with it.
    if (lockstep && busyMeaningful && worksIn(memberHours.get(m.accountId) as Set<number>, busy)) return true;
    if (crewMoves(m)) return true;
    // A group on a shared schedule (a drip, too thin for any hour to hold a fifth of it): the member works in its span.
    if (schedule.score < SCHEDULED) return false;
    let inSpan = 0;
    for (const h of schedule.hours) inSpan += m.features.hourProfile[h] as number;
    return inSpan >= 0.5;
  };
  // A member of a frame cohort shows intent with one fill, where the frame is the group's own.
  const fillsFrames = (m: ClusterMember) =>
    fillsOf(m, frames, fromHour) >= (m.inFrameCohort === true ? 1 : FRAMED_FILLS);
  const showing = members.filter((m) => showsOwnIntent(m, ordinary) || fillsFrames(m));
  const moving = new Set(showing.filter(movesWithGroup).map((m) => m.accountId));
  // A card or device ties a member to the group only through another member that is kept: a
  // household's card, shared by one member who asks maths questions in a farm's candidate group and
  // by housemates who do not, ties that member to its housemates, not to the farm. Members whose only
  // tie is such a card are let go until every card-tied member has a kept partner (each pass lets at
  // least one go, so this ends).
  const kept = new Set(
    showing.filter((m) => moving.has(m.accountId) || cardsOf.has(m.accountId)).map((m) => m.accountId),
  );
  for (let changed = true; changed;) {
    changed = false;
    for (const id of kept) {
      if (moving.has(id)) continue;
      const partnered = (cardsOf.get(id) as SharedValue[]).some((s) => s.members.some((o) => o !== id && kept.has(o)));
      if (!partnered) {
        kept.delete(id);
        changed = true;
      }
    }
  }
  const fitted = members.filter((m) => kept.has(m.accountId));
  const byTiming = !fitted.some(
    (m) => tied.has(m.accountId) || inWaves.has(m.accountId) || templateTied.has(m.accountId) || crewMoves(m),
  );
  return byTiming && !onePurpose(fitted, (m) => intentKinds(m, ordinary) | (fillsFrames(m) ? FRAMES : 0)) ? [] : fitted;
}

/** Whether ONE_PURPOSE of the members show the same kind of intent. */
function onePurpose(members: readonly ClusterMember[], kindsOf: (m: ClusterMember) => number): boolean {
  if (members.length === 0) return true;
  const kinds = members.map(kindsOf);
  return PURPOSES.some((k) => kinds.filter((x) => (x & k) !== 0).length >= members.length * ONE_PURPOSE);
}

/**
 * A farm camouflaged in a crowd shares the crowd's candidate group, which as a whole neither moves in lockstep nor
 * keeps busy hours; its members are tied among themselves by the proxies they leave through. Those proxies' other
 * users (a VPN's customers on the exits the farm rents) share the network and, in the farm's hours, its timing, but
 * not its problem sets. So a member tied by exclusive networks moves with its crew (the members it shares them with,
 * transitively) when it fills the crew's own frames itself (frames of the group most of whose users are in the crew: a
 * group of thousands holds most users of a common exercise format, a crew of a farm and a VPN's customers does not),
 * the crew moves in lockstep, and the member works in the crew's busy hours, as a group's member must in the group's.
 */
function crewTie(
  view: ClusterView,
  frames: ReadonlySet<string>,
  fromHour: number,
  memberHours: ReadonlyMap<string, Set<number>>,
  windowHours: number,
): (m: ClusterMember) => boolean {
  if (frames.size === 0) return () => false;
  const { members, shared } = view;
  const index = new Map(members.map((m, i) => [m.accountId, i]));
  const uf = new UnionFind(members.length);
  const frameUsers = new Map<string, number>();
  for (const s of shared) {
    if (s.kind === 'template' && frames.has(s.value)) frameUsers.set(s.value, Math.max(s.total, s.members.length));
    if (s.kind !== 'network' || !exclusiveStrong(s)) continue;
    const users = s.members.map((a) => index.get(a)).filter((i): i is number => i !== undefined);
    for (const i of users) uf.union(users[0] as number, i);
  }
  // Each crew once, by the index of its first member (most members are on no exclusive network: no crew to judge).
  const crewAt = new Map<number, ClusterMember[]>();
  for (const g of uf.groups())
    if (g.length >= CREW_MIN) {
      const crew = g.map((i) => members[i] as ClusterMember);
      for (const i of g) crewAt.set(i, crew);
    }
  if (crewAt.size === 0) return () => false;
  /** Per crew: its own frames and busy hours; null when it is not in lockstep, is busy all day or has no frames. */
  const judged = new Map<ClusterMember[], { frames: Set<string>; busy: Set<number> } | null>();
  const judge = (crew: ClusterMember[]) => {
    const known = judged.get(crew);
    if (known !== undefined) return known;
    let found: { frames: Set<string>; busy: Set<number> } | null = null;
    if (lockstepTiming.evaluate({ ...view, members: crew }).score >= 0.3) {
      const busy = busyHours(crew.map((c) => memberHours.get(c.accountId) as Set<number>));
      const own = [...filledTemplates(crew, fromHour, frames)]
        .filter(([f, users]) => users.size >= (frameUsers.get(f) ?? users.size) * CREW_FRAME_SHARE)
        .map(([f]) => f);
      if (busy.size <= windowHours / 2 && own.length > 0) found = { frames: new Set(own), busy };
    }
    judged.set(crew, found);
    return found;
  };
  return (m) => {
    const i = index.get(m.accountId);
    const crew = i === undefined ? undefined : crewAt.get(i);
    // The crew's own frames are some of the group's: a member that does not fill those twice is not judged further.
    if (crew === undefined || fillsOf(m, frames, fromHour) < FRAMED_FILLS) return false;
    const judgement = judge(crew);
    return (
      judgement !== null &&
      fillsOf(m, judgement.frames, fromHour) >= FRAMED_FILLS &&
      worksIn(memberHours.get(m.accountId) as Set<number>, judgement.busy)
    );
  };
}

/** The hours (of the window) in which at least a fifth of these members, and two or more, are active. */
function busyHours(hourSets: readonly Set<number>[]): Set<number> {
  const counts = new Map<number, number>();
  for (const hs of hourSets) for (const h of hs) counts.set(h, (counts.get(h) ?? 0) + 1);
  const least = Math.max(2, hourSets.length * 0.2);
  return new Set([...counts].filter(([, n]) => n >= least).map(([h]) => h));
}

/** Whether a member active in these hours spends at least half of them in the busy ones. */
function worksIn(hours: ReadonlySet<number>, busy: ReadonlySet<number>): boolean {
  let inBusy = 0;
  for (const h of hours) if (busy.has(h)) inBusy++;
  return hours.size > 0 && inBusy / hours.size >= 0.5;
}

/**
 * Whether a member shows intent of its own: asks for reasoning in a good share of its requests, or a
 * task mix or harvest beyond what ordinary accounts in the window show, or (marked by the clusterer over
 * its component) fills problem-set frames. It depends on the member, the population and that mark only,
 * never on the group, so a group with fewer such members than a cluster needs cannot become one whatever
 * else is in it (the clusterer does not score it).
 */
export function showsIntent(m: ClusterMember, ordinary: OrdinaryBehaviour): boolean {
  return showsOwnIntent(m, ordinary) || m.framed === true;
}

/** showsIntent but for the frames the member fills (marked over a component, judged again by the fit). */
function showsOwnIntent(m: ClusterMember, ordinary: OrdinaryBehaviour): boolean {
  return intentKinds(m, ordinary) !== 0;
}

/** The kinds of intent a member shows of its own (all but frames), as bits: 0 when it shows none. */
function intentKinds(m: ClusterMember, ordinary: OrdinaryBehaviour): number {
  const f = m.features;
  const asks = f.textless ? f.reasoningRatio >= 1 && f.requests >= 3 : f.elicited >= 1 && f.elicitShare >= 0.3;
  // Intent without a reasoning ask: a farm harvesting plain answers or code.
  const concentrated =
    f.taskKnown >= 3 &&
    f.capabilityShare >= (1 + ordinary.capabilityShare.p50) / 2 &&
    (f.capabilityRequests >= capabilityVolumeFloor(ordinary.capabilityRequests.p50) || sustainsCapability(m));
  const harvests =
    f.requests >= 3 &&
    (f.outputPerInput > ordinary.outputPerInput.p99 || f.reasoningRatio > ordinary.reasoningRatio.p99);
  return (
    (asks ? ASKS : 0) |
    (concentrated ? CONCENTRATED : 0) |
    (harvests ? HARVESTS : 0) |
    (m.capabilityCohort ? COHORT : 0)
  );
}

/**
 * Splits a group whose members sit on two or more separate infrastructures: sets of members tied
 * among themselves by exclusive cards, devices or networks, with no such tie between the sets. A
 * class of students on their campus network and a farm on its cards and proxies can end up in one
 * group through a few prompt templates both happened to send; each is one operator's (or one
 * school's) footprint, and is judged on its own. Members tied to no such set stay with the largest.
 * `shared` is what the group's candidates shared (exclusivity is judged there, as in the fit).
 *
 * Sets woven together are one infrastructure: when most members of each of them share a card, device
 * or network (exclusive or not) with members of another, as a farm's card groups share its proxy pool.
 * Without this the quarter-scale incident's farm, whose proxies are also used by farm accounts outside
 * the candidate group, fell apart into hundreds of card groups of 3–7 accounts at some ticks. One
 * student whose home network happens to be a proxy's does not weave a class into a farm.
 */
export function separateInfrastructures(
  members: readonly ClusterMember[],
  shared: readonly SharedValue[],
  minSize: number,
): ClusterMember[][] {
  const index = new Map(members.map((m, i) => [m.accountId, i]));
  const usersOf = (s: SharedValue) => s.members.map((a) => index.get(a)).filter((i): i is number => i !== undefined);
  const uf = new UnionFind(members.length);
  const tied = new Set<number>();
  for (const s of shared) {
    if (!exclusiveStrong(s)) continue;
    const users = usersOf(s);
    for (const i of users) {
      tied.add(i);
      uf.union(users[0] as number, i);
    }
  }
  // Most groups sit on one infrastructure or none: nothing to weave (and this runs for every group).
  // A set too small to be a group of its own (a household's shared card) that is not woven into a
  // larger one is another footprint, not the group's: it is left out rather than joined to the largest.
  const tiedSets = uf.groups().filter((g) => g.length >= 2);
  const bigSets = tiedSets.filter((g) => g.length >= minSize).length;
  // Several sets, none of a cluster's size, and no member outside them: households, each pair on its own card, that a
  // tick found in one group (two on a held-aside seed, four accounts sent to verification as one cluster) are several
  // footprints unless woven into one. With untied members beside them the group is held by something else, as before.
  const smallFootprints = bigSets === 0 && tiedSets.length >= 2 && tied.size === members.length;
  if ((bigSets === 0 && !smallFootprints) || (bigSets === 1 && tiedSets.length === 1))
    return [members as ClusterMember[]];
  const strong = shared
    .filter((s) => STRONG_KINDS.has(s.kind))
    .map(usersOf)
    .filter((users) => users.length >= 2);
  // The sets as the exclusive values drew them, before any are joined.
  const setOf = new Map([...tied].map((i) => [i, uf.find(i)]));
  const setsOf = (users: readonly number[]) => [...new Set(users.flatMap((i) => setOf.get(i) ?? []))];
  // Members who share a strong value with a member of another set, counted per set.
  const crossing = new Set<number>();
  for (const users of strong) if (setsOf(users).length >= 2) for (const i of users) if (tied.has(i)) crossing.add(i);
  const setSize = new Map<number, number>();
  const setCrossing = new Map<number, number>();
  for (const [i, r] of setOf) {
    setSize.set(r, (setSize.get(r) ?? 0) + 1);
    if (crossing.has(i)) setCrossing.set(r, (setCrossing.get(r) ?? 0) + 1);
  }
  const woven = (set: number) => (setCrossing.get(set) ?? 0) >= (setSize.get(set) ?? Infinity) * WOVEN_SHARE;
  for (const users of strong) {
    const sets = setsOf(users).filter(woven);
    for (const r of sets) uf.union(sets[0] as number, r);
  }
  const parts = uf.groups().filter((g) => g.length >= minSize);
  // Only small footprints none of which is woven into one of a cluster's size come here empty.
  if (parts.length === 0) return [];
  parts.sort((a, b) => b.length - a.length || (a[0] as number) - (b[0] as number));
  const inPart = new Set(parts.flat());
  for (let i = 0; i < members.length; i++) if (!inPart.has(i) && !tied.has(i)) (parts[0] as number[]).push(i);
  return parts.map((g) => g.sort((a, b) => a - b).map((i) => members[i] as ClusterMember));
}
