/**
 * Fingerprint cohesion: the members' behavioural vectors are far tighter around their centroid than
 * accounts of the population are around their nearest k-means centroid.
 */
import { median } from 'simple-statistics';
import { clamp01, type Detector } from './detector.ts';

export const fingerprintCohesion: Detector = {
  name: 'fingerprint-cohesion',
  role: 'coordination',
  evaluate({ members, population }) {
    const dims = members[0]?.vector.length ?? 0;
    const centroid = new Array<number>(dims).fill(0);
    for (const m of members) m.vector.forEach((v, i) => (centroid[i] = (centroid[i] as number) + v / members.length));
    const dist = median(
      members.map((m) => Math.sqrt(m.vector.reduce((a, v, i) => a + (v - (centroid[i] as number)) ** 2, 0))),
    );
    const base = Math.max(population.kmeansMedianDistance, 1e-6);
    const tightness = dist / base;
    return {
      code: 'fingerprint_cohesion',
      score: members.length >= 5 ? clamp01(1 - tightness) : 0,
      detail:
        `The accounts' behavioural fingerprints lie ${tightness.toFixed(2)}× as far from their centre as ` +
        `population accounts lie from their nearest k-means centroid.`,
      evidence: { median_distance: dist, population_median_distance: base, tightness },
    };
  },
};
