/**
 * The population around the clusters: how tight ordinary accounts are around their nearest k-means
 * centroid (ml-kmeans over a deterministic sample), and the hour-of-day rhythm of activity.
 */
import { kmeans } from 'ml-kmeans';
import { median, quantileSorted } from 'simple-statistics';
import type { OrdinaryBehaviour, PopulationBaseline, Quantiles } from '../../detectors/detector.ts';
import type { AccountFeatures } from './features.ts';
import { capabilityOnly, FEW_REQUEST_SAMPLE_MIN, fewRequests } from './capability-cohort.ts';
import type { AttrKind } from '../windows/account-state.ts';
import type { AccountSnapshot } from '../windows/account-snapshot.ts';

/** Quantiles of a per-account quantity; a population too small to say gives the neutral `fallback`. */
function quantiles(values: number[], fallback: Quantiles): Quantiles {
  if (values.length < 20) return fallback;
  values.sort((a, b) => a - b);
  return { p50: quantileSorted(values, 0.5), p90: quantileSorted(values, 0.9), p99: quantileSorted(values, 0.99) };
}

/**
 * The accounts with one or two requests of known task but those `leftOut`, by id, each with whether every such request
 * was a capability task.
 */
function fewRequestUsers(
  features: readonly AccountFeatures[],
  ids: readonly string[],
  leftOut: (id: string) => boolean,
): Map<string, boolean> {
  const out = new Map<string, boolean>();
  features.forEach((f, i) => {
    const id = ids[i];
    if (id !== undefined && fewRequests(f) && !leftOut(id)) out.set(id, capabilityOnly(f));
  });
  return out;
}

/** The share of `users` that asked capability tasks only; lenient (1) when fewer than FEW_REQUEST_SAMPLE_MIN. */
function capabilityOnlyShare(users: ReadonlyMap<string, boolean>): number {
  if (users.size < FEW_REQUEST_SAMPLE_MIN) return 1;
  let k = 0;
  for (const capability of users.values()) if (capability) k++;
  return k / users.size;
}

/**
 * The population's ordinary behaviour. Fallbacks, for a window with fewer than 20 sampled accounts,
 * are deliberately lenient (nothing looks unusual against them): a cold start must not flag. `ids` (the accounts'
 * ids, in the same order) let a cohort be left out of the few-request rate it is tested against, and accounts
 * `leftOut` (farms already flagged) are not counted in that rate.
 */
export function ordinaryBehaviour(
  features: readonly AccountFeatures[],
  ids?: readonly string[],
  leftOut: (id: string) => boolean = () => false,
): OrdinaryBehaviour {
  const few = fewRequestUsers(features, ids ?? features.map((_, i) => String(i)), leftOut);
  const active = features.filter((f) => f.requests > 0);
  const high: Quantiles = { p50: 1, p90: 1, p99: 1 };
  return {
    capabilityShare: quantiles(
      active.filter((f) => f.taskKnown >= 3).map((f) => f.capabilityShare),
      high,
    ),
    capabilityRequests: quantiles(
      active.map((f) => f.capabilityRequests),
      { p50: 1e9, p90: 1e9, p99: 1e9 },
    ),
    outputPerInput: quantiles(
      active.map((f) => f.outputPerInput),
      { p50: 1e9, p90: 1e9, p99: 1e9 },
    ),
    // Among accounts that received reasoning at all: an account that used no reasoning model has no ratio, not a ratio
    // of 0. Counted as 0, they set the percentiles by how many used one: in the first hour of a recording (at night)
    // fewer than one account in ten did, the 90th percentile was 0, and ordinary reasoning users looked like
    // harvesters.
    reasoningRatio: quantiles(
      active.filter((f) => f.reasoningRatio > 0).map((f) => f.reasoningRatio),
      { p50: 1e9, p90: 1e9, p99: 1e9 },
    ),
    elicitShare: quantiles(
      active.map((f) => f.elicitShare),
      high,
    ),
    rateLimitedShare: quantiles(
      active.map((f) => f.rateLimitedShare),
      high,
    ),
    fewRequestCapabilityShare: capabilityOnlyShare(few),
    // Keyed by position when no ids were given: no cohort can be left out then.
    ...(ids === undefined ? {} : { fewRequestUsers: few }),
  };
}

/** Fewer active accounts in the sample than this cannot tell a common client from a rare one. */
const CLIENT_SAMPLE_MIN = 500;
/**
 * A TLS fingerprint used by more than this share of the sample's active accounts is a common client (a browser, an
 * official SDK: each of the half-dozen a population mostly uses holds several per cent of it); under it, a niche client
 * or an operator's own scraper.
 */
