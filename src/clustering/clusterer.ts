/**
 * One clustering pass at an event-time tick. Candidates come from the indexes, never from all pairs:
 * the accounts written since the last tick (late events' accounts too) are joined to every account that
 * shares a linking value with them (payment, device, network prefix, system prompt, template, SimHash band) — values
 * used by too many accounts to mean anything are skipped. Each connected group is split by k-means when it
 * mixes distinct behaviours, scored by the detectors, and handed to the registry for flagging.
 */
import { createHash } from 'node:crypto';
import type { ClusterMember, PopulationBaseline, SharedValue } from '../../detectors/detector.ts';
import type { AttrKind } from '../windows/account-state.ts';
import type { AccountSnapshot, AttrTable } from '../windows/account-snapshot.ts';
import type { AccountRef, WindowReader } from '../windows/window-reader.ts';
import {
  ClusterRegistry,
  type ClusterRecord,
  type Excusals,
  type FoundGroup,
  type VerificationRequest,
  type RequestReason,
} from './cluster-registry.ts';
import { accountFeatures, featureVector, type FeatureWindow } from './features.ts';
import { markCapabilityCohorts } from './capability-cohort.ts';
import { frameCohorts, framedBy, markFramedMembers, recentFrames } from './framed-members.ts';
import {
  ComponentMemos,
  probeTarget,
  type Recall,
  type RefitSettings,
  type RememberedComponent,
  type RememberedGroup,
  withMembers,
} from './component-memo.ts';
import { exclusiveCard, fittingMembers, separateInfrastructures, showsIntent } from './member-fit.ts';
import { bandUsers, commonClients, ordinaryBehaviour, populationBaseline, splitByBehaviour } from './population.ts';
import { assess, type ScoringConfig } from './scoring.ts';
import { ATTRS_MAX, SKETCH_MIN_GROUP, maybeShared } from './shared-value-sketch.ts';
import { RefIds } from './ref-ids.ts';
import { StateCache } from './state-cache.ts';
import { UnionFind } from './union-find.ts';

/**
 * Values used by more accounts than this link nobody (a popular SDK, a benchmark, a big NAT). A TLS fingerprint links
 * only while it is also rare in the population (`commonClients`): a drip whose accounts each have their own address
 * and card shares its operator's client, and nothing else a link could use until its templates repeat (hours later).
 */
export const LINK_CAPS: Readonly<Partial<Record<AttrKind, number>>> = {
  payment: 300,
  device: 50,
  network: 800,
  systemPrompt: 3000,
  template: 3000,
  tls: 3000,
};
const LINK_KINDS = Object.keys(LINK_CAPS) as AttrKind[];
const LINK_KIND_SET: ReadonlySet<AttrKind> = new Set(LINK_KINDS);
const SHARED_KINDS: ReadonlySet<AttrKind> = new Set([...LINK_KINDS, 'band', 'tls']);

export interface ClustererSettings {
  readonly windowMs: number;
  readonly bucketMs: number;
  readonly slotMs: number;
  readonly minClusterSize: number;
  readonly scoring: ScoringConfig;
  /** What `emitted_at` says: the wall clock live, the tick in a backtest (so output is reproducible). */
  readonly emittedAt: (tickMs: number) => string;
  /** When large components are scored again in full; absent, every component is scored at every tick. */
  readonly refit?: RefitSettings;
  /**
   * How late an event may still arrive (FARMWATCH_ALLOWED_LATENESS). A tick runs as soon as event time reaches it, not
   * once the lateness has passed; where the written index cannot say which accounts changed since the previous tick
   * (after a takeover), it re-reads those active this long before it, so an event that arrived after that tick with an
   * earlier time is still seen.
   */
  readonly latenessMs: number;
}

/**
 * Kinds of value an analyst can allowlist: an org's accounts are not clustered; a network or payment value links
 * nobody.
 */
export const ALLOWLIST_KINDS = ['org', 'network', 'payment'] as const;
export type AllowlistKind = (typeof ALLOWLIST_KINDS)[number];

/** The analysts' standing instructions, refreshed by the service before each tick. */
export interface ReviewPolicy {
  readonly excusals: Excusals;
  allowlisted(kind: AllowlistKind, value: string): boolean;
}

export const NO_REVIEW_POLICY: ReviewPolicy = { excusals: { isExcused: () => false }, allowlisted: () => false };

export interface TickResult {
  readonly tickMs: number;
  readonly dirty: number;
  readonly candidates: number;
  /** Candidate components scored in full, and those whose remembered groups were reused (FARMWATCH_REFIT_DRIFT). */
  readonly components: { readonly scored: number; readonly reused: number };
  readonly groups: number;
  readonly requests: readonly VerificationRequest[];
  readonly changed: readonly ClusterRecord[];
}

/** An account's key in a tick: the same string as its field in the linking indexes (window-store.ts writes those). */
const refKey = (r: AccountRef) => `${r.partition}|${r.accountId}`;
const valueKey = (kind: AttrKind, value: string) => `${kind}\u0000${value}`;

/**
 * How long (event time) an index lookup is reused. The dirty accounts indexed under a value join its view as they
 * come (`joined`), so until it expires a view misses only users that left the window.
 */
const LINK_CACHE_MS = 3_600_000;
const LINK_CACHE_MAX = 500_000;
/**
 * Decoded states kept between ticks (a few kB each): enough for the incident's 24,000-account farm several times over.
 */
const STATE_CACHE_MAX = 150_000;
const BASELINE_SAMPLE = 3_000;
/**
 * Dirty accounts read per round trip in a tick's first phase; their states are kept for the second only when there are
 * at most RETAIN_DIRTY_MAX (a live tick), not on a first pass over everyone.
 */
const DIRTY_CHUNK = 20_000;
const RETAIN_DIRTY_MAX = 100_000;
/**
 * Newcomers that show intent and share no card with a group, in a remembered component without a flagged one, before
 * the newcomers are scored as a component of their own: a camouflaged farm arrives in tens, a crowd's newcomers that
 * ask for reasoning one or two a tick. (Until 2026-12-03 the whole component was scored in full then, which the 5%
 * incident's crowd was at most ticks from its fourth tenth.)
 */
const UNTIED_NEWCOMERS_MAX = 10;
/**
 * Members of a remembered component sampled (evenly) to judge, with them, the accounts that may have joined its flagged
 * groups: enough for k-means and the fit to see the component's mix of behaviours and the groups' rhythm.
 */
const PROBE_SAMPLE = 1500;
/**
 * Members the fit keeps in a part, short of a cluster, that make a large component be scored again at the next tick
 * rather than remembered: two tied members that show intent are a group in the making.
 */
const NASCENT_MIN = 2;
/** Candidate accounts whose states are held at once while their components are scored. */
const COMPONENT_BATCH = 20_000;

