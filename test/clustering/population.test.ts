/**
 * The population's ordinary behaviour, from which the intent detectors measure "beyond ordinary": its reasoning ratio
 * is that of the accounts that used a reasoning model, however few of them there are in the window.
 */
import { describe, expect, it } from 'vitest';
import { bandUsers, ordinaryBehaviour } from '../../src/clustering/population.ts';
import { outputHarvesting } from '../../detectors/output-harvesting.ts';
import { templateReuse } from '../../detectors/template-reuse.ts';
import { HOUR, member, population, req, T0, view } from '../detectors/support.ts';

const MIN = 60_000;

/** An ordinary account's hour: five chat requests, on a reasoning model (`ratio` reasoning per output token) or not. */
const person = (i: number, ratio: number) =>
  member(
    `person-${i}`,
    Array.from({ length: 5 }, (_, k) =>
      req(T0 + (i + k * 7) * MIN, { inputTokens: 100, outputTokens: 500, reasoningTokens: 500 * ratio }),
    ),
  );

describe('ordinaryBehaviour', () => {
  it('takes the reasoning ratio among accounts that received reasoning, not as 0 for those that did not', () => {
    // An hour at night: 280 accounts on chat models, 20 on a reasoning model at 2–3 reasoning tokens per output token.
    const accounts = [
      ...Array.from({ length: 280 }, (_, i) => person(i, 0)),
      ...Array.from({ length: 20 }, (_, i) => person(280 + i, 2 + i / 20)),
    ];
    const ordinary = ordinaryBehaviour(accounts.map((m) => m.features));
    expect(ordinary.reasoningRatio.p50).toBeCloseTo(2.5, 1);
    expect(ordinary.reasoningRatio.p90).toBeGreaterThan(2.8);
    // Five ordinary reasoning users are not harvesting against it (with zeros counted, the 90th percentile was 0
    // and they scored 0.8).
    const users = Array.from({ length: 5 }, (_, i) => person(300 + i, 2.4));
    const f = outputHarvesting.evaluate({ ...view(users), population: { ...population, ordinary } });
    expect(f.score).toBe(0);
    // A group receiving twice the ordinary users' traces is.
    const harvesters = Array.from({ length: 5 }, (_, i) => person(400 + i, 6));
    expect(outputHarvesting.evaluate({ ...view(harvesters), population: { ...population, ordinary } }).score).toBe(1);
  });

  it('falls back to nothing-looks-unusual when fewer than 20 accounts used a reasoning model', () => {
    const accounts = [
      ...Array.from({ length: 280 }, (_, i) => person(i, 0)),
      ...Array.from({ length: 19 }, (_, i) => person(280 + i, 2.5)),
    ];
    expect(ordinaryBehaviour(accounts.map((m) => m.features)).reasoningRatio.p90).toBe(1e9);
  });

  it('counts, among accounts with one or two requests, those that asked capability tasks only', () => {
    const few = (i: number, tasks: readonly ('math' | 'chat')[]) =>
      member(
        `few-${i}`,
        tasks.map((task, k) => req(T0 + (i + k) * MIN, { task })),
      );
    // 40 one- or two-request accounts, 10 of them on maths only; busy accounts do not count.
    const accounts = [
      ...Array.from({ length: 10 }, (_, i) => few(i, i % 2 === 0 ? ['math'] : ['math', 'math'])),
      ...Array.from({ length: 30 }, (_, i) => few(10 + i, i % 2 === 0 ? ['chat'] : ['math', 'chat'])),
      ...Array.from({ length: 50 }, (_, i) => few(40 + i, ['math', 'math', 'math'])),
    ];
    expect(ordinaryBehaviour(accounts.map((m) => m.features)).fewRequestCapabilityShare).toBeCloseTo(0.25, 5);
    // Fewer than 20 such accounts: nothing looks unusual.
    expect(ordinaryBehaviour(accounts.slice(0, 19).map((m) => m.features)).fewRequestCapabilityShare).toBe(1);
    // Thirty more on maths only, already sent to verification (a farm's), are not ordinary: the rate stays 0.25.
    const farm = Array.from({ length: 30 }, (_, i) => few(100 + i, ['math']));
    const all = [...accounts, ...farm];
    const ids = all.map((m) => m.accountId);
    expect(
      ordinaryBehaviour(
        all.map((m) => m.features),
        ids,
      ).fewRequestCapabilityShare,
    ).toBeCloseTo(40 / 70, 5);
    const without = ordinaryBehaviour(
      all.map((m) => m.features),
      ids,
      (id) => farm.some((m) => m.accountId === id),
    );
    expect(without.fewRequestCapabilityShare).toBeCloseTo(0.25, 5);
    expect(without.fewRequestUsers?.size).toBe(40);
  });
});

describe('bandUsers', () => {
  // A prompt going round (its SimHash bands 'trend-0'..'trend-3'), sent once by each of 40 sampled strangers; a band
  // two accounts share; one only one account used.
  const strangers = Array.from({ length: 40 }, (_, i) =>
    member(`stranger-${i}`, [
      req(T0 + i * MIN, { bands: ['trend-0', 'trend-1', 'trend-2', 'trend-3', ...(i < 2 ? ['pair'] : [])] }),
      ...(i === 0 ? [req(T0 + HOUR, { bands: ['own'] })] : []),
    ]),
  );
  const states = strangers.map((m) => m.state);
  const fromHour = Math.floor(T0 / HOUR);

  it('estimates a band’s users from the sample, each sampled account standing for `stride`', () => {
    const users = bandUsers(states, fromHour, 25);
    expect(users.get('trend-0')).toBe(1_000);
    expect(users.get('pair')).toBe(50);
    // Seen once: not estimated (a farm's own family, once in a sample of a large population, would look common).
    expect(users.has('own')).toBe(false);
    // Uses before the window do not count.
    expect(bandUsers(states, fromHour + 2, 25).size).toBe(0);
  });

  it('lets template reuse see that a group’s shared bands are everyone’s', () => {
    const group = strangers.slice(2, 6);
    const totals = Object.fromEntries(bandUsers(states, fromHour, 1));
    // Counted as the group's own, the bands cover all four; with their users in the population, nothing.
    expect(templateReuse.evaluate(view(group)).score).toBe(1);
    expect(templateReuse.evaluate(view(group, totals)).score).toBe(0);
  });
});
