/**
 * Harvest frames: templates a group fills with a different problem each time, seen mostly from no other account.
 * Prompts go through the fingerprint stage (template hash and SimHash of the real text), so the fills are the ones
 * the worker would store. The population (test/detectors/support.ts) has a median account at 20% capability tasks.
 */
import { describe, expect, it } from 'vitest';
import { harvestFrames, isFrame } from '../../detectors/harvest-frames.ts';
import { FRAMED_FILLS, framedBy, markFramedMembers } from '../../src/clustering/framed-members.ts';
import { fittingMembers, showsIntent } from '../../src/clustering/member-fit.ts';
import { fingerprintPrompt } from '../../src/fingerprint/prompt-fingerprint.ts';
import { promptFill } from '../../src/fingerprint/observation.ts';
import { templateHash } from '../../src/fingerprint/template.ts';
import { cluster, population, prompt, T0, view } from './support.ts';

const MIN = 60_000;

/** A maths problem with its own numbers, in one frame that asks for no reasoning. */
const framed = (a: number, b: number) =>
  `Find all integer solutions of ${a}x + ${b}y = ${a * b + 17} with x, y > 0. Keep it to the final number.`;
const CHAT = [
  'What are the pros and cons of electric cars?',
  'Write a friendly email to my landlord about the heating.',
];

/** Member i sends `n` problems of the frame (different numbers each) and three chat prompts. */
const farmMember = (i: number, n = 2) => [
  ...Array.from({ length: n }, (_, k) => prompt(T0 + (i * 7 + k * 40) * MIN, framed(3 + i, 5 + k * 11 + i))),
  ...CHAT.map((text, k) => prompt(T0 + (i * 7 + 200 + k) * MIN, text)),
];

