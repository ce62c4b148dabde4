/**
 * What a full score of a large candidate component found, kept until measured drift says to score it
 * again. Every tick joins the accounts active since the last one to everyone they share a value with,
 * so a farm of thousands (or a crowd of strangers sending a common template) comes back whole at every
 * tick when a handful of its members made a request — and re-scoring all of them made a replay's pace
 * fall as its clusters grew (issue 18). A component that is mostly a remembered one, has changed
 * little since (newcomers that show intent, members whose own intent turned), and found no group on
 * the verify band's edge nor one in the making, keeps the remembered groups; a newcomer that shows
 * intent and shares an exclusive card or device with a group joins it. Everything is scored afresh at
 * each new baseline hour.
 */
import type { FoundGroup } from './cluster-registry.ts';
import type { SharedValue } from '../../detectors/detector.ts';

/** Components this large are remembered (what FARMWATCH_REFIT_DRIFT's help says). */
export const REMEMBER_MIN_MEMBERS = 500;

export interface RefitSettings {
  /**
   * Share of a remembered component that may change (newcomers that show intent, members whose own intent
   * turned) before it is scored again in full. 0 scores every component at every tick.
   */
  readonly drift: number;
  /** Components smaller than this are always scored in full: bookkeeping would cost about what scoring does. */
  readonly minMembers: number;
  /**
   * Members of the component a probe scores beside the probed accounts (`Clusterer.probe`; 1,500 unless set). Tests
   * set a few, to stand for a component far larger than its sample.
   */
  readonly probeSample?: number;
}

/** A group a full score found, with the values through which a newcomer joins it. */
export interface RememberedGroup {
  readonly found: FoundGroup;
  /** Account key (`partition|account`) of each member, in `found.members` order. */
  readonly keys: readonly string[];
  /** The exclusive cards and devices the group's members share, by value key (kind and value). */
  readonly ties: ReadonlyMap<string, SharedValue>;
}

export interface RememberedComponent {
  readonly members: ReadonlySet<string>;
  /** Members that showed intent of their own at the full score. */
  readonly intent: ReadonlySet<string>;
  /**
   * Templates the full score found filled as problem sets (src/clustering/framed-members.ts): members are judged by
   * them.
   */
  readonly frames: ReadonlySet<string>;
  /** Members of the groups on the verify band. */
  readonly flagged: ReadonlySet<string>;
  readonly groups: readonly RememberedGroup[];
  /** The tick of the full score. */
  readonly atMs: number;
}

/**
 * What a tick's probe of a remembered component decided: who it judged, and who joined which group (their keys and
 * account ids, in the same order, and the group the tick handed on with them, which says their partitions and whether
 * they are verified).
 */
export interface Admission {
  readonly judged: readonly string[];
  readonly joined: ReadonlyMap<
    RememberedGroup,
    { readonly keys: readonly string[]; readonly ids: readonly string[]; readonly handedOn: FoundGroup }
  >;
}

interface HeldComponent extends RememberedComponent {
  readonly members: Set<string>;
  readonly intent: Set<string>;
  readonly flagged: Set<string>;
  groups: RememberedGroup[];
}

export interface Recall {
  readonly memo: RememberedComponent;
  /** Members of the component the memo does not hold. */
  readonly newcomers: readonly string[];
}

/** Share of a probe verdict's sampled members that may lie outside the flagged group its probed accounts join. */
export const PROBE_STRAY_SHARE = 0.1;

/**
 * Where a probe's verdict on the verify band puts its probed accounts (`sampled`: the verdict's members from the
 * component's sample): into the remembered verify group that holds most of its sampled members, when that is at least
 * half of them; a group of their own when no such group does; undecided when the verdict also holds more than
 * PROBE_STRAY_SHARE of its sampled members outside every verify group. Such a verdict mixes the flagged group with
 * others (a class on its campus network beside a camouflaged farm, each half sampled), and the sample cannot tell on
 * whose side a probed account is: the component is scored in full instead. Members of another verify group are no
 * strays: a verdict that holds two farms renting the same exits flags its probed accounts whichever group they join
 * (counting them made a wide probe of `bench:cluster`'s realistic data undecided, 9 and 4 of two farms).
 */
