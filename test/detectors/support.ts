/** Hand-built clusters for detector tests: members with states built from observations. */
import type { ClusterMember, ClusterView, PopulationBaseline, SharedValue } from '../../detectors/detector.ts';
import { accountFeatures, featureVector, type FeatureWindow } from '../../src/clustering/features.ts';
import { toSnapshot } from '../../src/windows/account-snapshot.ts';
import { promptFill, type Observation } from '../../src/fingerprint/observation.ts';
import { fingerprintPrompt } from '../../src/fingerprint/prompt-fingerprint.ts';
import {
  emptyState,
  foldObservation,
  type AccountState,
  type AttrKind,
  type WindowSettings,
} from '../../src/windows/account-state.ts';

export const T0 = Date.parse('2026-11-10T00:00:00Z');
export const HOUR = 3_600_000;
const settings: WindowSettings = { bucketMs: HOUR, slotMs: 60_000, retentionMs: 7 * 86_400_000, latenessMs: 600_000 };
export const window: FeatureWindow = { fromMs: T0, toMs: T0 + 24 * HOUR, bucketMs: HOUR, slotMs: 60_000 };
export const population: PopulationBaseline = {
  kmeansMedianDistance: 0.3,
  hourShare: new Array(24).fill(1 / 24),
  sampleSize: 1000,
  ordinary: {
    capabilityShare: { p50: 0.2, p90: 0.6, p99: 1 },
    capabilityRequests: { p50: 1, p90: 3, p99: 12 },
    outputPerInput: { p50: 2, p90: 6, p99: 15 },
    reasoningRatio: { p50: 0, p90: 1.5, p99: 4 },
    elicitShare: { p50: 0, p90: 0.1, p99: 0.5 },
    rateLimitedShare: { p50: 0, p90: 0.01, p99: 0.05 },
    fewRequestCapabilityShare: 0.35,
  },
};

let seq = 0;
export function req(tsMs: number, extra: Partial<Observation> = {}): Observation {
  return {
    eventId: `e${seq++}`,
    tsMs,
    accountId: 'x',
    type: 'request',
    inputTokens: 100,
    outputTokens: 400,
    reasoningTokens: 0,
    bands: [],
    elicitsReasoning: false,
    reasoningKnown: true,
    ...extra,
  } as Observation;
}

/** A request with this prompt text, fingerprinted as the worker does (template hash, fill, task, reasoning ask). */
export function prompt(tsMs: number, text: string, extra: Partial<Observation> = {}): Observation {
  const fp = fingerprintPrompt({ text });
  return req(tsMs, {
    template: fp.templateHash.slice(0, 16),
    fill: promptFill(fp.simhash),
    task: fp.task,
    elicitsReasoning: fp.elicitsReasoning,
    ...extra,
  });
}

export function stateOf(obs: readonly Observation[]): AccountState {
  const s = emptyState();
  let h = 1;
  for (const o of obs) foldObservation(s, o, { settings, watermarkMs: 0, eventIdHash: h++, index: () => undefined });
  return s;
}

export function member(id: string, obs: readonly Observation[]): ClusterMember {
  const state = toSnapshot(stateOf(obs));
  const features = accountFeatures(state, window);
  return { accountId: id, state, features, vector: featureVector(features) };
}

/**
 * Values used by two or more members; `totals` gives how many accounts use a value overall (default: only the members).
 */
export function sharedOf(members: readonly ClusterMember[], totals: Record<string, number> = {}): SharedValue[] {
  const by = new Map<string, { kind: AttrKind; value: string; members: string[] }>();
  for (const m of members) {
    for (const a of m.state.attrs.toArray()) {
      const k = `${a.kind}|${a.value}`;
      const e = by.get(k) ?? { kind: a.kind, value: a.value, members: [] };
      e.members.push(m.accountId);
      by.set(k, e);
    }
  }
  return [...by.values()]
    .filter((e) => e.members.length >= 2)
    .map((e) => ({ ...e, total: Math.max(totals[e.value] ?? 0, e.members.length) }));
}

export function view(members: ClusterMember[], totals: Record<string, number> = {}): ClusterView {
  return { members, shared: sharedOf(members, totals), population, window, tickMs: window.toMs };
}

/** n accounts; `make(i)` gives account i's observations. */
export function cluster(
  n: number,
  make: (i: number) => Observation[],
  totals: Record<string, number> = {},
): ClusterView {
  return view(
    Array.from({ length: n }, (_, i) => member(`a${i}`, make(i))),
    totals,
  );
}
