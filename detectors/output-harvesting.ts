/**
 * Output harvesting: each exchange takes away far more than it sends — long outputs per input, long
 * reasoning traces per output — beyond what ordinary accounts in the window receive. A distiller's
 * prompts are short problems and its value is in the answers; ordinary use is conversational, with
 * inputs (pasted text, history) as long as the outputs. Compared with the population's 90th and 99th
 * percentiles: at the 90th the score starts, at the 99th it is full.
 */
import { median } from 'simple-statistics';
import { clamp01, fmt, type Detector, type Finding, type Quantiles } from './detector.ts';

const beyond = (x: number, q: Quantiles): number => clamp01((x - q.p90) / Math.max(q.p99 - q.p90, q.p90 * 0.25, 1e-6));

export const outputHarvesting: Detector = {
  name: 'output-harvesting',
  role: 'intent',
  evaluate({ members, population }): Finding {
    const active = members.filter((m) => m.features.requests > 0);
    if (active.length === 0)
      return { code: 'output_harvesting', score: 0, detail: 'No requests in the window.', evidence: {} };
    const opi = median(active.map((m) => m.features.outputPerInput));
    const rr = median(active.map((m) => m.features.reasoningRatio));
    const o = population.ordinary;
    const score = Math.max(beyond(opi, o.outputPerInput), beyond(rr, o.reasoningRatio));
    return {
      code: 'output_harvesting',
      score,
      detail:
        `The median account receives ${fmt(opi)} output tokens per input token and ${fmt(rr)} reasoning tokens ` +
        `per output token; 90% of ordinary accounts in the window receive at most ${fmt(o.outputPerInput.p90)} and ` +
        `${fmt(o.reasoningRatio.p90)}.`,
      evidence: {
        output_per_input: opi,
        reasoning_ratio: rr,
        ordinary_output_per_input_p90: o.outputPerInput.p90,
        ordinary_reasoning_ratio_p90: o.reasoningRatio.p90,
      },
    };
  },
};
