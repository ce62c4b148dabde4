/** Successor accounts: new accounts that pick up the payment or device of a suspended member. */
import { clamp01, fmt, type Detector } from './detector.ts';

export const successorAccount: Detector = {
  name: 'successor-account',
  role: 'coordination',
  evaluate({ members, shared }) {
    const byId = new Map(members.map((m) => [m.accountId, m]));
    const successors = new Set<string>();
    let suspended = 0;
    for (const m of members) if (m.state.suspendedSec !== null) suspended++;
    for (const s of shared) {
      if (s.kind !== 'payment' && s.kind !== 'device') continue;
      const group = s.members.map((id) => byId.get(id)).filter((m) => m !== undefined);
      for (const gone of group) {
        const at = gone.state.suspendedSec;
        if (at === null) continue;
        for (const m of group) {
          if (
            m !== gone &&
            m.state.createdSec !== null &&
            m.state.createdSec >= at &&
            m.state.createdSec - at <= 6 * 3600
          )
            successors.add(m.accountId);
        }
      }
    }
    return {
      code: 'successor_account',
      score: successors.size > 0 ? clamp01(0.6 + successors.size / 10) : 0,
      detail:
        `${fmt(successors.size)} accounts were created within 6 hours of the suspension of one of ` +
        `${fmt(suspended)} suspended members, on its payment instrument or device.`,
      evidence: { successors: successors.size, suspended },
    };
  },
};
