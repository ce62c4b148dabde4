/**
 * A tick runs as soon as event time reaches it instead of waiting out the allowed lateness, so an event can arrive
 * after the tick its time belongs to. The next tick must still read its account: the clusterer reads the accounts
 * the window store wrote since its previous tick (its written set), or, where that set cannot answer (here: windows
 * written straight into Redis, as after a takeover), re-reads accounts active within the lateness before its previous
 * tick. Without that, an account whose one event came late is never dirty, and a farm account that sends once and
 * arrives late is never judged.
 *
 * The reverse too: a tick behind the worker (a standby catching up) finds accounts whose events come after it, and the
 * ticks those events fall in must read them again, though nothing new was written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterRegistry } from '../../src/clustering/cluster-registry.ts';
import { Clusterer, type TickResult } from '../../src/clustering/clusterer.ts';
import { WindowReader } from '../../src/windows/window-reader.ts';
import { WindowStore, type OffsetObservation } from '../../src/windows/window-store.ts';
import { HandBuiltWindows } from '../support/hand-built-windows.ts';
import { offsetObservation } from '../support/observations.ts';

const { MIN, HOUR, END } = HandBuiltWindows;
const T0 = END - 2 * HOUR;

const problem = (id: string, tsMs: number) => HandBuiltWindows.dripRequest(id, tsMs, 'ladder-against-a-wall');

/** Applies batches to partition 0 of topic `usage` as a worker does (its written set too). */
function batchWriter(w: HandBuiltWindows): (events: OffsetObservation[]) => Promise<unknown> {
  const store = new WindowStore(w.redis, w.keys, w.settings.windows);
  return (events) =>
    store.applyBatch({
      topic: 'usage',
      partition: 0,
      firstOffset: (events[0] as OffsetObservation).offset,
      lastOffset: (events[events.length - 1] as OffsetObservation).offset,
      events,
    });
}

/** A clusterer reading what `batchWriter` wrote. */
function writtenSetClusterer(w: HandBuiltWindows): Clusterer {
  return new Clusterer(new WindowReader(w.redis, w.keys, 'usage'), w.clustererSettings(), new ClusterRegistry());
}

describe('Clusterer: events that arrive after their tick (real Redis)', () => {
  const w = new HandBuiltWindows('late-events');
  const ticks: TickResult[] = [];

  beforeAll(async () => {
    const settings = w.clustererSettings();
    expect(settings.latenessMs).toBeGreaterThanOrEqual(5 * MIN);
    const clusterer = new Clusterer(await w.reader(), settings, new ClusterRegistry());
    clusterer.resumeAfter(T0 - 5 * MIN);
    await w.writeAccount('drip-0', T0 - 24 * HOUR, [problem('drip-0', T0 - 4 * MIN)]);
    await w.writeAccount('drip-1', T0 - 24 * HOUR, [problem('drip-1', T0 - 3 * MIN)]);
    ticks.push(await clusterer.tick(T0));
    // After the tick at T0 has run, an event from two minutes before it arrives; nobody sends anything after T0.
    await w.writeAccount('drip-2', T0 - 24 * HOUR, [problem('drip-2', T0 - 2 * MIN)]);
    ticks.push(await clusterer.tick(T0 + 5 * MIN));
  });
  afterAll(() => w.close());

  it('reads the two accounts that had arrived at the first tick: too few for a candidate', () => {
    expect(ticks[0]?.dirty).toBe(2);
    expect(ticks[0]?.candidates).toBe(0);
  });

  it('reads the late account at the next tick and links it with the others', () => {
    expect(ticks[1]?.dirty).toBe(3);
    expect(ticks[1]?.candidates).toBe(3);
  });
});

describe('Clusterer: the accounts the window store wrote since the previous tick (real Redis)', () => {
  const w = new HandBuiltWindows('written-since');
  const ticks: TickResult[] = [];

  beforeAll(async () => {
    const apply = batchWriter(w);
    await apply([offsetObservation(0, 'a', T0 - 4 * MIN), offsetObservation(1, 'b', T0 - 3 * MIN)]);
    const clusterer = writtenSetClusterer(w);
    ticks.push(await clusterer.tick(T0));
    // After the tick at T0: `c`'s event from two minutes before it, and `a` again, also late.
    await apply([offsetObservation(2, 'c', T0 - 2 * MIN), offsetObservation(3, 'a', T0 - MIN)]);
    ticks.push(await clusterer.tick(T0 + 5 * MIN));
    // Nothing written since.
    ticks.push(await clusterer.tick(T0 + 10 * MIN));
  });
  afterAll(() => w.close());

  it('reads the accounts of late events at the next tick, and not the account that wrote nothing', () => {
    expect(ticks.map((t) => t.dirty)).toEqual([2, 2, 0]);
  });
});

describe('Clusterer: a tick behind the worker (real Redis)', () => {
  const w = new HandBuiltWindows('behind-the-worker');
  const ticks: TickResult[] = [];

  beforeAll(async () => {
    const apply = batchWriter(w);
    // The worker is ahead of the clusterer (a standby catching up after a takeover): `x`, `y` and `z` have events
    // after the tick at T0 when it runs, and nothing more is written until after the tick at T0 + 5 min.
    await apply([
      offsetObservation(0, 'a', T0 - 4 * MIN),
      offsetObservation(1, 'b', T0 - 3 * MIN),
      offsetObservation(2, 'x', T0 + 6 * MIN),
      offsetObservation(3, 'y', T0 + 7 * MIN),
      offsetObservation(4, 'z', T0 + 8 * MIN),
    ]);
    const clusterer = writtenSetClusterer(w);
    ticks.push(await clusterer.tick(T0));
    ticks.push(await clusterer.tick(T0 + 5 * MIN));
    // `x` writes again: written since the last tick and active since it, it is read once.
    await apply([offsetObservation(5, 'x', T0 + 9 * MIN)]);
    ticks.push(await clusterer.tick(T0 + 10 * MIN));
    ticks.push(await clusterer.tick(T0 + 15 * MIN));
  });
  afterAll(() => w.close());

  it('reads accounts whose events came after a tick at each later tick until one falls after their last event', () => {
    // Taken by the tick at T0 from the written set, they were read by no later tick: x, y and z were never judged
    // with the events the tick at T0 + 10 min holds (a takeover test's second half went unflagged that way).
    expect(ticks.map((t) => t.dirty)).toEqual([5, 3, 3, 0]);
  });
});