interface IndexEntryView {
  readonly size: number;
  /**
   * The `RefIds` id of each member, computed once per lookup rather than once per tick; empty when the value is too
   * common to link (size over its cap). Numbers rather than refs: the cache keeps up to LINK_CACHE_MAX views, and a
   * first pass over a million accounts held an object per member of each.
   */
  readonly memberIds: Int32Array;
  /** The day (since the epoch) of each member's last use of the value, beside `memberIds`. */
  readonly days: Int32Array;
  readonly atMs: number;
  /**
   * For a value with fewer than two users when looked up: the one dirty account indexed under it then, if any. Such a
   * view is reused only while nobody else indexed under the value is dirty: a template or card that gains its second
   * user must link the two at once, not when the view expires (a drip whose templates each had one user at their first
   * lookup was linked 55 minutes late).
   */
  readonly soleUser?: number;
}

const NO_IDS = new Int32Array(0);

/** A linking value of the accounts a tick reads (`Clusterer.candidates`). */
interface DirtyValue {
  readonly kind: AttrKind;
  readonly value: string;
  /** Accounts read that used it in the window. */
  users: number;
  /** Ids of those indexed under it, in the order read; null for none. */
  indexed: number[] | null;
}
/** Dirty users of a value looked for in its kept member list one by one (`Clusterer.joined`), not through a set. */
const JOIN_SCAN_MAX = 16;

/** A value used by two or more members of a group. */
interface GroupValue {
  readonly kind: AttrKind;
  readonly value: string;
  readonly key: string;
  readonly members: string[];
}

/** Accounts given an id before the ids (and the link cache that holds them) start over. */
const REF_IDS_MAX = 4_000_000;

/**
 * `valueKey` of each of a state's attributes, in order; states are shared by the cache, so this is computed once per
 * decode.
 */
const attrKeyMemo = new WeakMap<AccountSnapshot, readonly string[]>();
function attrKeys(state: AccountSnapshot): readonly string[] {
  let keys = attrKeyMemo.get(state);
  if (keys === undefined) {
    const attrs = state.attrs;
    keys = Array.from({ length: attrs.length }, (_, i) => valueKey(attrs.kind(i), attrs.value(i)));
    attrKeyMemo.set(state, keys);
  }
  return keys;
}

/** The first of a group's exclusive cards or devices (`ties`) the account used in the window's hours. */
function tieOf(
  state: AccountSnapshot,
  ties: ReadonlyMap<string, SharedValue>,
  fromHour: number,
): SharedValue | undefined {
  if (ties.size === 0) return undefined;
  const keys = attrKeys(state);
  for (let i = 0; i < keys.length; i++)
    if (state.attrs.lastHour(i) >= fromHour && ties.has(keys[i] as string)) return ties.get(keys[i] as string);
  return undefined;
}

/** Why an account that sent nothing is asked about: the card or device of the group it was given. */
function riderReason(tie: SharedValue, weight: number): RequestReason {
  const noun = tie.kind === 'payment' ? 'payment instrument' : tie.kind;
  return {
    code: 'successor_account',
    weight,
    detail:
      `No request in the window yet; uses ${noun} ${tie.value}, which ${tie.members.length} accounts of this cluster ` +
      `use (${tie.total} anywhere).`,
  };
}

export class Clusterer {
  private lastTickMs: number | null = null;
  /** Where the previous tick left each partition's written index (`WindowReader.changedAccounts`); none before one. */
  private cursors: ReadonlyMap<string, number> = new Map();
  private baseline: PopulationBaseline | null = null;
  private baselineAtMs = -Infinity;
  /** The population's common TLS fingerprints (`commonClients`); null while the sample is too small to tell. */
  private clients: ReadonlySet<string> | null = null;
  /** The population's users of each SimHash band, estimated from the baseline sample (`bandUsers`). */
  private bands: ReadonlyMap<string, number> = new Map();
  private readonly linkCache = new Map<string, IndexEntryView>();
  private readonly refIds = new RefIds();
  private readonly stateCache: StateCache;
  private readonly memos = new ComponentMemos();

  constructor(
    private readonly reader: WindowReader,
    private readonly settings: ClustererSettings,
    readonly registry: ClusterRegistry,
    private policy: ReviewPolicy = NO_REVIEW_POLICY,
  ) {
    this.stateCache = new StateCache(reader, STATE_CACHE_MAX);
  }

  setPolicy(policy: ReviewPolicy): void {
    this.policy = policy;
  }

  private unlinkable(kind: AttrKind, value: string): boolean {
    return (kind === 'network' || kind === 'payment') && this.policy.allowlisted(kind, value);
  }

  /** Whether a value joins its users into candidates: a linking kind, not allowlisted, a client only when rare. */
  private links(kind: AttrKind, value: string): boolean {
    if (!(kind in LINK_CAPS) || this.unlinkable(kind, value)) return false;
    return kind !== 'tls' || (this.clients !== null && !this.clients.has(value));
  }

  /**
   * `asOfMs` is the newest event time already applied when the tick runs (events up to the allowed
   * lateness past the tick may be in): flags are dated then, so leakage is never under-counted.
   */
  /** After a takeover: continue from the last tick the previous holder committed. */
  resumeAfter(lastTickMs: number): void {
    this.lastTickMs = lastTickMs;
    this.cursors = new Map();
  }

