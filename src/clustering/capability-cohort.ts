/**
 * Intent pooled over a client's few-request users. A drip that asks for no reasoning sends each account
 * one or two plain maths or code problems a day: one such request says nothing about its account (the
 * first request of an ordinary account is a capability task a third of the time, a student's two
 * times in three), so the member fit, which keeps only members that show intent themselves, kept none
 * of them for a day. Taken together they do: when the few-request users of a client rare in the
 * population, in one candidate component, asked nothing but capability tasks — nearly all of them,
 * and far more of them than the population's rate makes likely (binomial tail) — each of those users
 * shows intent as one of that cohort. Strangers on a niche client mix tasks as the population does; a
 * common client links nobody and pools nobody.
 */
import type { ClusterMember, OrdinaryBehaviour } from '../../detectors/detector.ts';
import { binomialTail } from '../../detectors/wave-starts.ts';
import type { AccountFeatures } from './features.ts';

/** Fewest few-request users of one client that can be pooled. */
const COHORT_MIN = 5;
/** Share of them that must have asked for capability tasks only: a cohort of strangers mixes tasks. */
const COHORT_SHARE = 0.9;
/** Binomial tail at the population's rate under which the cohort is beyond chance. */
const COHORT_P = 1e-4;
/** Fewer few-request accounts in the population sample than this give no rate. */
export const FEW_REQUEST_SAMPLE_MIN = 20;

/**
 * An account with too few requests to show intent alone: one or two, of known task. The population's rate
 * (`fewRequestCapabilityShare`) is taken over the same accounts.
 */
export const fewRequests = (f: AccountFeatures): boolean => f.requests >= 1 && f.requests <= 2 && f.taskKnown >= 1;

/** Every request of known task was a capability task. */
export const capabilityOnly = (f: AccountFeatures): boolean => f.capabilityRequests >= f.taskKnown;

/**
 * The population's rate with `users` left out: a cohort must not set its own chance. A drip of a hundred accounts on a
 * client of its own is a tenth of the one- and two-request accounts of a small population, all of them on capability
 * tasks. Lenient (1) when too few accounts are left.
 */
export function fewRequestShareWithout(ordinary: OrdinaryBehaviour, users: readonly ClusterMember[]): number {
  const sampled = ordinary.fewRequestUsers;
  if (sampled === undefined || ordinary.fewRequestCapabilityShare >= 1) return ordinary.fewRequestCapabilityShare;
  // The share was taken over these same accounts: their capability-only count is recovered from it, not recounted.
  let n = sampled.size;
  let k = Math.round(ordinary.fewRequestCapabilityShare * n);
  for (const m of users) {
    const capability = sampled.get(m.accountId);
    if (capability === undefined) continue;
    n--;
    if (capability) k--;
  }
  return n < FEW_REQUEST_SAMPLE_MIN ? 1 : k / n;
}

/**
 * The members marked `capabilityCohort` where their rare client's few-request users in `members` pool as above; the
 * others unchanged. `rare` says whether a TLS fingerprint is rare in the population; `fromHour` starts the window.
 */
export function markCapabilityCohorts(
  members: readonly ClusterMember[],
  rare: (tls: string) => boolean,
  ordinary: OrdinaryBehaviour,
  fromHour: number,
): ClusterMember[] {
  // A population too small to say (the lenient fallback of 1) makes no cohort.
  if (ordinary.fewRequestCapabilityShare >= 1) return [...members];
  const byClient = new Map<string, ClusterMember[]>();
  for (const m of members) {
    if (!fewRequests(m.features)) continue;
    const attrs = m.state.attrs;
    for (let i = 0; i < attrs.length; i++) {
      if (attrs.kind(i) !== 'tls' || attrs.lastHour(i) < fromHour || !rare(attrs.value(i))) continue;
      const users = byClient.get(attrs.value(i));
      if (users === undefined) byClient.set(attrs.value(i), [m]);
      else users.push(m);
    }
  }
  const marked = new Set<string>();
  for (const users of byClient.values()) {
    if (users.length < COHORT_MIN) continue;
    const capability = users.filter((m) => capabilityOnly(m.features));
    if (capability.length < users.length * COHORT_SHARE) continue;
    const rate = fewRequestShareWithout(ordinary, users);
    if (rate >= 1 || binomialTail(users.length, capability.length, rate) > COHORT_P) continue;
    for (const m of capability) marked.add(m.accountId);
  }
  if (marked.size === 0) return [...members];
  return members.map((m) => (marked.has(m.accountId) ? { ...m, capabilityCohort: true } : m));
}
