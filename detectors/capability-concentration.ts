/**
 * Capability concentration: the members' requests sit on the narrow capability families a distiller
 * harvests (maths, code, agentic tool use, science, logic) far more than ordinary accounts' do. It
 * needs no reasoning ask: a farm harvesting plain answers or code shows it as much as one asking for
 * chains of thought. Compared with the population of the window: the score grows from the share that
 * 90% of ordinary accounts stay under to an all-capability mix, so where ordinary traffic is itself
 * mostly maths (a tutoring service's), this family says little and the others decide.
 */
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
      capability += m.features.capabilityShare * m.features.taskKnown;
    }
    const share = known > 0 ? capability / known : 0;
    const ordinary = population.ordinary.capabilityShare.p90;
    const score = known >= MIN_KNOWN * Math.min(members.length, 10) ? clamp01((share - ordinary) / Math.max(0.05, 1 - ordinary)) : 0;
    return {
      code: 'capability_concentration',
      score,
      detail: `${pct(share)} of the ${fmt(known)} requests of ${members.length} accounts with a known task are on maths, code, agentic, science or logic tasks; 90% of ordinary accounts in the window are at or under ${pct(ordinary)}.`,
      evidence: { known_tasks: known, capability_share: share, ordinary_p90: ordinary },
    };
  },
};