  async tick(tickMs: number, asOfMs: number = tickMs): Promise<TickResult> {
    const s = this.settings;
    const fromMs = tickMs - s.windowMs;
    const window: FeatureWindow = { fromMs, toMs: tickMs, bucketMs: s.bucketMs, slotMs: s.slotMs };
    const firstPass = this.lastTickMs === null;
    // Where the written index cannot say (a first pass, a takeover, a partition new to it), the accounts active within
    // the allowed lateness before the previous tick: a late event's account has its last event there.
    const since = this.lastTickMs === null ? fromMs : this.lastTickMs - s.latenessMs;
    // And the accounts active since the previous tick: a tick that ran behind the worker took accounts whose events
    // came after it, and they are read again at each tick until one falls after their last event.
    const written = await this.reader.changedAccounts(this.cursors, since, this.lastTickMs ?? undefined);
    const dirtyRefs = written.accounts.filter((r) => r.accountId.length > 0);
    // Moved on only by a tick that gets this far: one that failed is run again from the same place.
    const passed = () => {
      this.lastTickMs = tickMs;
      this.cursors = written.cursors;
    };
    if (dirtyRefs.length === 0) {
      passed();
      return {
        tickMs,
        dirty: 0,
        candidates: 0,
        components: { scored: 0, reused: 0 },
        groups: 0,
        requests: [],
        changed: [],
      };
    }

    await this.refreshBaseline(tickMs, window);
    this.memos.startHour(this.baselineAtMs);

    const { states, dirty, components } = await this.candidates(dirtyRefs, firstPass, window, tickMs);
    const ids = this.refIds;
    const fromHour = Math.floor(fromMs / 3_600_000);
    // Members' states are read a batch of components at a time and let go once those are scored: a
    // first pass over a million accounts has hundreds of thousands of candidates.
    const found: FoundGroup[] = [];
    let reused = 0;
    for (let c = 0; c < components.length;) {
      const batch: string[][] = [];
      let size = 0;
      while (
        c < components.length &&
        (batch.length === 0 || size + (components[c] as string[]).length <= COMPONENT_BATCH)
      ) {
        batch.push(components[c] as string[]);
        size += (components[c] as string[]).length;
        c++;
      }
      const read = new Map<string, { ref: AccountRef; state: AccountSnapshot }>();
      const readMissing = async (keys: readonly string[]) => {
        const missing = keys.filter((k) => !states.has(k) && !read.has(k)).map((k) => ids.refOf(k) as AccountRef);
        for (const [ref, state] of await this.stateCache.states(missing)) read.set(refKey(ref), { ref, state });
      };
      // A remembered component needs only its newcomers' and active members' states to tell whether it drifted.
      const recalls = batch.map((component) => this.recall(component));
      await readMissing(
        batch.flatMap((component, i) => {
          const r = recalls[i];
          return r === undefined ? component : r.newcomers.concat(component.filter((k) => dirty.has(k)));
        }),
      );
      const stateOf = (k: string) => states.get(k) ?? read.get(k);
      for (const [i, component] of batch.entries()) {
        const r = recalls[i];
        if (r !== undefined) {
          const before = found.length;
          const kept = this.reuse(component, r, stateOf, dirty, window, fromHour, found);
          if (kept !== false) {
            // Newcomers arriving in a crowd in numbers are judged by themselves, not with the whole crowd.
            if (kept.judge.length >= s.minClusterSize)
              await this.scoreInFull(kept.judge, stateOf, window, fromHour, tickMs, found, []);
            let decided = true;
            if (kept.probe.length > 0) {
              const probed = new Set(kept.probe);
              const sample = evenSample(component, probed, s.refit?.probeSample ?? PROBE_SAMPLE);
              await readMissing(sample);
              const start = found.length;
              let verdict = await this.probe(r.memo, kept, sample, false, stateOf, window, fromHour, tickMs, found);
              if (verdict === 'widen') {
                found.length = start;
                const inSample = new Set(sample);
                const wide = sample.concat(
                  component.filter((k) => r.memo.flagged.has(k) && !probed.has(k) && !inSample.has(k)),
                );
                await readMissing(wide);
                verdict = await this.probe(r.memo, kept, wide, true, stateOf, window, fromHour, tickMs, found);
              }
              decided = verdict === 'decided';
            }
            if (decided) {
              reused++;
              continue;
            }
            // What the groups handed on said is replaced by the full score's.
            found.length = before;
          }
          await readMissing(component);
        }
        await this.scoreComponent(component, stateOf, window, fromHour, tickMs, found);
      }
    }
    const { requests, changed } = this.registry.update(
      found,
      Math.max(tickMs, asOfMs),
      fromMs,
      this.policy.excusals,
      s.emittedAt,
    );
    passed();
    return {
      tickMs,
      dirty: dirtyRefs.length,
      candidates: components.reduce((n, c) => n + c.length, 0),
      components: { scored: components.length - reused, reused },
      groups: found.length,
      requests,
      changed,
    };
  }

  /**
   * The population baseline of the tick's hour, computed once an hour. A method of its own so that the hour's active
   * accounts it lists are garbage once it returns: in the tick's frame, a first pass over a million accounts kept that
   * second list of a million refs (and their ids) alive through its scoring.
   */
  private async refreshBaseline(tickMs: number, window: FeatureWindow): Promise<void> {
    const s = this.settings;
    const baselineHour = Math.floor(tickMs / 3_600_000) * 3_600_000;
    if (this.baseline === null || baselineHour !== this.baselineAtMs) {
      // From the whole window's population, not this tick's dirty accounts: those are whoever is
      // busy right now (a campaign's wave), and would make its own rhythm look like chance. Taken
      // as of the hour's start, so a clusterer that takes over mid-hour computes the same one.
      const hourWindow: FeatureWindow = { ...window, fromMs: baselineHour - s.windowMs, toMs: baselineHour };
      const population = await this.reader.activeAccounts(hourWindow.fromMs);
      const stride = Math.max(1, Math.floor(population.length / BASELINE_SAMPLE));
      const sample = await this.stateCache.states(population.filter((_, i) => i % stride === 0));
      this.baseline = this.computeBaseline(
        [...sample.values()],
        [...sample.keys()].map((ref) => ref.accountId),
        hourWindow,
      );
      this.bands = bandUsers([...sample.values()], Math.floor(hourWindow.fromMs / 3_600_000), stride);
      this.baselineAtMs = baselineHour;
    }
  }

