/**
 * A cluster's score from its detectors' findings. Coordination (one operator) and intent (harvesting
 * reasoning) are each a noisy-OR of their detectors' weighted scores, and the score is their product:
 * a busy office (coordination, no intent) and independent researchers running one benchmark (intent,
 * no coordination) both stay low. Intent comes from independent families (asking for reasoning,
 * capability concentration, output harvesting), none of which gates the score; template reuse and
 * rate-limit pressure support intent in proportion to the strongest of them (role `support`).
 */
import { DETECTORS, type ClusterView, type Detector, type Finding } from '../../detectors/index.ts';

export const DEFAULT_WEIGHTS: Readonly<Record<string, number>> = {
  'reasoning-elicitation': 1,
  'capability-concentration': 0.6,
  'output-harvesting': 0.5,
  'harvest-frames': 0.6,
  'template-reuse': 0.6,
  'rate-limit-pressure': 0.3,
  'shared-infrastructure': 0.9,
  'lockstep-timing': 0.85,
  'shared-schedule': 0.85,
  'wave-starts': 0.8,
  'signup-burst': 0.5,
  'no-human-day': 0.5,
  'successor-account': 0.95,
  'fingerprint-cohesion': 0.35,
};

export const BANDS = ['verify', 'review', 'none'] as const;
export type Band = (typeof BANDS)[number];

export interface ScoringConfig {
  readonly weights: Readonly<Record<string, number>>;
  readonly verifyBand: number;
  readonly reviewBand: number;
}

export interface WeightedFinding extends Finding {
  readonly detector: string;
  readonly weight: number;
}

export interface Assessment {
  readonly score: number;
  readonly band: Band;
  readonly coordination: number;
  readonly intent: number;
  /** Strongest first. */
  readonly findings: readonly WeightedFinding[];
}

export function scoringConfig(
  overrides: Readonly<Record<string, number>>,
  verifyBand: number,
  reviewBand: number,
): ScoringConfig {
  for (const name of Object.keys(overrides)) {
    if (!(name in DEFAULT_WEIGHTS))
      throw new Error(
        `FARMWATCH_DETECTOR_WEIGHTS names an unknown detector ${JSON.stringify(name)}: expected one of ` +
          `${Object.keys(DEFAULT_WEIGHTS).join(', ')}`,
      );
  }
  return { weights: { ...DEFAULT_WEIGHTS, ...overrides }, verifyBand, reviewBand };
}

export function assess(view: ClusterView, cfg: ScoringConfig, detectors: readonly Detector[] = DETECTORS): Assessment {
  const findings: WeightedFinding[] = detectors.map((d) => ({
    ...d.evaluate(view),
    detector: d.name,
    weight: cfg.weights[d.name] ?? 0,
  }));
  let strongestIntent = 0;
  for (const [i, f] of findings.entries())
    if ((detectors[i] as Detector).role === 'intent') strongestIntent = Math.max(strongestIntent, f.score);
  let notCoordinated = 1;
  let notIntent = 1;
  for (const [i, f] of findings.entries()) {
    const role = (detectors[i] as Detector).role;
    const w = f.weight * f.score;
    if (role === 'coordination') notCoordinated *= 1 - w;
    else if (role === 'intent') notIntent *= 1 - w;
    else notIntent *= 1 - w * strongestIntent;
  }
  const coordination = 1 - notCoordinated;
  const intent = 1 - notIntent;
  const score = coordination * intent;
  const band: Band = score >= cfg.verifyBand ? 'verify' : score >= cfg.reviewBand ? 'review' : 'none';
  return {
    score,
    band,
    coordination,
    intent,
    findings: [...findings].sort((a, b) => b.weight * b.score - a.weight * a.score),
  };
}
