/**
 * Template reuse: many members send one prompt family, and the family is rarely seen outside the
 * cluster. A family that many unrelated accounts also send (a public benchmark, a popular homework)
 * counts for little: the score is the members covered times how exclusive the family is to them.
 */
import { clamp01, fmt, pct, type Detector } from './detector.ts';

/**
 * Fewest members a family must reach to count toward the share of members it covers. Two strangers who sent the same
 * words ("what's the derivative of sin(x)^2?") share a family only the two of them used, by chance among thousands
 * asking homework; four students, each sending the same question as one other, were covered in full by such pairs
 * (a held-aside seed's false positive). An operator's template reaches many of its accounts.
 */
export const COVERING_MIN = 3;

export const templateReuse: Detector = {
  name: 'template-reuse',
  role: 'support',
  evaluate({ members, shared }) {
    const families = shared.filter((s) => (s.kind === 'template' || s.kind === 'band') && s.members.length >= 2);
    const covered = new Set<string>();
    let exclusiveTemplates = 0;
    let exclusiveBands = 0;
    let weighted = 0;
    for (const f of families) {
      const exclusivity = f.members.length / Math.max(f.total, f.members.length);
      if (exclusivity < 0.5) continue;
      if (f.kind === 'template') exclusiveTemplates++;
      else exclusiveBands++;
      if (f.members.length >= COVERING_MIN) for (const m of f.members) covered.add(m);
      weighted = Math.max(weighted, (f.members.length / members.length) * exclusivity);
    }
    const coverage = covered.size / members.length;
    const score = clamp01(Math.max(weighted, coverage) * (covered.size >= 3 ? 1 : 0.3));
    return {
      code: 'template_reuse',
      score,
      detail:
        `${fmt(covered.size)} of ${members.length} accounts (${pct(coverage)}) share ` +
        `${fmt(exclusiveTemplates)} prompt templates and ${fmt(exclusiveBands)} near-duplicate prompt families ` +
        `(SimHash bands) seen mostly from no other account.`,
      evidence: {
        covered: covered.size,
        exclusive_templates: exclusiveTemplates,
        exclusive_bands: exclusiveBands,
        coverage,
      },
    };
  },
};
