/**
 * An account given a flagged farm's card before it sends anything is sent to verification with the farm, at the
 * tick that sees the card, whether the farm's component is scored in full or reused; an unused account on a card
 * the farm does not hold (a household's, or its own) is not. Hand-built windows in the real Redis.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterRegistry } from '../../src/clustering/cluster-registry.ts';
import { Clusterer } from '../../src/clustering/clusterer.ts';
import { HandBuiltWindows } from '../support/hand-built-windows.ts';

const w = new HandBuiltWindows('successor-on-card');
const { MIN, HOUR, END } = HandBuiltWindows;

afterAll(() => w.close());

const { farmRequests } = HandBuiltWindows;

describe('Accounts given a flagged farm card before their first request (real Redis)', () => {
  it('ride on the farm verdict in a full score and in a reused component; others on unused cards do not', async () => {
    for (let i = 0; i < 30; i++)
      await w.writeAccount(`farm-${i}`, END - 12 * HOUR, farmRequests(i, END - 10 * HOUR, END));
    for (let i = 0; i < 40; i++) await w.writeAccount(`person-${i}`, null, HandBuiltWindows.ordinaryRequests(i));
    // Created and given a card in the last ten minutes, nothing sent yet.
    await w.writeAccount('farm-next-1', END - 10 * MIN, [], { tsMs: END - 8 * MIN, payment: 'card-farm-0' });
    await w.writeAccount('housemate', END - 10 * MIN, [], { tsMs: END - 8 * MIN, payment: 'card-person-3' });
    await w.writeAccount('stranger', END - 10 * MIN, [], { tsMs: END - 8 * MIN, payment: 'card-stranger' });
    const reader = await w.reader();
    const settings = w.clustererSettings();
    const full = new Clusterer(reader, settings, new ClusterRegistry());
    const remembering = new Clusterer(
      reader,
      { ...settings, refit: { drift: 0.05, minMembers: 20 } },
      new ClusterRegistry(),
    );

    for (const c of [full, remembering]) {
      const first = await c.tick(END);
      expect(first.components).toEqual({ scored: 1, reused: 0 });
      const flagged = first.requests.map((q) => q.account_id);
      expect(flagged).toHaveLength(31);
      expect(flagged).toContain('farm-next-1');
      expect(flagged).not.toContain('housemate');
      expect(flagged).not.toContain('stranger');
      // The farm's verdict, not one of its own: the same score and reasons as the farm's accounts, after a reason that
      // says which of the farm's cards it was given.
      const of = (id: string) => first.requests.find((q) => q.account_id === id);
      expect(of('farm-next-1')?.score).toBe(of('farm-0')?.score);
      const [own, ...rest] = of('farm-next-1')?.reasons ?? [];
      expect(rest).toEqual(of('farm-0')?.reasons);
      expect(own).toMatchObject({ code: 'successor_account', weight: 0.95 });
      expect(own?.detail).toBe(
        'No request in the window yet; uses payment instrument card-farm-0, which 10 accounts of this cluster use ' +
          '(11 anywhere).',
      );
      expect(of('farm-0')?.reasons.map((r) => r.code)).not.toContain('successor_account');
    }

    // Five minutes on: two farm accounts at work, and another account given the farm's second card.
    for (const i of [1, 2])
      await w.writeAccount(`farm-${i}`, END - 12 * HOUR, farmRequests(i, END - 10 * HOUR, END + 5 * MIN));
    await w.writeAccount('farm-next-2', END + MIN, [], { tsMs: END + 2 * MIN, payment: 'card-farm-1' });
    const [f, r] = [await full.tick(END + 5 * MIN), await remembering.tick(END + 5 * MIN)];
    expect(r.components).toEqual({ scored: 0, reused: 1 });
    expect(f.requests.map((q) => q.account_id)).toEqual(['farm-next-2']);
    expect(r.requests.map((q) => q.account_id)).toEqual(['farm-next-2']);
    // Reused or scored in full, it is told the same about itself (the group's findings are those of the last full
    // score in a reused component).
    expect(r.requests[0]?.reasons[0]).toEqual(f.requests[0]?.reasons[0]);
    expect(r.requests[0]?.reasons[0]?.detail).toContain('card-farm-1');
  });
});