  /**
   * The dirty accounts' candidate components (at least `minClusterSize` accounts joined by linking values), and the
   * dirty accounts' states when there are few enough to keep for scoring. A method of its own so that what it builds to
   * find them (every value's users, the index views of this tick) is garbage before the components are scored: held
   * in the tick's frame, a first pass over a million accounts carried it through the scoring of its largest component.
   */
  private async candidates(
    dirtyRefs: readonly AccountRef[],
    firstPass: boolean,
    window: FeatureWindow,
    tickMs: number,
  ): Promise<{
    states: Map<string, { ref: AccountRef; state: AccountSnapshot }>;
    dirty: Set<string>;
    components: string[][];
  }> {
    const s = this.settings;
    const fromMs = window.fromMs;
    // Linking values of the dirty accounts, and who else uses them. Read a chunk at a time, keeping
    // only each account's values: a first pass over a million accounts held every decoded state at
    // once, and the garbage collector's marking of that heap was a third of the pass.
    const fromDay = Math.floor(fromMs / 86_400_000);
    const fromHour = Math.floor(fromMs / 3_600_000);
    if (this.refIds.size > REF_IDS_MAX) {
      this.refIds.clear();
      this.linkCache.clear();
    }
    const ids = this.refIds;
    const states = new Map<string, { ref: AccountRef; state: AccountSnapshot }>();
    const retain = dirtyRefs.length <= RETAIN_DIRTY_MAX;
    /**
     * Each linking value the dirty accounts used in the window, by kind and value, in the order first seen: how many of
     * them used it, and the ids of those indexed under it. Its `valueKey` is made only if it is looked up: a key string
     * for every linking value of every active account (five million at a million accounts, most of them someone's own
     * card, device or home network) was a good part of a first pass's garbage.
     */
    const values = new Map<AttrKind, Map<string, DirtyValue>>();
    const seen: DirtyValue[] = [];
    const dirtyIds: number[] = [];
    for (let c = 0; c < dirtyRefs.length; c += DIRTY_CHUNK) {
      // States not kept for the second phase bypass the cache too: copying and caching a million
      // blobs only to evict them was a good part of a first pass's garbage.
      const chunk = dirtyRefs.slice(c, c + DIRTY_CHUNK);
      // Those not kept are read for their linking values alone.
      const chunkStates = retain
        ? await this.stateCache.states(chunk)
        : await this.reader.states(chunk, 'links', LINK_KIND_SET);
      for (const [ref, state] of chunkStates) {
        const k = refKey(ref);
        if (retain) states.set(k, { ref, state });
        const id = ids.id(k, ref);
        dirtyIds.push(id);
        const attrs = state.attrs;
        for (let i = 0; i < attrs.length; i++) {
          if (attrs.lastHour(i) < fromHour) continue;
          const kind = attrs.kind(i);
          const value = attrs.value(i);
          if (!this.links(kind, value)) continue;
          let ofKind = values.get(kind);
          if (ofKind === undefined) values.set(kind, (ofKind = new Map()));
          let v = ofKind.get(value);
          if (v === undefined) {
            ofKind.set(value, (v = { kind, value, users: 0, indexed: null }));
            seen.push(v);
          }
          v.users++;
          if (!attrs.linked(i)) continue;
          // A literal of one: a list begun empty and pushed to takes room for 16 (most values have one user).
          if (v.indexed === null) v.indexed = [id];
          else v.indexed.push(id);
        }
      }
    }
    // On a first pass every account active in the window is dirty, so a value only one of them used
    // links nobody and is not looked up: most values are someone's own card, device or home network,
    // and asking Redis for their sizes was a third of a pass over a million accounts (91 s → 58 s).
    // (An account whose last use fell on the window's first day but before the window began is still
    // in the value's index for that day; it is joined once another active account uses the value.)
    const lookups: { kind: AttrKind; value: string; key: string }[] = [];
    /** The dirty accounts indexed under each value looked up. */
    const indexedBy = new Map<string, number[]>();
    for (const v of seen) {
      if (firstPass && v.users < 2) continue;
      const key = valueKey(v.kind, v.value);
      lookups.push({ kind: v.kind, value: v.value, key });
      if (v.indexed !== null) indexedBy.set(key, v.indexed);
    }
    const index = await this.lookUp(lookups, tickMs, indexedBy);
    const uf = new UnionFind(ids.size);
    for (const id of dirtyIds) uf.add(id);
    for (const [key, view] of index) {
      // The value's first user in the window, to whom its other users are joined.
      let anchor = -1;
      for (let i = 0; i < view.memberIds.length; i++) {
        if ((view.days[i] as number) < fromDay) continue;
        if (anchor < 0) anchor = view.memberIds[i] as number;
        else uf.union(anchor, view.memberIds[i] as number);
      }
      // Dirty accounts join the values they are indexed under even if a cached member list predates them.
      if (anchor >= 0) for (const id of indexedBy.get(key) ?? []) uf.union(id, anchor);
    }
    const dirty = new Set(dirtyIds.map((id) => ids.keys[id] as string));
    const components = uf
      .groups()
      .filter((g) => g.length >= s.minClusterSize)
      .map((g) => ids.sortedKeys(g))
      .sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
    return { states, dirty, components };
  }

  /** The weight a rider's own reason carries: the successor detector's, as configured. */
  private riderWeight(): number {
    return this.settings.scoring.weights['successor-account'] ?? 0;
  }

  /** Whether a component is large enough to be remembered, when the settings let components be reused at all. */
  private remembers(component: readonly string[]): boolean {
    const refit = this.settings.refit;
    return refit !== undefined && refit.drift > 0 && component.length >= refit.minMembers;
  }

  /** The remembered component a large one mostly is, when its verdicts may be reused. */
  private recall(component: readonly string[]): Recall | undefined {
    return this.remembers(component) ? this.memos.recall(component) : undefined;
  }

  /**
   * Hands on a remembered component's groups when it has drifted less than the refit share since its full score:
   * newcomers that show intent and active members whose own intent turned. Newcomers that share an exclusive card or
   * device with a group join it; in a component with a flagged group, those tied by no card and active members that
   * show intent and are not flagged are returned in `probe` (`Clusterer.probe`). False when the component must be
   * scored in full.
   *
   * Newcomers that show no intent are not drift: the fit keeps only members that show intent, so they could not be
   * flagged. Nor are remembered members missing from the component: a tick reaches only the values its active accounts
   * used, so a crowd joined by common templates comes back as a different part of itself at every tick (counting them
   * re-scored the 5% incident's crowd of 3,600 at most ticks); its groups are handed on without them, as a full score
   * of this part would leave them out.
   *
   * In a component without a flagged group, ten or more newcomers that show intent and share no card with a group may
   * be a farm arriving in a crowd that sends its templates: they are returned in `judge`, to be scored as a component
   * of their own (with the crowd, the crowd was scored in full at most ticks of the 5% incident from its fourth tenth).
   */
  private reuse(
    component: readonly string[],
    recall: Recall,
    stateOf: (key: string) => { ref: AccountRef; state: AccountSnapshot } | undefined,
    dirty: ReadonlySet<string>,
    window: FeatureWindow,
    fromHour: number,
    found: FoundGroup[],
  ): false | Reused {
    const { memo, newcomers } = recall;
    const ordinary = (this.baseline as PopulationBaseline).ordinary;
    const limit = (this.settings.refit as RefitSettings).drift * memo.members.size;
    let drift = 0;
    /** Accounts to judge with a sample of the component: they may have joined a flagged group. */
    const probe: string[] = [];
    for (const k of component) {
      if (!dirty.has(k) || !memo.members.has(k)) continue;
      const x = stateOf(k);
      const shows = x !== undefined && showsIntent(framedBy(memberOf(x, window), memo.frames, fromHour), ordinary);
      // An active member of a flagged component that shows intent and is not flagged yet may be the farm's, its
      // activity now moving with the group: a probe judges it at every tick it is active, as a full score would.
      // (Re-scoring the component for it, the fit waited until the verdict was 15 minutes old: every tick re-scored a
      // farm's component for the few ordinary accounts in it that ask for reasoning.)
      if (shows && memo.flagged.size > 0 && !memo.flagged.has(k)) probe.push(k);
      if (shows !== memo.intent.has(k) && ++drift > limit) return false;
    }
    let untied = 0;
    const joining = new Map<RememberedGroup, ClusterMember[]>();
    const partitionOf = new Map<string, number>();
    const notes = new Map<string, RequestReason>();
    for (const k of newcomers) {
      const x = stateOf(k);
      if (x === undefined || (x.state.orgId !== null && this.policy.allowlisted('org', x.state.orgId))) continue;
      const m = framedBy(memberOf(x, window), memo.frames, fromHour);
      if (!showsIntent(m, ordinary)) {
        // Given a group's card before sending anything: it rides on the group, as in a full score (no drift, the
        // verdict is the group's own).
        if (m.features.requests > 0) continue;
        for (const g of memo.groups) {
          const tie = tieOf(x.state, g.ties, fromHour);
          if (tie === undefined) continue;
          partitionOf.set(m.accountId, x.ref.partition);
          joining.set(g, (joining.get(g) ?? []).concat(m));
          notes.set(m.accountId, riderReason(this.currentTotal(tie), this.riderWeight()));
          break;
        }
        continue;
      }
      const group = memo.groups.find((g) => tieOf(x.state, g.ties, fromHour) !== undefined);
      // Only the fit can tell whether a newcomer tied by no card moves with a flagged group (its waves, busy hours): a
      // farm's new accounts on its proxies are probed at this tick (letting them wait 15 minutes put 351 of the 5%
      // incident's 1,200 accounts 5–10 minutes later, leakage 1.64% → 1.76%). Elsewhere, ten of them may be one: a
      // camouflaged farm arriving in a crowd that sends its templates (waiting for the drift share first flagged one
      // 15 minutes late on the tuning set). Those that join a group count as drift too: many new accounts at once can
      // be a behaviour of their own, which k-means would set apart.
      if (++drift > limit) return false;
      if (group === undefined && memo.flagged.size > 0) {
        probe.push(k);
        continue;
      }
      if (group === undefined) {
        untied++;
        continue;
      }
      partitionOf.set(m.accountId, x.ref.partition);
      joining.set(group, (joining.get(group) ?? []).concat(m));
    }
    const present = new Set(component);
    const pushed = new Map<RememberedGroup, number>();
    for (const g of memo.groups) {
      const members = g.found.members.filter((_, i) => present.has(g.keys[i] as string));
      const joined = joining.get(g) ?? [];
      if (members.length + joined.length < this.settings.minClusterSize) continue;
      const joinedNotes = joined.flatMap((m) => {
        const note = notes.get(m.accountId);
        return note === undefined ? [] : [[m.accountId, note] as const];
      });
      pushed.set(g, found.length);
      // The group's own maps are handed on as they are when nobody joins: copying a farm's (thousands of entries) at
      // every tick made the same maps again.
      const { partitions, verified, notes: own } = g.found;
      found.push({
        members: members.concat(joined.map((m) => m.accountId)),
        partitions:
          partitionOf.size === 0 && partitions !== undefined
            ? partitions
            : new Map([...(partitions ?? []), ...partitionOf]),
        assessment: g.found.assessment,
        verified:
          joined.length === 0
            ? verified
            : new Set([...verified, ...joined.filter((m) => m.features.verified).map((m) => m.accountId)]),
        notes: joinedNotes.length === 0 && own !== undefined ? own : new Map([...(own ?? []), ...joinedNotes]),
      });
    }
    if (untied < UNTIED_NEWCOMERS_MAX) return { judge: [], probe, pushed };
    const inGroups = new Set([...joining.values()].flat().map((m) => m.accountId));
    return { judge: newcomers.filter((k) => !inGroups.has(stateOf(k)?.ref.accountId ?? '')), probe, pushed };
  }

