/** Rate-limit pressure: members keep their volume just under the limits and still touch them. */
import { mean } from 'simple-statistics';
import { clamp01, pct, type Detector } from './detector.ts';

export const rateLimitPressure: Detector = {
  name: 'rate-limit-pressure',
  role: 'intent',
  evaluate({ members }) {
    const share = mean(members.map((m) => m.features.rateLimitedShare));
    return {
      code: 'rate_limit_pressure',
      score: clamp01((share - 0.006) / 0.02),
      detail: `The accounts' requests are rate-limited ${pct(share)} of the time on average.`,
      evidence: { rate_limited_share: share },
    };
  },
};
