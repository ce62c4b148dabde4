/**
 * Capability concentration: the members' requests sit on the narrow capability families a distiller
 * harvests (maths, code, agentic tool use, science, logic) far more than ordinary accounts' do, at a
 * volume ordinary accounts do not send. It needs no reasoning ask: a farm harvesting plain answers or
 * code shows it as much as one asking for chains of thought.
 *
 * "Ordinary" is the median account of the window's population, not a high percentile: farms can be a
 * fifth or more of the active accounts (they are in the tuning set), and a 90th percentile then
 * measures the farms themselves (a plain-answer farm scored 0 against it). The share scores from the
 * median account's share to 100%; the volume from 2m + 1 capability requests per account to twice
 * that, m being the median account's count — a class doing one maths assignment (a request or two
 * each) is concentrated but not at volume — or from the share of members that asked for nothing but
 * capability tasks on two or more days (a drip's few requests a day). Where ordinary traffic is itself
 * all maths (a tutoring service's), the share says nothing and the other families decide.
 */
import { median } from 'simple-statistics';
import { clamp01, fmt, pct, type Detector } from './detector.ts';

/** Fewer requests with a known task than this, and a group's mix is not evidence. */
const MIN_KNOWN = 3;

export const capabilityConcentration: Detector = {
  name: 'capability-concentration',
  role: 'intent',
  evaluate({ members, population }) {
    let known = 0;
    let capability = 0;
    for (const m of members) {
      known += m.features.taskKnown;
      capability += m.features.capabilityRequests;
    }
    const share = known > 0 ? capability / known : 0;
    const ordinary = population.ordinary.capabilityShare.p50;
    const perAccount = median(members.map((m) => m.features.capabilityRequests));
    const ordinaryVolume = capabilityVolumeFloor(population.ordinary.capabilityRequests.p50);
    // Or sustained: a drip sends fewer requests per account than an ordinary person, but on capability
    // tasks alone, day after day. A student's maths questions come with everything else they ask.
    const sustained = members.filter(sustainsCapability).length / members.length;
    // Or pooled: members with one or two requests each whose rare client's few-request users asked for nothing else
    // (src/clustering/capability-cohort.ts): a drip's first hours, before any account has volume or a second day.
    const cohort = members.filter((m) => m.capabilityCohort === true).length / members.length;
    const volume = Math.max(
      clamp01((perAccount - ordinaryVolume) / ordinaryVolume),
      clamp01((Math.max(sustained, cohort) - 0.3) / 0.4),
    );
    // A cohort's mix was already tested against the population's rate (binomial tail), request by request.
    const concentration =
      known >= MIN_KNOWN * Math.min(members.length, 10) || cohort >= 0.5
        ? clamp01((share - ordinary) / Math.max(0.05, 1 - ordinary))
        : 0;
    return {
      code: 'capability_concentration',
      score: concentration * volume,
      detail:
        `${pct(share)} of the ${fmt(known)} requests of ${members.length} accounts with a known task are on ` +
        `maths, code, agentic, science or logic tasks, ${fmt(perAccount)} per account (median), and ` +
        `${pct(sustained)} of the accounts asked nothing else on two or more days (${pct(cohort)} pooled with their ` +
        `client's other few-request users); the median account in the window ` +
        `is at ${pct(ordinary)}, and volume counts from ${fmt(ordinaryVolume)} per account.`,
      evidence: {
        known_tasks: known,
        capability_share: share,
        capability_per_account: perAccount,
        sustained_share: sustained,
        cohort_share: cohort,
        ordinary_share_p50: ordinary,
        volume_floor: ordinaryVolume,
      },
    };
  },
};

/**
 * An account that asked for capability tasks only (90%+ of at least three requests with a known task) on two or more
 * days.
 */
export function sustainsCapability(m: {
  readonly features: { readonly taskKnown: number; readonly capabilityShare: number; readonly retentionDays: number };
}): boolean {
  return m.features.taskKnown >= 3 && m.features.capabilityShare >= 0.9 && m.features.retentionDays >= 2;
}

/** Capability requests per account from which volume counts: 2m + 1, m the median account's. */
export function capabilityVolumeFloor(medianRequests: number): number {
  return 2 * medianRequests + 1;
}