  /**
   * Judges accounts that may have joined a remembered component's flagged groups (newcomers tied by no card, active
   * members not flagged yet) by scoring them with an even sample of the component, as a full score would judge them
   * with all of it: one that the probe finds on the verify band with sampled members of a flagged group joins that
   * group. A verify-band group of probed accounts alone is a group of its own. Undecided, and nothing decided, when the
   * probed accounts make a group of their own on the review band: a burst of new sign-ups looks like no one at work
   * next to a sample, and only the whole component tells whether they move with a farm (the 5% incident's burst of 17
   * was flagged 19–70 minutes late when they were left to wait), or when a verdict mixes a flagged group with others
   * (`probeTarget`). (Scoring the whole component for every such account, the quarter-scale incident's component of
   * 18,000 was scored in full at every tick from the replay's first tenth, 1.5 s each.)
   *
   * A group of their own below the review band asks to `widen` the probe: to score them again with every flagged member
   * of the component beside the sample (`wide`), the context a full score would give them. With thousands probed, a
   * sample of 1,500 holds less than one member of each small farm, and a farm's probed members found no group there;
   * with the flagged members beside them they join their farm's group. A group below the review band in a wide probe
   * is passed over: the fit keeps three or four of thousands of probed maths and code users together at almost every
   * tick, which showed nothing to build on (bench:cluster's realistic data scored a crowd of 140,000 in full at every
   * steady tick for them, 10-14 s each).
   */
  private async probe(
    memo: RememberedComponent,
    { probe, pushed }: Reused,
    sample: readonly string[],
    wide: boolean,
    stateOf: (key: string) => { ref: AccountRef; state: AccountSnapshot } | undefined,
    window: FeatureWindow,
    fromHour: number,
    tickMs: number,
    found: FoundGroup[],
  ): Promise<'decided' | 'undecided' | 'widen'> {
    const probed = new Set(probe);
    const verdicts: RememberedGroup[] = [];
    await this.scoreInFull(sample.concat(probe), stateOf, window, fromHour, tickMs, [], verdicts);
    const joined = new Map<RememberedGroup, { keys: string[]; ids: string[]; handedOn: FoundGroup }>();
    for (const v of verdicts) {
      const mine = v.keys.filter((k) => probed.has(k));
      const band = v.found.assessment.band;
      if (band !== 'verify') {
        if (mine.length * 2 < v.keys.length || (wide && band === 'none')) continue;
        return band === 'none' ? 'widen' : 'undecided';
      }
      if (mine.length === 0) continue;
      const placed = probeTarget(memo.groups, new Set(v.keys.filter((k) => !probed.has(k))));
      if (placed === 'undecided') return 'undecided';
      if (placed === 'own') {
        found.push(v.found);
        continue;
      }
      const target = placed.join;
      const accountOf = new Map(v.keys.map((k, i) => [k, v.found.members[i] as string]));
      const at = pushed.get(target);
      const base = at === undefined ? target.found : (found[at] as FoundGroup);
      const have = joined.get(target) ?? { keys: [], ids: [], handedOn: base };
      const add = mine.filter((k) => !have.keys.includes(k));
      const ids = add.map((k) => accountOf.get(k) as string);
      joined.set(target, {
        keys: have.keys.concat(add),
        ids: have.ids.concat(ids),
        handedOn: withMembers(have.handedOn, ids, v.found),
      });
    }
    for (const [g, j] of joined) {
      const at = pushed.get(g);
      if (at === undefined) found.push(j.handedOn);
      else found[at] = j.handedOn;
    }
    this.memos.admit(memo, { judged: probe, joined });
    return 'decided';
  }

  /** Scores a component in full; remembers it when it is large and no group of it sits on the verify band's edge. */
  private async scoreComponent(
    component: readonly string[],
    stateOf: (key: string) => { ref: AccountRef; state: AccountSnapshot } | undefined,
    window: FeatureWindow,
    fromHour: number,
    tickMs: number,
    found: FoundGroup[],
  ): Promise<void> {
    const groups: RememberedGroup[] = [];
    const { intent, frames, nascent } = await this.scoreInFull(
      component,
      stateOf,
      window,
      fromHour,
      tickMs,
      found,
      groups,
    );
    if (!this.remembers(component)) return;
    // A group in the review band may cross into verify as evidence accumulates without any member changing, and a part
    // whose fit kept members short of a cluster may become one with the next tick's accounts: a camouflaged farm in a
    // crowd's component shows two or three members in its first hour, one more at each tick (reusing the crowd's
    // verdict until the next hour's full score first flagged one at 106 minutes, where scoring at every tick found it
    // at 51).
    if (nascent || groups.some((g) => g.found.assessment.band === 'review')) this.memos.forget(component);
    else {
      const flagged = new Set(groups.flatMap((g) => (g.found.assessment.band === 'verify' ? g.keys : [])));
      this.memos.remember({ members: new Set(component), intent, frames, flagged, groups, atMs: tickMs });
    }
  }

