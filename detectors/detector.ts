/**
 * The one shape every detector has. A detector looks at a candidate cluster (its members' states and
 * features, the values they share with how rare each is, the population around them) and returns a
 * score in [0, 1] with one sentence of evidence and the numbers behind it. Pure: no I/O.
 * Adding a signal is one new file in this folder plus one line in index.ts.
 */
import type { AccountFeatures, FeatureWindow } from '../src/clustering/features.ts';
import type { AttrKind } from '../src/windows/account-state.ts';
import type { AccountSnapshot } from '../src/windows/account-snapshot.ts';

export const REASON_CODES = [
  'reasoning_elicitation',
  'template_reuse',
  'lockstep_timing',
  'shared_payment',
  'shared_device',
  'shared_network',
  'shared_system_prompt',
  'burst_signup',
  'no_human_day',
  'successor_account',
  'rate_limit_pressure',
  'fingerprint_cohesion',
  'capability_concentration',
  'output_harvesting',
  'wave_starts',
  'harvest_frames',
  'shared_schedule',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/**
 * Coordination says "one operator"; intent says "harvesting the model". A cluster needs both.
 * `support` is evidence of intent only alongside another intent family (templates reused, limits
 * pressed): a class sharing one homework prompt is not distilling. It counts in proportion to the
 * strongest `intent` finding, so no single intent family gates the score.
 */
export type DetectorRole = 'coordination' | 'intent' | 'support';

export interface ClusterMember {
  readonly accountId: string;
  readonly state: AccountSnapshot;
  readonly features: AccountFeatures;
  readonly vector: readonly number[];
  /**
   * Set by the clusterer (`src/clustering/capability-cohort.ts`): the member sent one or two requests, all capability
   * tasks, on a client rare in the population whose few-request users in the candidate component did the same far
   * beyond chance. Too few requests to show intent alone; as one of such a cohort, it does.
   */
  readonly capabilityCohort?: boolean;
  /**
   * Set by the clusterer (`src/clustering/framed-members.ts`): the member filled templates that other members of its
   * candidate component fill too, with different problems each (detectors/harvest-frames.ts), two or more times.
   */
  readonly framed?: boolean;
  /**
   * Set with `framed` when one fill was enough: the member filled a frame that many accounts filled within the last two
   * hours, each with its own problem, and that few accounts had used before (`src/clustering/framed-members.ts`).
   */
  readonly inFrameCohort?: boolean;
}

export interface SharedValue {
  readonly kind: AttrKind;
  readonly value: string;
  /** Members of the cluster that used it. */
  readonly members: readonly string[];
  /** Accounts anywhere that used it (the index's size): its rarity. */
  readonly total: number;
}

export interface PopulationBaseline {
  /** Median distance of an account's vector to its nearest k-means centroid over a population sample. */
  readonly kmeansMedianDistance: number;
  /** Share of population activity in each hour of the day (UTC), for chance co-activity. */
  readonly hourShare: readonly number[];
  readonly sampleSize: number;
  /**
   * What is ordinary, per account, in the population sample of the window: the intent detectors
   * compare a group with these quantiles instead of constants placed beside a guess.
   */
  readonly ordinary: OrdinaryBehaviour;
}

export interface Quantiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

export interface OrdinaryBehaviour {
  /** Share of an account's requests on the narrow capability families (accounts with known tasks). */
  readonly capabilityShare: Quantiles;
  /** How many capability-family requests an account sends in the retention: the volume a distiller needs. */
  readonly capabilityRequests: Quantiles;
  /** Output tokens per input token. */
  readonly outputPerInput: Quantiles;
  /** Reasoning tokens per output token. */
  readonly reasoningRatio: Quantiles;
  /** Share of an account's requests asking for reasoning. */
  readonly elicitShare: Quantiles;
  /** Share of an account's requests that were rate-limited. */
  readonly rateLimitedShare: Quantiles;
  /**
   * Among accounts with one or two requests of known task, the share whose every such request was a capability task:
   * what one account's few requests show by chance.
   */
  readonly fewRequestCapabilityShare: number;
  /**
   * The sampled accounts that share is taken over, each with whether it asked capability tasks only: a cohort tested
   * against the rate is left out of it (`src/clustering/capability-cohort.ts`).
   */
  readonly fewRequestUsers?: ReadonlyMap<string, boolean>;
}

export interface ClusterView {
  readonly members: readonly ClusterMember[];
  readonly shared: readonly SharedValue[];
  readonly population: PopulationBaseline;
  readonly window: FeatureWindow;
  readonly tickMs: number;
  /**
   * The candidate component's frame cohorts (`src/clustering/framed-members.ts`): templates that eight or more of its
   * accounts filled within two hours, each with a problem of its own and from networks of their own, and that few
   * accounts had used before. They are the operator's even when the group holds only a part of their users: the rest
   * are the operator's other accounts, grouped apart.
   */
  readonly frameCohorts?: ReadonlySet<string>;
}

export interface Finding {
  readonly code: ReasonCode;
  readonly score: number;
  /** One sentence an analyst can check, with the numbers. */
  readonly detail: string;
  readonly evidence: Readonly<Record<string, number>>;
}

export interface Detector {
  readonly name: string;
  readonly role: DetectorRole;
  evaluate(view: ClusterView): Finding;
}

export const clamp01 = (x: number): number => (x < 0 || Number.isNaN(x) ? 0 : x > 1 ? 1 : x);
export const pct = (x: number): string => `${Math.round(x * 100)}%`;
export const fmt = (n: number): string => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(2));