const COMMON_CLIENT_SHARE = 0.03;

/**
 * The TLS fingerprints common in the population sample (used in the window from `fromHour`), which link nobody; null
 * when the sample holds too few active accounts to say. Measured, not listed: early in a window, or at a small
 * deployment, a popular SDK's fingerprint is under any fixed cap, and linking by it joined researchers running one
 * benchmark into groups (tried 2026-12-02 with a cap of 300).
 */
export function commonClients(states: readonly AccountSnapshot[], fromHour: number): ReadonlySet<string> | null {
  const active = states.filter((st) => st.requests > 0);
  if (active.length < CLIENT_SAMPLE_MIN) return null;
  const users = sampledUsers(active, 'tls', fromHour);
  return new Set([...users].filter(([, n]) => n > active.length * COMMON_CLIENT_SHARE).map(([v]) => v));
}

/**
 * How many accounts of the population use each SimHash band, estimated from the sample: a band's users are indexed only
 * from an account's third use of it, so a prompt that hundreds of strangers each send once or twice ("How many r's are
 * in the word strawberry? Think step by step.") has almost no index, and its bands looked exclusive to any group that
 * shared them. `stride` is how many accounts each sampled one stands for. A band seen fewer than twice in the sample is
 * left unestimated (0): one sighting at a large stride would make a farm's own family look common.
 */
export function bandUsers(
  states: readonly AccountSnapshot[],
  fromHour: number,
  stride: number,
): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  for (const [band, n] of sampledUsers(states, 'band', fromHour)) if (n >= 2) out.set(band, n * stride);
  return out;
}

/** How many of these states used each value of `kind` in the window from `fromHour`. */
function sampledUsers(states: readonly AccountSnapshot[], kind: AttrKind, fromHour: number): Map<string, number> {
  const users = new Map<string, number>();
  for (const { attrs } of states)
    for (let i = 0; i < attrs.length; i++)
      if (attrs.kind(i) === kind && attrs.lastHour(i) >= fromHour)
        users.set(attrs.value(i), (users.get(attrs.value(i)) ?? 0) + 1);
  return users;
}

export function populationBaseline(
  vectors: readonly (readonly number[])[],
  hourProfiles: readonly (readonly number[])[],
  seed: number,
  ordinary: OrdinaryBehaviour,
): PopulationBaseline {
  const hourShare = new Array<number>(24).fill(0);
  for (const p of hourProfiles) p.forEach((v, h) => (hourShare[h] = (hourShare[h] as number) + v));
  const total = hourShare.reduce((a, b) => a + b, 0);
  const share = total > 0 ? hourShare.map((v) => v / total) : hourShare.map(() => 1 / 24);
  if (vectors.length < 20) return { kmeansMedianDistance: 0.5, hourShare: share, sampleSize: vectors.length, ordinary };
  const k = Math.min(12, Math.max(2, Math.floor(vectors.length / 50)));
  const data = vectors.map((v) => [...v]);
  const res = kmeans(data, k, { seed, initialization: 'kmeans++', maxIterations: 50 });
  const dist = data.map((v, i) => {
    const c = res.centroids[res.clusters[i] as number] as number[];
    return Math.sqrt(v.reduce((a, x, d) => a + (x - (c[d] as number)) ** 2, 0));
  });
  return { kmeansMedianDistance: Math.max(median(dist), 0.02), hourShare: share, sampleSize: vectors.length, ordinary };
}

/**
 * Splits a candidate group when k-means finds two behaviourally distinct halves (for example a
 * farm that shares a network prefix with an unrelated office). Returns index groups.
 */
export function splitByBehaviour(
  vectors: readonly (readonly number[])[],
  baseline: PopulationBaseline,
  seed: number,
): number[][] {
  const all = vectors.map((_, i) => i);
  if (vectors.length < 12) return [all];
  const res = kmeans(
    vectors.map((v) => [...v]),
    2,
    { seed, initialization: 'kmeans++', maxIterations: 50 },
  );
  const [a, b] = res.centroids as [number[], number[]];
  const gap = Math.sqrt(a.reduce((s, x, d) => s + (x - (b[d] as number)) ** 2, 0));
  const parts: number[][] = [[], []];
  res.clusters.forEach((c, i) => (parts[c] as number[]).push(i));
  if (gap < 3 * baseline.kmeansMedianDistance || parts.some((p) => p.length < 3)) return [all];
  return parts;
}