  /**
   * Splits a candidate component by behaviour, keeps the members that carry its evidence, scores what remains.
   * Returns the members that show intent of their own and the templates found filled as problem sets; adds each group
   * found to `groups` too.
   */
  private async scoreInFull(
    component: readonly string[],
    stateOf: (key: string) => { ref: AccountRef; state: AccountSnapshot } | undefined,
    window: FeatureWindow,
    fromHour: number,
    tickMs: number,
    found: FoundGroup[],
    groups: RememberedGroup[],
  ): Promise<{ intent: Set<string>; frames: ReadonlySet<string>; nascent: boolean }> {
    const s = this.settings;
    const baseline = this.baseline as PopulationBaseline;
    const read: ClusterMember[] = [];
    const partitionOf = new Map<string, number>();
    for (const k of component) {
      const x = stateOf(k);
      if (!x) continue;
      partitionOf.set(x.ref.accountId, x.ref.partition);
      if (x.state.orgId !== null && this.policy.allowlisted('org', x.state.orgId)) continue;
      read.push(memberOf(x, window));
    }
    // A rare client's few-request users that asked for nothing but capability tasks show intent together; so do members
    // that fill the component's problem-set frames, and those that filled once a frame that a cohort of fresh accounts
    // filled within two hours (new to the population: its users in the index are counted).
    const hour = Math.floor(tickMs / 3_600_000);
    const recent = recentFrames(read, hour);
    const sizes =
      recent.size === 0
        ? new Map<string, IndexEntryView>()
        : await this.lookUp(
            [...recent.keys()].map((value) => ({ kind: 'template' as const, value, key: valueKey('template', value) })),
            tickMs,
          );
    const cohorts = frameCohorts(recent, (t) => sizes.get(valueKey('template', t))?.size ?? 0, hour);
    const { members: ms, frames } = markFramedMembers(
      markCapabilityCohorts(read, (v) => this.links('tls', v), baseline.ordinary, fromHour),
      fromHour,
      cohorts,
    );
    const keyOf = (m: ClusterMember) => `${partitionOf.get(m.accountId) ?? -1}|${m.accountId}`;
    // Only members that show intent themselves can be kept by the fit: a component (or a part of it)
    // with fewer of them than a cluster needs cannot yield one, and is not scored.
    const intent = ms.map((m) => showsIntent(m, baseline.ordinary));
    const showing = new Set(ms.filter((_, i) => intent[i]).map(keyOf));
    if (showing.size < s.minClusterSize) return { intent: showing, frames, nascent: false };
    /** Whether the fit kept members of a part, too few to be a group (`NASCENT_MIN` or more). */
    let nascent = false;
    const unused = ms.filter((m) => m.features.requests === 0);
    const attached = new Set<string>();
    /** Members placed in a group by a part scored so far. */
    const grouped = new Set<string>();
    const scorePart = async (part: readonly number[]): Promise<void> => {
      if (part.length < s.minClusterSize || part.filter((i) => intent[i]).length < s.minClusterSize) return;
      const candidates = part.map((i) => ms[i] as ClusterMember);
      const candidateValues = this.groupValues(candidates, fromHour);
      const candidateShared = await this.sharedValues(candidateValues, tickMs);
      let valuesOf: ReadonlyMap<string, readonly number[]> | null = null;
      const fitted = fittingMembers({
        members: candidates,
        shared: candidateShared,
        population: baseline,
        window,
        tickMs,
        frameCohorts: cohorts.templates,
      });
      if (fitted.length < s.minClusterSize) {
        if (fitted.length >= NASCENT_MIN) nascent = true;
        return;
      }
      // The component was connected, but what is left of it may not be: the ties between a farm and a
      // class of students can run through ordinary accounts that k-means or the fit took out. (In the
      // full-scale incident the farm, thousands of ordinary accounts and the classroom formed one
      // component; students who had asked for worked solutions in the farm's hours rode into its
      // verification requests.) Each connected part is a group of its own.
      const intact = fitted.length === component.length;
      const pieces = intact ? [fitted] : await this.linkedParts(fitted, fromHour, tickMs);
      for (const group of pieces.flatMap((p) =>
        p.length < s.minClusterSize ? [] : separateInfrastructures(p, candidateShared, s.minClusterSize),
      )) {
        if (group.length < s.minClusterSize) continue;
        const shared = await this.sharedValues(
          group.length === candidates.length
            ? candidateValues
            : narrowed(candidateValues, group, (valuesOf ??= valuesByMember(candidateValues))),
          tickMs,
        );
        const assessment = assess(
          { members: group, shared, population: baseline, window, tickMs, frameCohorts: cohorts.templates },
          s.scoring,
        );
        const ties = new Map(shared.filter(exclusiveCard).map((v) => [valueKey(v.kind, v.value), v]));
        // The group's verdict is its own; accounts given its cards before sending anything ride on it.
        const successors: ClusterMember[] = [];
        const notes = new Map<string, RequestReason>();
        for (const m of unused) {
          const tie = attached.has(m.accountId) ? undefined : tieOf(m.state, ties, fromHour);
          if (tie === undefined) continue;
          attached.add(m.accountId);
          successors.push(m);
          notes.set(m.accountId, riderReason(tie, this.riderWeight()));
        }
        const all = successors.length === 0 ? group : group.concat(successors);
        const foundGroup: FoundGroup = {
          members: all.map((m) => m.accountId),
          partitions: new Map(all.map((m) => [m.accountId, partitionOf.get(m.accountId) ?? -1])),
          assessment,
          verified: new Set(all.filter((m) => m.features.verified).map((m) => m.accountId)),
          ...(notes.size > 0 ? { notes } : {}),
        };
        found.push(foundGroup);
        groups.push({ found: foundGroup, keys: all.map(keyOf), ties });
        for (const m of group) grouped.add(m.accountId);
      }
    };
    for (const part of splitByBehaviour(
      ms.map((m) => m.vector),
      baseline,
      seedOf(component),
    ))
      await scorePart(part);
    // k-means sees the behaviour vector, not the frames: a camouflaged farm's members look like the crowd they were
    // linked to, and split between the crowd's two parts they lost the cards that tie them (a card's five users, two
    // in a part, are not mostly its users). The members that fill the component's frames and found no group are a
    // part of their own. (Taking them out of k-means instead, the farm that asks for reasoning lost its members that
    // had filled fewer frames, with the same cards: its leakage rose from 11-20% to 16-25% on the tuning and
    // exploration sets.)
    await scorePart(ms.flatMap((m, i) => (m.framed === true && !grouped.has(m.accountId) ? [i] : [])));
    return { intent: showing, frames, nascent };
  }

