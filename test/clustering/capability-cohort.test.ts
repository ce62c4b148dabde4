import { describe, expect, it } from 'vitest';
import type { ClusterMember } from '../../detectors/detector.ts';
import { capabilityConcentration } from '../../detectors/capability-concentration.ts';
import { fewRequestShareWithout, markCapabilityCohorts } from '../../src/clustering/capability-cohort.ts';
import { showsIntent } from '../../src/clustering/member-fit.ts';
import type { TaskCategory } from '../../src/fingerprint/task-category.ts';
import { member, population, req, view, window } from '../detectors/support.ts';

const T = window.toMs - 3_600_000;
const FROM_HOUR = Math.floor(window.fromMs / 3_600_000);
const RARE = new Set(['tls-operator', 'tls-niche']);
const rare = (v: string) => RARE.has(v);
/** The population's rate: 35% of few-request accounts asked only capability tasks (support.ts). */
const ordinary = population.ordinary;

/** An account with `tasks.length` requests (one per task), on a client. */
function account(id: string, tls: string, tasks: readonly TaskCategory[]): ClusterMember {
  return member(
    id,
    tasks.map((task, k) => req(T + k * 600_000, { accountId: id, tls, task, inputTokens: 60, outputTokens: 500 })),
  );
}

const drip = (n: number, tls = 'tls-operator') =>
  Array.from({ length: n }, (_, i) => account(`drip-${i}`, tls, [i % 2 === 0 ? 'math' : 'code']));
const marked = (ms: readonly ClusterMember[]) => ms.filter((m) => m.capabilityCohort === true).map((m) => m.accountId);

describe('capability cohorts: intent pooled over a rare client’s few-request users', () => {
  it('marks a rare client’s few-request users once all of them asking capability tasks is beyond chance', () => {
    // 0.35^9 = 7.9e-5 is under the 1e-4 tail; 0.35^8 = 2.3e-4 is not.
    expect(marked(markCapabilityCohorts(drip(9), rare, ordinary, FROM_HOUR))).toHaveLength(9);
    expect(marked(markCapabilityCohorts(drip(8), rare, ordinary, FROM_HOUR))).toEqual([]);
  });

  it('does not pool strangers on a niche client who mix tasks as people do', () => {
    // 30 few-request users, 80% of them on capability tasks only (students): under the 90% a cohort needs.
    const students = Array.from({ length: 30 }, (_, i) =>
      account(`student-${i}`, 'tls-niche', [i % 5 === 0 ? 'chat' : 'math']),
    );
    expect(marked(markCapabilityCohorts(students, rare, ordinary, FROM_HOUR))).toEqual([]);
  });

  it('pools nobody through a common client, and never accounts with three requests or more', () => {
    expect(marked(markCapabilityCohorts(drip(20, 'tls-chrome'), rare, ordinary, FROM_HOUR))).toEqual([]);
    const busy = Array.from({ length: 20 }, (_, i) => account(`busy-${i}`, 'tls-operator', ['math', 'code', 'math']));
    expect(marked(markCapabilityCohorts(busy, rare, ordinary, FROM_HOUR))).toEqual([]);
  });

  it('pools nobody while the population is too small to give a rate', () => {
    const unknown = { ...ordinary, fewRequestCapabilityShare: 1 };
    expect(marked(markCapabilityCohorts(drip(30), rare, unknown, FROM_HOUR))).toEqual([]);
  });

  it('tests a cohort against the population’s rate with its own members left out', () => {
    // The sample: 40 ordinary few-request accounts, 14 on capability tasks only (0.35), and the drip's 12, all on
    // capability tasks: 26 of 52 (0.5). At 0.5 twelve are within chance (2.4e-4); at 0.35 they are not (3.4e-6).
    const sampled = new Map<string, boolean>([
      ...Array.from({ length: 40 }, (_, i): [string, boolean] => [`person-${i}`, i < 14]),
      ...drip(12).map((m): [string, boolean] => [m.accountId, true]),
    ]);
    const withDrip = { ...ordinary, fewRequestCapabilityShare: 26 / 52 };
    expect(fewRequestShareWithout({ ...withDrip, fewRequestUsers: sampled }, drip(12))).toBeCloseTo(0.35, 5);
    expect(marked(markCapabilityCohorts(drip(12), rare, withDrip, FROM_HOUR))).toEqual([]);
    expect(
      marked(markCapabilityCohorts(drip(12), rare, { ...withDrip, fewRequestUsers: sampled }, FROM_HOUR)),
    ).toHaveLength(12);
    // Too few accounts left to give a rate: nobody is pooled.
    const small = new Map([...sampled].filter(([id]) => !id.startsWith('person-') || id.length === 'person-1'.length));
    expect(fewRequestShareWithout({ ...withDrip, fewRequestUsers: small }, drip(12))).toBe(1);
  });

  it('lets a marked member show intent, and the group’s capability concentration count it as volume', () => {
    const cohort = markCapabilityCohorts(drip(12), rare, ordinary, FROM_HOUR);
    expect(drip(12).some((m) => showsIntent(m, ordinary))).toBe(false);
    expect(cohort.every((m) => showsIntent(m, ordinary))).toBe(true);
    expect(capabilityConcentration.evaluate(view(drip(12))).score).toBe(0);
    expect(capabilityConcentration.evaluate(view(cohort)).score).toBeGreaterThan(0.9);
  });
});