describe('harvest-frames', () => {
  it('the frame masks the numbers: one template, a different fill per problem', () => {
    expect(templateHash(framed(3, 5))).toBe(templateHash(framed(17, 29)));
    const fills = new Set(
      [framed(3, 5), framed(17, 29), framed(4, 8)].map((t) => promptFill(fingerprintPrompt({ text: t }).simhash)),
    );
    expect(fills.size).toBe(3);
  });

  it('is full for a group that fills a frame of its own with a different problem each time', () => {
    const v = cluster(12, (i) => farmMember(i));
    const f = harvestFrames.evaluate(v);
    expect(f.score).toBe(1);
    expect(f.evidence.framed).toBe(12);
    expect(f.detail).toMatch(/12 of 12 accounts \(100%\) fill 1 prompt templates/);
    // Each member filled it twice among chat: every one shows intent, though no member's task mix would.
    const { members: marked, frames } = markFramedMembers(v.members, 0);
    expect(marked.every((m) => m.framed === true)).toBe(true);
    expect(v.members.some((m) => showsIntent(m, population.ordinary))).toBe(false);
    expect(marked.every((m) => showsIntent(m, population.ordinary))).toBe(true);
    // Between full scores a remembered component judges its members by the frames found at the last one.
    expect(frames.size).toBe(1);
    expect(v.members.every((m) => framedBy(m, frames, 0).framed === true)).toBe(true);
    expect(v.members.some((m) => framedBy(m, new Set(['another']), 0).framed === true)).toBe(false);
  });

  it('is 0 for a class pasting one homework question, however many paste it', () => {
    const homework = 'Homework 4: find all integer solutions of 3x + 5y = 32 with x, y > 0.';
    const v = cluster(30, (i) => [prompt(T0 + i * MIN, homework), prompt(T0 + (i + 30) * MIN, homework)]);
    expect(harvestFrames.evaluate(v).score).toBe(0);
    expect(markFramedMembers(v.members, 0).members.some((m) => m.framed === true)).toBe(false);
  });

  it('is 0 when the frame is sent mostly by accounts outside the group (a popular exercise format)', () => {
    const members = cluster(12, (i) => farmMember(i)).members;
    const template =
      members[0]?.state.attrs.toArray().find((a) => a.kind === 'template' && a.fill !== undefined)?.value ?? '';
    expect(harvestFrames.evaluate(cluster(12, (i) => farmMember(i), { [template]: 30 })).score).toBe(0);
    // At half the users inside, it is the group's own.
    expect(harvestFrames.evaluate(cluster(12, (i) => farmMember(i), { [template]: 24 })).score).toBe(1);
  });

  it("counts a frame cohort of the component as the group's own, however few of its users the group holds", () => {
    // A drip's fresh accounts filled the frame within two hours, in numbers, and the component splits them into
    // groups: this one holds 12 of its 30 users. Another template that is not a cohort stays out.
    const members = cluster(12, (i) => farmMember(i)).members;
    const template =
      members[0]?.state.attrs.toArray().find((a) => a.kind === 'template' && a.fill !== undefined)?.value ?? '';
    const split = cluster(12, (i) => farmMember(i), { [template]: 30 });
    expect(harvestFrames.evaluate({ ...split, frameCohorts: new Set(['another-template']) }).score).toBe(0);
    const f = harvestFrames.evaluate({ ...split, frameCohorts: new Set([template]) });
    expect(f.score).toBe(1);
    expect(f.evidence.framed).toBe(12);
  });

  it("scales with how much of the traffic the frames carry, against the median account's capability share", () => {
    // One framed problem in ten requests: 10% of the traffic, half the median account's 20%.
    const v = cluster(10, (i) => [
      prompt(T0 + i * MIN, framed(3 + i, 7 + i)),
      ...Array.from({ length: 9 }, (_, k) => prompt(T0 + (i * 20 + k + 1) * MIN, CHAT[k % 2] as string)),
    ]);
    expect(harvestFrames.evaluate(v).score).toBeCloseTo(0.5, 5);
    // One fill each is any student's single question: the group may score, no member shows intent by it.
    expect(FRAMED_FILLS).toBe(2);
    expect(markFramedMembers(v.members, 0).members.some((m) => m.framed === true)).toBe(false);
  });

  it("keeps members in the fit by frames only where the frames are the group's own", () => {
    // Ten accounts fill the operator's frame; five on the same cards fill a common exercise format, which fifty
    // accounts anywhere send. Marked over the component both are frames; in the fit only the operator's is.
    const common = (a: number) => `how do i solve ${a}x + 4 = ${a * 3 + 4}`;
    const farm = (i: number) => farmMember(i).map((o) => ({ ...o, payment: 'card-farm' }));
    const onCards = (i: number) =>
      [common(3 + i), common(11 + i), ...CHAT].map((text, k) => ({
        ...prompt(T0 + (i * 9 + k) * MIN, text),
        payment: 'card-farm',
      }));
    const members = markFramedMembers(cluster(15, (i) => (i < 10 ? farm(i) : onCards(i))).members, 0).members;
    expect(members.filter((m) => m.framed === true)).toHaveLength(15);
    const commonTemplate = members[14]?.state.attrs
      .toArray()
      .find((a) => a.kind === 'template' && a.fill !== undefined)?.value;
    const v = view(members, { [commonTemplate ?? '']: 50 });
    expect(fittingMembers(v).map((m) => m.accountId)).toEqual(members.slice(0, 10).map((m) => m.accountId));
  });

  it('needs three users with different fills, and half of the users to differ', () => {
    expect(isFrame([{ fill: 1 }, { fill: 2 }])).toBe(false);
    expect(isFrame([{ fill: 1 }, { fill: 2 }, { fill: 3 }])).toBe(true);
    expect(isFrame([{ fill: 1 }, { fill: 2 }, { fill: 3 }, { fill: 3 }, { fill: 3 }, { fill: 3 }, { fill: 3 }])).toBe(
      false,
    );
    expect(isFrame([{ fill: 1 }, { fill: 2 }, { fill: 3 }, { fill: 4 }, { fill: 4 }, { fill: 4 }])).toBe(true);
    // Templates of prompts that do not link (chat, writing) carry no fill and are never frames.
    expect(isFrame([{}, {}, {}, {}])).toBe(false);
  });
});