  /** The connected parts of a set of members under the linking values, as candidates were formed. */
  private async linkedParts(
    members: readonly ClusterMember[],
    fromHour: number,
    tickMs: number,
  ): Promise<ClusterMember[][]> {
    const users = new Map<string, { kind: AttrKind; value: string; key: string; members: number[] }>();
    members.forEach((m, i) => {
      const keys = attrKeys(m.state);
      const attrs = m.state.attrs;
      for (let j = 0; j < attrs.length; j++) {
        const kind = attrs.kind(j);
        const value = attrs.value(j);
        if (!attrs.linked(j) || attrs.lastHour(j) < fromHour || !this.links(kind, value)) continue;
        const key = keys[j] as string;
        let u = users.get(key);
        if (!u) users.set(key, (u = { kind, value, key, members: [] }));
        u.members.push(i);
      }
    });
    const shared = [...users.values()].filter((u) => u.members.length >= 2);
    const index = await this.lookUp(shared, tickMs);
    const uf = new UnionFind(members.length);
    for (let i = 0; i < members.length; i++) uf.add(i);
    for (const u of shared) {
      if ((index.get(u.key)?.size ?? Infinity) > (LINK_CAPS[u.kind] ?? 0)) continue;
      for (const i of u.members) uf.union(u.members[0] as number, i);
    }
    return uf.groups().map((g) => g.map((i) => members[i] as ClusterMember));
  }

  /**
   * Index sizes and members of values, through the cache; members only for values under their cap. `indexedBy`: the
   * dirty accounts indexed under each value this tick, by id. Absent (the values of a group, whose totals are never
   * counted below the group's own users), a view is current for its age alone.
   */
  private async lookUp(
    /** Each with its `valueKey`, which the callers have made already. */
    entries: readonly { kind: AttrKind; value: string; key: string }[],
    tickMs: number,
    indexedBy?: ReadonlyMap<string, readonly number[]>,
  ): Promise<Map<string, IndexEntryView>> {
    const out = new Map<string, IndexEntryView>();
    const stale: { kind: AttrKind; value: string; key: string }[] = [];
    for (const e of entries) {
      const key = e.key;
      const hit = this.linkCache.get(key);
      const current =
        hit !== undefined &&
        tickMs - hit.atMs < LINK_CACHE_MS &&
        (hit.size >= 2 || indexedBy === undefined || (indexedBy.get(key) ?? []).every((id) => id === hit.soleUser));
      if (current)
        out.set(key, indexedBy === undefined ? hit : this.joined(e.kind, key, hit, indexedBy.get(key), tickMs));
      else stale.push(e);
    }
    if (stale.length > 0) {
      const sizes = await this.reader.indexSizes(stale);
      const linkable = stale.filter(
        (e, i) => (sizes[i] as number) >= 2 && (sizes[i] as number) <= (LINK_CAPS[e.kind] ?? 0),
      );
      const members = await this.reader.indexMembers(linkable);
      const byKey = new Map(linkable.map((e, i) => [e.key, members[i]]));
      stale.forEach((e, i) => {
        const key = e.key;
        const index = byKey.get(key);
        // Most values (a person's own card, device, home network) link nobody: their views share empty lists.
        const size = sizes[i] as number;
        const users = indexedBy?.get(key);
        const view: IndexEntryView =
          index === undefined || index.members.length === 0
            ? {
                size,
                memberIds: NO_IDS,
                days: NO_IDS,
                atMs: tickMs,
                ...(size === 1 && users?.length === 1 ? { soleUser: users[0] as number } : {}),
              }
            : {
                size,
                memberIds: Int32Array.from(index.members, (m) => this.refIds.idOfMember(m, this.reader)),
                days: index.days,
                atMs: tickMs,
              };
        // Re-inserted, so the map's order stays oldest first (what eviction relies on).
        this.linkCache.delete(key);
        this.linkCache.set(key, view);
        out.set(key, view);
      });
    }
    // Oldest first, and only down to 90% of the bound: scanning the whole cache on every lookup once
    // it was full made a pass over 300,000 accounts spend a third of its time here.
    if (this.linkCache.size > LINK_CACHE_MAX) {
      for (const k of this.linkCache.keys()) {
        if (this.linkCache.size <= LINK_CACHE_MAX * 0.9) break;
        this.linkCache.delete(k);
      }
    }
    return out;
  }

  /**
   * A cached view with the dirty accounts indexed under its value that it does not hold yet, kept in the cache: they
   * became its users after the lookup. Without them, a value's users that came and went between the lookup and now
   * were missing until the view expired: a drip whose accounts send one request each was cut into the few accounts of
   * each tick, and pooled only when its templates' views expired (set 24's plain slow drip first flagged at 69 min).
   */
  private joined(
    kind: AttrKind,
    key: string,
    view: IndexEntryView,
    dirty: readonly number[] | undefined,
    tickMs: number,
  ): IndexEntryView {
    if (dirty === undefined || view.memberIds.length === 0) return view;
    // A value's dirty users are a few at most ticks: scanning the list for each costs less than a set of its members,
    // which a farm's templates (thousands of users each) rebuilt at every tick. Many dirty users are crossed off a set
    // of theirs in one scan of the list instead (a set of the members was ~0.8 GB of a late replay tenth's garbage).
    const ids = view.memberIds;
    let added: number[];
    if (dirty.length <= JOIN_SCAN_MAX) added = dirty.filter((id) => !ids.includes(id));
    else {
      const missing = new Set(dirty);
      for (let i = 0; i < ids.length && missing.size > 0; i++) missing.delete(ids[i] as number);
      added = dirty.filter((id) => missing.has(id));
    }
    if (added.length === 0) return view;
    const size = view.size + added.length;
    // Their day is the tick's: at most a day late, and the view is looked up afresh within LINK_CACHE_MS.
    const day = Math.floor(tickMs / 86_400_000);
    const grown: IndexEntryView =
      size > (LINK_CAPS[kind] ?? 0)
        ? { size, memberIds: NO_IDS, days: NO_IDS, atMs: view.atMs }
        : {
            size,
            memberIds: appended(view.memberIds, added),
            days: appended(view.days, new Array<number>(added.length).fill(day)),
            atMs: view.atMs,
          };
    this.linkCache.set(key, grown);
    return grown;
  }

  /**
   * A remembered group's tie with its users anywhere as the kept view counts them now: the view gains the accounts that
   * use the value after it was read (`joined`), among them the rider itself, as a full score would count it.
   */
  private currentTotal(tie: SharedValue): SharedValue {
    const view = this.linkCache.get(valueKey(tie.kind, tie.value));
    return view === undefined || view.size <= tie.total ? tie : { ...tie, total: view.size };
  }

