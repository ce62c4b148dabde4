/**
 * Capability concentration: the members' requests sit on the narrow capability families a distiller
 * harvests (maths, code, agentic tool use, science, logic) far more than ordinary accounts' do. It
 * needs no reasoning ask: a farm harvesting plain answers or code shows it as much as one asking for
 * chains of thought. Compared with the population of the window: the score grows from the share that
 * 90% of ordinary accounts stay under to an all-capability mix, so where ordinary traffic is itself
 * mostly maths (a tutoring service's), this family says little and the others decide.
 *
 * A distiller needs volume, so the share counts only as far as the members' capability requests
 * exceed what ordinary accounts send: from the population's 90th percentile of capability requests
 * per account to twice it. A class doing one maths assignment (a request or two each) is concentrated
 * but not at volume.
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
    const ordinary = population.ordinary.capabilityShare.p90;
    const perAccount = median(members.map((m) => m.features.capabilityRequests));
    const ordinaryVolume = population.ordinary.capabilityRequests.p90;
    const volume = clamp01((perAccount - ordinaryVolume) / Math.max(ordinaryVolume, 1));
    const concentration = known >= MIN_KNOWN * Math.min(members.length, 10) ? clamp01((share - ordinary) / Math.max(0.05, 1 - ordinary)) : 0;
    return {
      code: 'capability_concentration',
      score: concentration * volume,
      detail: `${pct(share)} of the ${fmt(known)} requests of ${members.length} accounts with a known task are on maths, code, agentic, science or logic tasks, ${fmt(perAccount)} per account (median); 90% of ordinary accounts are at or under ${pct(ordinary)} and ${fmt(ordinaryVolume)}.`,
      evidence: { known_tasks: known, capability_share: share, capability_per_account: perAccount, ordinary_share_p90: ordinary, ordinary_requests_p90: ordinaryVolume },
    };
  },
};
