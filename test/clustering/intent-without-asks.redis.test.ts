/**
 * Intent without a reasoning ask, and shared infrastructure without intent, on hand-built windows in
 * the real Redis. A farm that never asks for reasoning (plain answers harvested on capability tasks)
 * but shares cards and proxies and works in waves is a farm; 300 strangers behind one carrier-grade
 * NAT /24 share a network and nothing else, and are not; a drip of 100 accounts each on its own
 * address and card is, from its wave timing. Before 2026-12 the first scored 0 intent:
 * template reuse and every other intent signal counted only in proportion to reasoning asks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../fixtures/random.ts';
import type { TickResult as ClusterTickResult } from '../../src/clustering/clusterer.ts';
import type { TaskCategory } from '../../src/fingerprint/task-category.ts';
import { HandBuiltWindows, type HandBuiltRequest } from '../support/hand-built-windows.ts';

const { MIN, HOUR, END } = HandBuiltWindows;
const ORDINARY_TASKS: readonly TaskCategory[] = [
  'writing',
  'chat',
  'chat',
  'other',
  'writing',
  'code',
  'math',
  'other',
  'science',
  'chat',
];

/** An ordinary person: their own card and device, a few requests at human hours, a mixed task diet. */
function person(r: Random, network: string, id: string): HandBuiltRequest[] {
  const out: HandBuiltRequest[] = [];
  const n = r.int(2, 6);
  for (let k = 0; k < n; k++) {
    out.push({
      tsMs: END - r.int(1, 20 * 60) * MIN,
      network,
      device: `dev-${id}`,
      payment: `card-${id}`,
      template: `chat-${r.int(0, 400)}`,
      task: r.pick(ORDINARY_TASKS),
      inputTokens: r.int(50, 800),
      outputTokens: r.int(100, 900),
    });
  }
  return out;
}

describe('Clusterer: intent without asks, infrastructure without intent (real Redis)', () => {
  const w = new HandBuiltWindows('intent');
  let res: ClusterTickResult;
  const requested = () => new Set(res.requests.map((q) => q.account_id));

  beforeAll(async () => {
    const r = new Random(7);
    // The population: 150 ordinary accounts, each on its own home network.
    for (let i = 0; i < 150; i++)
      await w.writeAccount(`person-${i}`, null, person(r, `172.16.${i}.0/24`, `person-${i}`));
    // A carrier-grade NAT: 300 strangers on one /24 (and one ASN), nothing else in common.
    for (let i = 0; i < 300; i++)
      await w.writeAccount(
        `mobile-${i}`,
        null,
        person(r, '100.64.5.0/24', `mobile-${i}`).map((q) => ({ ...q, asn: 64500 })),
      );
    // The plain farm: 30 accounts on 3 cards and 4 proxy /24s, a wave every 10 minutes, short maths and
    // code problems with no reasoning ask, long answers from the reasoning model.
    for (let i = 0; i < 30; i++) {
      const requests: HandBuiltRequest[] = [];
      for (let t = END - 10 * HOUR; t < END; t += 10 * MIN) {
        requests.push({
          tsMs: t + (i % 7) * 1000,
          network: `10.9.${(i + t / MIN) % 4}.0/24`,
          payment: `card-farm-${i % 3}`,
          device: `dev-farm-${i}`,
          template: 'plain-problem',
          task: i % 3 === 0 ? 'code' : 'math',
          inputTokens: 120,
          outputTokens: 900,
          reasoningTokens: 1500,
          model: 'model-reasoning',
        });
      }
      await w.writeAccount(`farm-${i}`, END - 12 * HOUR, requests);
    }
    // A drip with no shared infrastructure: 100 aged accounts, each on its own home network, card and
    // device, joining about four of the operator's 96 daily waves each (a start within 90 s of the
    // wave), two days long, plain maths and code problems in three templates. No two accounts share a
    // card, device or network; few pairs share a minute.
    const drip = new Random(11);
    for (let i = 0; i < 100; i++) {
      const requests: HandBuiltRequest[] = [];
      for (let t = END - 48 * HOUR; t < END; t += 15 * MIN) {
        if (!drip.chance(4 / 96)) continue;
        requests.push({
          tsMs: t + drip.int(0, 90) * 1000,
          network: `198.18.${i}.0/24`,
          payment: `card-drip-${i}`,
          device: `dev-drip-${i}`,
          template: `drip-${drip.int(0, 2)}`,
          task: drip.chance(0.5) ? 'math' : 'code',
          inputTokens: 90,
          outputTokens: 800,
          reasoningTokens: 1200,
          model: 'model-reasoning',
        });
      }
      await w.writeAccount(`drip-${i}`, null, requests);
    }
    res = await (await w.clusterer()).tick(END);
  });
  afterAll(() => w.close());

  it('flags every account of a farm that never asks for reasoning', () => {
    expect([...requested()].filter((a) => a.startsWith('farm-')).length).toBe(30);
    const reasons = new Set(res.requests.flatMap((q) => q.reasons.map((x) => x.code)));
    expect(reasons.has('reasoning_elicitation')).toBe(false);
    expect([...reasons].some((c) => c === 'capability_concentration' || c === 'output_harvesting')).toBe(true);
  });

  it('flags a drip of 100 accounts on their own addresses and cards from its waves alone', () => {
    expect([...requested()].filter((a) => a.startsWith('drip-')).length).toBeGreaterThanOrEqual(90);
    const dripRequests = res.requests.filter((q) => q.account_id.startsWith('drip-'));
    const reasons = new Set(dripRequests.flatMap((q) => q.reasons.map((x) => x.code)));
    expect(reasons.has('wave_starts')).toBe(true);
    expect([...reasons].some((c) => c.startsWith('shared_'))).toBe(false);
  });

  it('sends none of the 300 strangers behind one carrier /24, nor anyone else, to verification', () => {
    expect([...requested()].filter((a) => !a.startsWith('farm-') && !a.startsWith('drip-'))).toEqual([]);
  });
});