export function probeTarget(
  groups: readonly RememberedGroup[],
  sampled: ReadonlySet<string>,
): { readonly join: RememberedGroup } | 'own' | 'undecided' {
  let target: RememberedGroup | undefined;
  let most = 0;
  let flagged = 0;
  for (const g of groups) {
    if (g.found.assessment.band !== 'verify') continue;
    const n = g.keys.reduce((c, k) => c + (sampled.has(k) ? 1 : 0), 0);
    flagged += n;
    if (n > most) [target, most] = [g, n];
  }
  if (target === undefined || most * 2 < sampled.size) return 'own';
  return sampled.size - flagged > sampled.size * PROBE_STRAY_SHARE ? 'undecided' : { join: target };
}

/** A group with accounts added, each with its partition and verification as `from` (a group that holds it) has them. */
export function withMembers(group: FoundGroup, ids: readonly string[], from: FoundGroup): FoundGroup {
  return {
    ...group,
    members: group.members.concat(ids),
    partitions: new Map([
      ...(group.partitions ?? []),
      ...ids.map((id) => [id, from.partitions?.get(id) ?? -1] as const),
    ]),
    verified: new Set([...group.verified, ...ids.filter((id) => from.verified.has(id))]),
  };
}

export class ComponentMemos {
  private readonly memoOf = new Map<string, HeldComponent>();
  private hourMs = Number.NaN;

  /** A new baseline hour changes what is ordinary, so every verdict is scored afresh. */
  startHour(hourMs: number): void {
    if (hourMs === this.hourMs) return;
    this.hourMs = hourMs;
    this.memoOf.clear();
  }

  /** The remembered component holding most of `component`'s members, when it holds at least half of them. */
  recall(component: readonly string[]): Recall | undefined {
    const votes = new Map<HeldComponent, number>();
    for (const k of component) {
      const m = this.memoOf.get(k);
      if (m !== undefined) votes.set(m, (votes.get(m) ?? 0) + 1);
    }
    let memo: HeldComponent | undefined;
    let held = 0;
    for (const [m, n] of votes) {
      if (n > held) {
        memo = m;
        held = n;
      }
    }
    if (memo === undefined || held * 2 < component.length) return undefined;
    const m = memo;
    return { memo: m, newcomers: component.filter((k) => !m.members.has(k)) };
  }

  remember(memo: RememberedComponent): void {
    const held: HeldComponent = {
      members: new Set(memo.members),
      intent: new Set(memo.intent),
      frames: memo.frames,
      flagged: new Set(memo.flagged),
      groups: [...memo.groups],
      atMs: memo.atMs,
    };
    for (const k of held.members) this.memoOf.set(k, held);
  }

  /**
   * Takes a probe's verdicts into a remembered component: the judged accounts become members that showed intent (so
   * they are not newcomers again), and those that joined a flagged group become its members.
   */
  admit(memo: RememberedComponent, a: Admission): void {
    // Every memo `recall` hands out is one this class holds.
    const m = memo as HeldComponent;
    for (const k of a.judged) {
      m.members.add(k);
      m.intent.add(k);
      this.memoOf.set(k, m);
    }
    m.groups = m.groups.map((g) => {
      const j = a.joined.get(g);
      if (j === undefined) return g;
      for (const k of j.keys) m.flagged.add(k);
      // From the remembered group, not the one handed on: that one holds only the members the tick reached, and its
      // members stopped lining up with the keys (later ticks handed on the members at the positions of present keys).
      return { found: withMembers(g.found, j.ids, j.handedOn), keys: g.keys.concat(j.keys), ties: g.ties };
    });
  }

  forget(component: readonly string[]): void {
    for (const k of component) this.memoOf.delete(k);
  }
}
