/**
 * Frame cohorts: a drip's fresh accounts send one request each in their first hour, each from its own address and
 * card, so none fills a frame twice (FRAMED_FILLS). Many of them filling one frame within two hours, nearly each with
 * its own problem, when the frame is new to the population, lets one fill show intent. Prompts go through the
 * fingerprint stage, so template hashes and fills are the worker's.
 */
import { describe, expect, it } from 'vitest';
import {
  COHORT_FILL_SHARE,
  COHORT_MIN,
  COHORT_SHARE,
  COHORT_SHARED_NETWORK_SHARE,
  FRAMED_FILLS,
  frameCohorts,
  markFramedMembers,
  recentFrames,
} from '../../src/clustering/framed-members.ts';
import { showsIntent } from '../../src/clustering/member-fit.ts';
import type { ClusterMember } from '../../detectors/detector.ts';
import { HOUR, member, population, prompt, T0 } from '../detectors/support.ts';

const MIN = 60_000;
/** The tick's hour: 10:00–11:00 of the test day. */
const NOW = T0 + 10 * HOUR + 50 * MIN;
const hour = Math.floor(NOW / HOUR);

/** A problem of the operator's frame with its own numbers; asks for no reasoning. */
const problem = (a: number, b: number) =>
  `Find all integer solutions of ${a}x + ${b}y = ${a * b + 17} with x, y > 0. Keep it to the final number.`;

/** `n` accounts, each sending one problem (numbers from `numbers`) at `at(i)` from the network `network(i)`. */
function accounts(
  n: number,
  numbers: (i: number) => [number, number],
  at = (i: number) => NOW - i * 3 * MIN,
  network = (i: number) => `198.51.${i}.0/24`,
) {
  return Array.from({ length: n }, (_, i) =>
    member(`acct-${i}`, [prompt(at(i), problem(...numbers(i)), { network: network(i) })]),
  );
}
const own = (i: number): [number, number] => [7 + i, 2 + i];
const templateOf = (m: ClusterMember) =>
  m.state.attrs.toArray().find((a) => a.kind === 'template' && a.fill !== undefined)?.value;

describe('frame cohorts', () => {
  it('lets one fill show intent where COHORT_MIN accounts filled a new frame in two hours, each a problem', () => {
    expect([COHORT_MIN, COHORT_FILL_SHARE, COHORT_SHARE, COHORT_SHARED_NETWORK_SHARE, FRAMED_FILLS]).toEqual([
      8, 0.8, 0.8, 0.5, 2,
    ]);
    const members = accounts(COHORT_MIN, own);
    const template = templateOf(members[0] as ClusterMember) as string;
    const recent = recentFrames(members, hour);
    expect([...recent]).toEqual([[template, COHORT_MIN]]);
    const cohorts = frameCohorts(recent, () => COHORT_MIN, hour);
    const marked = markFramedMembers(members, hour - 24, cohorts).members;
    expect(marked.every((m) => m.framed === true && m.inFrameCohort === true)).toBe(true);
    expect(marked.every((m) => showsIntent(m, population.ordinary))).toBe(true);
    // Without the cohort, one fill each is any student's single question.
    expect(markFramedMembers(members, hour - 24).members.some((m) => m.framed === true)).toBe(false);
  });

  it('needs COHORT_MIN accounts', () => {
    expect(recentFrames(accounts(COHORT_MIN - 1, own), hour).size).toBe(0);
  });

  it('needs their fills nearly all different: a class doing one exercise sends a few versions of it', () => {
    // Eight students, three versions of the exercise.
    expect(
      recentFrames(
        accounts(COHORT_MIN, (i) => own(i % 3)),
        hour,
      ).size,
    ).toBe(0);
    // Ten accounts with eight different problems (0.8) are a cohort; with seven (0.7) not.
    expect(
      recentFrames(
        accounts(10, (i) => own(Math.min(i, 7))),
        hour,
      ).size,
    ).toBe(1);
    expect(
      recentFrames(
        accounts(10, (i) => own(Math.min(i, 6))),
        hour,
      ).size,
    ).toBe(0);
  });

  it('needs most of them on networks of their own: a class given a worksheet per student is one room', () => {
    const now = (i: number) => NOW - i * 3 * MIN;
    expect(
      recentFrames(
        accounts(COHORT_MIN, own, now, () => '203.0.113.0/24'),
        hour,
      ).size,
    ).toBe(0);
    // Half of them (four of eight) may share one; five may not.
    expect(
      recentFrames(
        accounts(COHORT_MIN, own, now, (i) => `198.51.${Math.max(i, 3)}.0/24`),
        hour,
      ).size,
    ).toBe(1);
    expect(
      recentFrames(
        accounts(COHORT_MIN, own, now, (i) => `198.51.${Math.max(i, 4)}.0/24`),
        hour,
      ).size,
    ).toBe(0);
  });

  it('counts only fills in the tick’s hour and the one before', () => {
    const late = accounts(COHORT_MIN, own, (i) => (i === 0 ? NOW - 2 * HOUR : NOW - i * MIN));
    expect(recentFrames(late, hour).size).toBe(0);
    const inTwoHours = accounts(COHORT_MIN, own, (i) => NOW - 50 * MIN - i * 8 * MIN);
    expect(recentFrames(inTwoHours, hour).size).toBe(1);
  });

  it('needs the frame new to the population: a common exercise format has had many users before', () => {
    const members = accounts(COHORT_MIN, own);
    const recent = recentFrames(members, hour);
    // Eight recent users of ten in the index (0.8) are a cohort; of eleven (0.73) they are not.
    expect(frameCohorts(recent, () => 10, hour).templates.size).toBe(1);
    const common = frameCohorts(recent, () => 11, hour);
    expect(common.templates.size).toBe(0);
    expect(markFramedMembers(members, hour - 24, common).members.some((m) => m.framed === true)).toBe(false);
  });
});
