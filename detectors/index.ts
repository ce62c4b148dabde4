/** Every detector, registered once. Weights and thresholds come from config (src/clustering/scoring.ts). */
import type { Detector } from './detector.ts';
import { capabilityConcentration } from './capability-concentration.ts';
import { fingerprintCohesion } from './fingerprint-cohesion.ts';
import { harvestFrames } from './harvest-frames.ts';
import { lockstepTiming } from './lockstep-timing.ts';
import { noHumanDay } from './no-human-day.ts';
import { outputHarvesting } from './output-harvesting.ts';
import { rateLimitPressure } from './rate-limit-pressure.ts';
import { reasoningElicitation } from './reasoning-elicitation.ts';
import { sharedInfrastructure } from './shared-infrastructure.ts';
import { sharedSchedule } from './shared-schedule.ts';
import { signupBurst } from './signup-burst.ts';
import { successorAccount } from './successor-account.ts';
import { templateReuse } from './template-reuse.ts';
import { waveStartsDetector } from './wave-starts.ts';

export const DETECTORS: readonly Detector[] = [
  reasoningElicitation,
  capabilityConcentration,
  outputHarvesting,
  harvestFrames,
  templateReuse,
  rateLimitPressure,
  sharedInfrastructure,
  lockstepTiming,
  sharedSchedule,
  waveStartsDetector,
  signupBurst,
  noHumanDay,
  successorAccount,
  fingerprintCohesion,
];

export type { Detector, ClusterView, Finding, ReasonCode } from './detector.ts';
