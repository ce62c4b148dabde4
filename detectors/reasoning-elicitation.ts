/**
 * Reasoning elicitation: the members ask for the model's reasoning (in any phrasing the fingerprint
 * stage recognises) and receive long reasoning traces. Both together are what a distiller wants;
 * either alone is common (students ask "step by step" of small models; people use reasoning models).
 */
import { median } from 'simple-statistics';
import { clamp01, fmt, pct, type Detector } from './detector.ts';

export const reasoningElicitation: Detector = {
  name: 'reasoning-elicitation',
  role: 'intent',
  evaluate({ members }) {
    const requests = members.reduce((n, m) => n + m.features.requests, 0);
    const elicited = members.reduce((n, m) => n + m.features.elicited, 0);
    const share = requests > 0 ? elicited / requests : 0;
    const ratio = median(members.map((m) => m.features.reasoningRatio));
    const score = clamp01(Math.sqrt(share * clamp01(ratio / 1.5)) * 1.15);
    return {
      code: 'reasoning_elicitation',
      score,
      detail:
        `${pct(share)} of the ${fmt(requests)} requests of ${members.length} accounts ask for step-by-step ` +
        `reasoning; the median account receives ${ratio.toFixed(1)} reasoning tokens per output token.`,
      evidence: { requests, elicited, elicit_share: share, median_reasoning_ratio: ratio },
    };
  },
};