  /** The values two or more of the members used in the window. */
  private groupValues(group: readonly ClusterMember[], fromHour: number): GroupValue[] {
    // Most values (a member's own bands, templates, card) have one user in the group: such a value is kept as a number
    // (where its first user lists it) until a second user appears, so it costs no object (allocating one per value was
    // most of the time a tick spent on a large candidate group). Values are found by kind, then by the value itself:
    // a `valueKey` string per attribute, kept with each state, was a quarter of a large component's heap beside the
    // decoded states (1.5 kB a member).
    const byKind = new Map<AttrKind, Map<string, GroupValue | number>>();
    const shared: { v: GroupValue; at: number }[] = [];
    const count = (j: number, i: number): void => {
      const m = group[j] as ClusterMember;
      const kind = m.state.attrs.kind(i);
      const value = m.state.attrs.value(i);
      let users = byKind.get(kind);
      if (users === undefined) byKind.set(kind, (users = new Map()));
      const u = users.get(value);
      if (u === undefined) users.set(value, j * ATTRS_MAX + i);
      else if (typeof u === 'number') {
        const first = group[Math.floor(u / ATTRS_MAX)] as ClusterMember;
        const key = valueKey(kind, value);
        const v: GroupValue = { kind, value, key, members: [first.accountId, m.accountId] };
        users.set(value, v);
        shared.push({ v, at: u });
      } else u.members.push(m.accountId);
    };
    if (group.length >= SKETCH_MIN_GROUP)
      for (const p of maybeShared(group, (attrs, i) => this.sharable(attrs, i, fromHour)))
        count(Math.floor(p / ATTRS_MAX), p % ATTRS_MAX);
    else
      for (let j = 0; j < group.length; j++) {
        const attrs = (group[j] as ClusterMember).state.attrs;
        for (let i = 0; i < attrs.length; i++) if (this.sharable(attrs, i, fromHour)) count(j, i);
      }
    // Listed by first user, then that user's attribute order, as detectors have always seen them.
    return shared.sort((a, b) => a.at - b.at).map((x) => x.v);
  }

  /** Whether the attribute is a value `groupValues` lists when two members use it. */
  private sharable(attrs: AttrTable, i: number, fromHour: number): boolean {
    const kind = attrs.kind(i);
    return SHARED_KINDS.has(kind) && attrs.lastHour(i) >= fromHour && !this.unlinkable(kind, attrs.value(i));
  }

  private async sharedValues(values: readonly GroupValue[], tickMs: number): Promise<SharedValue[]> {
    const indexed = await this.lookUp(
      values.filter((u) => u.kind in LINK_CAPS),
      tickMs,
    );
    // Values links never look up count as used by at least the members; a SimHash band by as many as the population
    // sample says (its index holds only accounts that used it three times or more).
    return values.map((u) => ({
      kind: u.kind,
      value: u.value,
      members: u.members,
      total: Math.max(
        u.kind === 'band' ? (this.bands.get(u.value) ?? 0) : (indexed.get(u.key)?.size ?? 0),
        u.members.length,
      ),
    }));
  }

  private computeBaseline(
    states: readonly AccountSnapshot[],
    ids: readonly string[],
    window: FeatureWindow,
  ): PopulationBaseline {
    this.clients = commonClients(states, Math.floor(window.fromMs / 3_600_000));
    const feats = states.map((st) => accountFeatures(st, window));
    return populationBaseline(
      feats.map(featureVector),
      feats.map((f) => f.hourProfile),
      42,
      // The few-request rate a capability cohort is tested against leaves out accounts already sent to verification:
      // farms begun in the hour before were a third of the sample's one- and two-request accounts, all on capability
      // tasks, and raised it from 0.37 to 0.60. (Left out of every quantile, the farms' absence lowered the bars a
      // member's own intent is measured by, and ordinary accounts joined a camouflaged farm: 3 false positives more on
      // one exploration run. A clusterer that takes over mid-hour leaves out the accounts flagged by then.)
      ordinaryBehaviour(feats, ids, (id) => this.registry.wasRequested(id)),
    );
  }
}

/**
 * The same values restricted to a subset of the members, in the order `groupValues(subset)` would
 * give (by first user, then that user's attribute order), so detectors see exactly what they would.
 */
function narrowed(
  values: readonly GroupValue[],
  subset: readonly ClusterMember[],
  valuesOf: ReadonlyMap<string, readonly number[]>,
): GroupValue[] {
  const position = new Map(subset.map((m, i) => [m.accountId, i]));
  // Only the values the subset's members use: a part that the fit and the infrastructures split into hundreds of
  // small groups (households, a carrier NAT's strangers) went over every value of the part for each of them, which
  // made a steady tick over 300,000 accounts spend a seventh of its time here.
  const touched = new Set<number>();
  for (const m of subset) for (const i of valuesOf.get(m.accountId) ?? []) touched.add(i);
  const out: { v: GroupValue; first: number; attr: number }[] = [];
  for (const i of touched) {
    const v = values[i] as GroupValue;
    const members = v.members.filter((m) => position.has(m));
    if (members.length < 2) continue;
    const first = position.get(members[0] as string) as number;
    const attr = (subset[first] as ClusterMember).state.attrs.indexOf(v.kind, v.value);
    out.push({ v: { ...v, members }, first, attr });
  }
  return out.sort((a, b) => a.first - b.first || a.attr - b.attr).map((x) => x.v);
}

/** For each member, the indexes of the values (of `values`) it uses. */
function valuesByMember(values: readonly GroupValue[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  values.forEach((v, i) => {
    for (const m of v.members) {
      const list = out.get(m);
      if (list === undefined) out.set(m, [i]);
      else list.push(i);
    }
  });
  return out;
}

/** `ids` followed by `more`, in one copy. */
function appended(ids: Int32Array, more: readonly number[]): Int32Array {
  const out = new Int32Array(ids.length + more.length);
  out.set(ids);
  out.set(more, ids.length);
  return out;
}

function memberOf(x: { ref: AccountRef; state: AccountSnapshot }, window: FeatureWindow): ClusterMember {
  const features = accountFeatures(x.state, window);
  return { accountId: x.ref.accountId, state: x.state, features, vector: featureVector(features) };
}

function seedOf(ids: readonly string[]): number {
  return createHash('sha1').update(ids.slice(0, 8).join(',')).digest().readUInt32LE(0);
}

/** What `Clusterer.reuse` hands on besides the groups it pushed (`pushed`: each remembered group's place in found). */
interface Reused {
  /** Newcomers to score as a component of their own. */
  readonly judge: readonly string[];
  /** Accounts to judge with a sample of the component (`Clusterer.probe`). */
  readonly probe: readonly string[];
  readonly pushed: ReadonlyMap<RememberedGroup, number>;
}

/** Up to `n` of the component's members outside `leave`, evenly spaced (the component is sorted). */
function evenSample(component: readonly string[], leave: ReadonlySet<string>, n: number): string[] {
  const rest = component.filter((k) => !leave.has(k));
  const stride = Math.max(1, Math.ceil(rest.length / n));
  return rest.filter((_, i) => i % stride === 0);
}
