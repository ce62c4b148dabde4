/**
 * Rate-limit pressure: members keep their volume just under the limits and still touch them, more
 * often than ordinary accounts in the window do: the score starts above the population's 90th
 * percentile of rate-limited share and is full at its 99th (or 2 points above the 90th), once the
 * group has at least three throttled requests.
 */
import { mean } from 'simple-statistics';
import { clamp01, pct, type Detector } from './detector.ts';

/** Fewer throttled requests than this in the whole group are not pressure, whatever their share. */
const MIN_LIMITED = 3;

export const rateLimitPressure: Detector = {
  name: 'rate-limit-pressure',
  role: 'support',
  evaluate({ members, population }) {
    const share = mean(members.map((m) => m.features.rateLimitedShare));
    const limited = Math.round(members.reduce((n, m) => n + m.features.rateLimitedShare * m.features.requests, 0));
    const q = population.ordinary.rateLimitedShare;
    return {
      code: 'rate_limit_pressure',
      // One throttled request in a household's thirty is a high share and no pressure at all.
      score: limited < MIN_LIMITED ? 0 : clamp01((share - q.p90) / Math.max(q.p99 - q.p90, 0.02)),
      detail:
        `The accounts' requests are rate-limited ${pct(share)} of the time on average; 90% of ordinary ` +
        `accounts in the window are at or under ${pct(q.p90)}.`,
      evidence: { rate_limited_share: share, rate_limited: limited, ordinary_p90: q.p90, ordinary_p99: q.p99 },
    };
  },
};
