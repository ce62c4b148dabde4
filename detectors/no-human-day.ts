/** No human day: members active around the clock, with no hours of rest in the day. */
import { clamp01, fmt, pct, type Detector, type Finding } from './detector.ts';

export const noHumanDay: Detector = {
  name: 'no-human-day',
  role: 'coordination',
  evaluate({ members, window }): Finding {
    const hours = (window.toMs - window.fromMs) / 3_600_000;
    if (hours < 20)
      return {
        code: 'no_human_day',
        score: 0,
        detail: 'The window is shorter than a day.',
        evidence: { window_hours: hours },
      };
    const roundTheClock = members.filter((m) => m.features.longestDayCoverage >= 20).length;
    const share = roundTheClock / members.length;
    return {
      code: 'no_human_day',
      score: clamp01(share),
      detail:
        `${fmt(roundTheClock)} of ${members.length} accounts (${pct(share)}) are active in 20 or more ` +
        `consecutive hours of the day, without a human's rest.`,
      evidence: { round_the_clock: roundTheClock, share },
    };
  },
};
