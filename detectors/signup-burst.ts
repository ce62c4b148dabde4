/** Sign-up burst: many members created within one hour. */
import { clamp01, fmt, pct, type Detector } from './detector.ts';

export const signupBurst: Detector = {
  name: 'signup-burst',
  role: 'coordination',
  evaluate({ members }) {
    const created = members
      .map((m) => m.state.createdSec)
      .filter((c): c is number => c !== null)
      .sort((a, b) => a - b);
    let best = 0;
    for (let i = 0, j = 0; j < created.length; j++) {
      while ((created[j] as number) - (created[i] as number) > 3600) i++;
      best = Math.max(best, j - i + 1);
    }
    const share = best / members.length;
    const score = best >= 5 ? clamp01(share * 1.5) : 0;
    return {
      code: 'burst_signup',
      score,
      detail: `${fmt(best)} of ${members.length} accounts (${pct(share)}) were created within one hour.`,
      evidence: { in_burst: best, share },
    };
  },
};
