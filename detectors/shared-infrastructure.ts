/**
 * Shared infrastructure: members share payment instruments, devices, network prefixes or a system
 * prompt that few accounts outside the cluster use. Each kind has a weight (a card shared by strangers
 * is rarer than a shared NAT), and a value counts in proportion to how exclusive it is to the cluster,
 * so a university NAT or a popular SDK counts for little.
 */
import type { AttrKind } from '../src/windows/account-state.ts';
import { clamp01, fmt, pct, type Detector, type ReasonCode } from './detector.ts';

const KINDS: readonly { kind: AttrKind; code: ReasonCode; weight: number; noun: string }[] = [
  { kind: 'payment', code: 'shared_payment', weight: 1, noun: 'payment instruments' },
  { kind: 'device', code: 'shared_device', weight: 1, noun: 'devices' },
  { kind: 'network', code: 'shared_network', weight: 0.75, noun: 'network prefixes' },
  { kind: 'systemPrompt', code: 'shared_system_prompt', weight: 0.4, noun: 'system prompts' },
];

export const sharedInfrastructure: Detector = {
  name: 'shared-infrastructure',
  role: 'coordination',
  evaluate({ members, shared }) {
    let best = {
      code: 'shared_payment' as ReasonCode,
      score: 0,
      covered: 0,
      values: 0,
      noun: 'payment instruments',
      usedElsewhere: 0,
    };
    for (const k of KINDS) {
      const covered = new Set<string>();
      let values = 0;
      let elsewhere = 0;
      for (const s of shared) {
        if (s.kind !== k.kind || s.members.length < 2) continue;
        const exclusivity = s.members.length / Math.max(s.total, s.members.length);
        if (exclusivity < 0.6) continue;
        values++;
        elsewhere += Math.max(0, s.total - s.members.length);
        for (const m of s.members) covered.add(m);
      }
      const score = k.weight * (covered.size / members.length);
      if (score > best.score)
        best = { code: k.code, score, covered: covered.size, values, noun: k.noun, usedElsewhere: elsewhere };
    }
    return {
      code: best.code,
      score: clamp01(best.score),
      detail:
        `${fmt(best.covered)} of ${members.length} accounts (${pct(best.covered / members.length)}) share ` +
        `${fmt(best.values)} ${best.noun} used by ${fmt(best.usedElsewhere)} accounts outside the cluster.`,
      evidence: { covered: best.covered, values: best.values, used_elsewhere: best.usedElsewhere },
    };
  },
};
