/**
 * A camouflaged farm that asks for no reasoning, linked into a crowd of two behaviours through a carrier network the
 * crowd shares: k-means splits the component between the crowd's behaviours and the farm's members with them, so
 * within each part a card's users are not mostly its users. The members that fill the
 * component's frames and found no group are scored as a part of their own. Hand-built windows in the real Redis.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterRegistry } from '../../src/clustering/cluster-registry.ts';
import { Clusterer } from '../../src/clustering/clusterer.ts';
import { HandBuiltWindows, type HandBuiltRequest } from '../support/hand-built-windows.ts';

const w = new HandBuiltWindows('framed-part');
const { MIN, HOUR, END } = HandBuiltWindows;

afterAll(() => w.close());

const CARRIER = '100.64.7.0/24';

/**
 * Two behaviours: short chat on the small model, or long answers on the reasoning model from accounts signed up hours
 * ago; each through the carrier.
 */
function personRequests(i: number): HandBuiltRequest[] {
  const heavy = i % 2 === 1;
  return Array.from({ length: heavy ? 12 : 5 }, (_, k) => ({
    tsMs: END - (k * 37 + i * 11) * MIN,
    network: CARRIER,
    payment: `card-person-${i}`,
    device: `dev-person-${i}`,
    template: `chat-${(i * 5 + k) % 60}`,
    task: 'chat' as const,
    ...(heavy ? { model: 'model-reasoning', outputTokens: 4000, reasoningTokens: 6000, inputTokens: 900 } : {}),
  }));
}

/**
 * Farm account i: four of ten requests fill one of two frames with a problem of its own, the others are chat; it looks
 * like one of the crowd's two behaviours (which one by i), on card (i / 2) % 4 (four to six accounts a card, of both
 * behaviours) and through the carrier.
 */
function farmRequests(i: number): HandBuiltRequest[] {
  const heavy = i % 2 === 1;
  return Array.from({ length: 10 }, (_, k) => ({
    tsMs: END - 4 * HOUR + (k * 23 + i) * MIN,
    network: CARRIER,
    payment: `card-farm-${Math.floor(i / 2) % 4}`,
    device: `dev-farm-${i}`,
    ...(k % 5 < 2
      ? { template: `camo-frame-${k % 2}`, task: 'math' as const, fill: i * 100 + k }
      : { template: `chat-${(i + k) % 60}`, task: 'chat' as const }),
    ...(heavy ? { model: 'model-reasoning', outputTokens: 4000, reasoningTokens: 6000, inputTokens: 900 } : {}),
  }));
}

describe('A camouflaged farm split by k-means inside a crowd (real Redis)', () => {
  it('is flagged as a part of its own by the frames its members fill', async () => {
    // The heavy half of the crowd and of the farm signed up hours ago, the rest long before the window.
    const created = (i: number) => (i % 2 === 1 ? END - 6 * HOUR : null);
    for (let i = 0; i < 120; i++) await w.writeAccount(`person-${i}`, created(i), personRequests(i));
    for (let i = 0; i < 20; i++) await w.writeAccount(`farm-${i}`, created(i), farmRequests(i));
    const c = new Clusterer(await w.reader(), w.clustererSettings(), new ClusterRegistry());
    const t = await c.tick(END);
    const flagged = t.requests.map((q) => q.account_id).sort();
    expect(flagged).toEqual(Array.from({ length: 20 }, (_, i) => `farm-${i}`).sort());
    // Without the framed part, 10 of them: the light part's, tied by their lockstep; among the heavy part's crowd the
    // other ten had no tie (their cards' other users are in the light part) and found no group.
    for (const q of t.requests) {
      const reasons = q.reasons.map((r) => r.code);
      expect(reasons).toContain('harvest_frames');
      expect(reasons).not.toContain('reasoning_elicitation');
    }
  });
});
