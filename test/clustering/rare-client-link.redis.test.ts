/**
 * A drip's accounts each have their own address, card, device and prompt; in its first hour they share
 * only the operator's client and the minutes they start in. A TLS fingerprint rare in the population
 * links them into a candidate group; a common one (a browser's, an official SDK's) links nobody, and
 * strangers on a niche client are linked but not flagged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../fixtures/random.ts';
import type { TickResult } from '../../src/clustering/clusterer.ts';
import type { TaskCategory } from '../../src/fingerprint/task-category.ts';
import { HandBuiltWindows, type HandBuiltRequest } from '../support/hand-built-windows.ts';

const { MIN, HOUR, END } = HandBuiltWindows;
const COMMON = ['tls-chrome', 'tls-safari', 'tls-py', 'tls-node'];

const TASKS: readonly TaskCategory[] = ['chat', 'writing', 'other', 'math', 'code', 'chat', 'writing', 'science'];

/** An ordinary person: their own network, card and device, one to five requests over the last day, tasks mixed. */
function person(r: Random, id: string, tls: string, asks = false): HandBuiltRequest[] {
  return Array.from({ length: r.int(1, 5) }, () => ({
    tsMs: END - r.int(2, 20 * 60) * MIN,
    network: `172.16.${id}`,
    device: `dev-${id}`,
    payment: `card-${id}`,
    template: `chat-${id}-${r.int(0, 3)}`,
    tls,
    task: r.pick(TASKS),
    ...(asks ? { elicitsReasoning: true, reasoningTokens: 1200, model: 'model-reasoning', task: 'math' as const } : {}),
  }));
}

/**
 * A drip account's one request in the last hour: its own address, card, device and problem, the operator's client,
 * starting within a minute of one of two waves.
 */
function dripRequest(r: Random, id: string, home: string, wave: number, tls: string, asks = true): HandBuiltRequest[] {
  return [
    {
      tsMs: END - (wave === 0 ? 40 : 15) * MIN + r.int(0, 50) * 1000,
      network: home,
      device: `dev-${id}`,
      payment: `card-${id}`,
      template: `problem-${id}`,
      tls,
      elicitsReasoning: asks,
      reasoningTokens: 1500,
      outputTokens: 700,
      model: 'model-reasoning',
      task: r.chance(0.5) ? 'math' : 'code',
    },
  ];
}

describe('Clusterer: a client rare in the population links a drip (real Redis)', () => {
  const w = new HandBuiltWindows('rare-client');
  let res: TickResult;
  const requested = (prefix: string) => res.requests.filter((q) => q.account_id.startsWith(prefix));

  beforeAll(async () => {
    const r = new Random(5);
    // 600 ordinary accounts on four common clients, and 40 students on a niche one asking for worked
    // answers at their own hours.
    for (let i = 0; i < 600; i++)
      await w.writeAccount(`person-${i}`, null, person(r, `person-${i}`, COMMON[i % COMMON.length] as string));
    for (let i = 0; i < 40; i++)
      await w.writeAccount(`student-${i}`, null, person(r, `student-${i}`, 'tls-niche-editor', true));
    // Two drips of eight accounts, in two waves each: one on its operator's own client, one on a browser's.
    for (let i = 0; i < 8; i++) {
      await w.writeAccount(
        `drip-${i}`,
        END - 30 * 24 * HOUR,
        dripRequest(r, `drip-${i}`, `198.18.${i}.0/24`, i % 2, 'tls-operator'),
      );
      await w.writeAccount(
        `hidden-${i}`,
        END - 30 * 24 * HOUR,
        dripRequest(r, `hidden-${i}`, `198.19.${i}.0/24`, i % 2, 'tls-chrome'),
      );
    }
    // A drip that asks for no reasoning: twelve accounts with one plain maths or code problem each.
    for (let i = 0; i < 12; i++)
      await w.writeAccount(
        `plain-${i}`,
        END - 30 * 24 * HOUR,
        dripRequest(r, `plain-${i}`, `198.20.${i}.0/24`, i % 2, 'tls-operator-plain', false),
      );
    res = await (await w.clusterer()).tick(END);
  });
  afterAll(() => w.close());

  it('flags the drip on a client no one else uses, from what its accounts share in the hour', () => {
    expect(requested('drip-').length).toBe(8);
    const reasons = new Set(requested('drip-').flatMap((q) => q.reasons.map((x) => x.code)));
    expect([...reasons].some((c) => c.startsWith('shared_'))).toBe(false);
  });

  it('flags a drip that asks for no reasoning, its accounts pooled with their client’s other few-request users', () => {
    expect(requested('plain-').length).toBe(12);
    const reasons = new Set(requested('plain-').flatMap((q) => q.reasons.map((x) => x.code)));
    expect(reasons.has('capability_concentration')).toBe(true);
    expect(reasons.has('reasoning_elicitation')).toBe(false);
  });

  it('does not link accounts through a common client', () => {
    expect(requested('hidden-')).toEqual([]);
  });

  it('sends none of the strangers on a niche client, nor anyone else, to verification', () => {
    expect(requested('student-')).toEqual([]);
    expect(requested('person-')).toEqual([]);
  });
});
