/**
 * A tick looks a dirty account's linking values up in the index and keeps what it read for an hour. A value with one
 * user when first read (a problem template the first drip account sent) must link its next users at the tick they
 * use it, not when the kept view expires: set 15's plain slow drip formed no candidate for 55 minutes that way. A value
 * that stays its one user's own (a card, a home network) is not read again at every tick. A kept view gains the
 * users that come after it was read: a drip's one-request accounts, each gone by the next tick, were pooled only when
 * the view expired (set 24's plain slow drip first flagged at 69 minutes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterRegistry } from '../../src/clustering/cluster-registry.ts';
import { Clusterer, type TickResult } from '../../src/clustering/clusterer.ts';
import type { AttrKind } from '../../src/windows/account-state.ts';
import { HandBuiltWindows } from '../support/hand-built-windows.ts';

const { MIN, HOUR, END } = HandBuiltWindows;
const T0 = END - 2 * HOUR;

const problem = (id: string, tsMs: number) => HandBuiltWindows.dripRequest(id, tsMs, 'stone-thrown-from-a-cliff');

describe('Clusterer: values whose first lookup found one user (real Redis)', () => {
  const w = new HandBuiltWindows('link-cache');
  let clusterer: Clusterer;
  /** The values each tick asked the index about. */
  const lookedUp: string[][] = [[], [], [], [], [], []];
  const ticks: TickResult[] = [];

  beforeAll(async () => {
    const reader = await w.reader();
    const indexSizes = reader.indexSizes.bind(reader);
    reader.indexSizes = (entries: readonly { kind: AttrKind; value: string }[]) => {
      lookedUp[ticks.length]?.push(...entries.map((e) => `${e.kind}:${e.value}`));
      return indexSizes(entries);
    };
    clusterer = new Clusterer(reader, w.clustererSettings(), new ClusterRegistry());
    // Live ticks, not a first pass (which looks up only values two dirty accounts share).
    clusterer.resumeAfter(T0 - 5 * MIN);
    // Tick 1: the first drip account sends the template; nobody else uses it yet.
    await w.writeAccount('drip-0', T0 - 24 * HOUR, [problem('drip-0', T0 - 3 * MIN)]);
    ticks.push(await clusterer.tick(T0));
    // Tick 2, five minutes later: two more accounts send it, each from its own address, card and device.
    await w.writeAccount('drip-1', T0 - 24 * HOUR, [problem('drip-1', T0 + 2 * MIN)]);
    await w.writeAccount('drip-2', T0 - 24 * HOUR, [problem('drip-2', T0 + 3 * MIN)]);
    ticks.push(await clusterer.tick(T0 + 5 * MIN));
    // Tick 3: the first account sends the template again; its card and device are still its own.
    await w.writeAccount('drip-0', T0 - 24 * HOUR, [problem('drip-0', T0 - 3 * MIN), problem('drip-0', T0 + 7 * MIN)]);
    ticks.push(await clusterer.tick(T0 + 10 * MIN));
    // Ticks 4 to 6: one new account, then another after the first is no longer dirty (ticks re-read the allowed
    // lateness, ten minutes, before the previous tick); the view read at tick 2 is kept throughout.
    await w.writeAccount('drip-3', T0 - 24 * HOUR, [problem('drip-3', T0 + 12 * MIN)]);
    ticks.push(await clusterer.tick(T0 + 15 * MIN));
    ticks.push(await clusterer.tick(T0 + 30 * MIN));
    await w.writeAccount('drip-4', T0 - 24 * HOUR, [problem('drip-4', T0 + 37 * MIN)]);
    ticks.push(await clusterer.tick(T0 + 40 * MIN));
  });
  afterAll(() => w.close());

  it('has no candidate while the template has one user', () => {
    expect(ticks[0]?.candidates).toBe(0);
  });

  it('links the template’s new users with its first at the next tick, within the hour its first view is kept', () => {
    expect(ticks[1]?.candidates).toBe(3);
    expect(lookedUp[1]).toContain('template:stone-thrown-from-a-cliff');
  });

  it('does not read again a value that is still its one user’s own', () => {
    expect(lookedUp[0]).toContain('payment:card-drip-0');
    expect(lookedUp.slice(2).flat()).not.toContain('payment:card-drip-0');
    expect(lookedUp.slice(2).flat()).not.toContain('device:dev-drip-0');
    expect(ticks[2]?.candidates).toBe(3);
  });

  it('keeps the accounts that used the template after its view was read, once they are gone', () => {
    expect(ticks[3]?.candidates).toBe(4);
    // drip-3 is not dirty at tick 6; without it the candidate would be the view's three and drip-4.
    expect(ticks[5]?.dirty).toBe(1);
    expect(ticks[5]?.candidates).toBe(5);
    expect(lookedUp.slice(3).flat()).not.toContain('template:stone-thrown-from-a-cliff');
  });
});
