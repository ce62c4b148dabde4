/**
 * A large component's groups are reused between full scores while it drifts little, and scored in full
 * once it drifts: hand-built windows in the real Redis, a clusterer that remembers components of 20 or
 * more beside one that scores everything, with the same verdicts at each tick. Newcomers arriving in a remembered
 * crowd in tens are scored by themselves.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ComponentMemos, probeTarget, type RememberedGroup } from '../../src/clustering/component-memo.ts';
import { ClusterRegistry } from '../../src/clustering/cluster-registry.ts';
import { Clusterer } from '../../src/clustering/clusterer.ts';
import { HandBuiltWindows, type HandBuiltRequest } from '../support/hand-built-windows.ts';

const w = new HandBuiltWindows('component-memo');
const { MIN, HOUR, END } = HandBuiltWindows;

afterAll(() => w.close());

const { farmRequests } = HandBuiltWindows;

/**
 * A farm of 30 at work for ten hours among 40 ordinary accounts (each on its own network, card and device, for a
 * population), and two clusterers over them: one that remembers components of 20 or more (`rememberingClusterer`, 5%
 * drift unless told), one that scores everything.
 */
async function farmAmongPeople(
  windows: HandBuiltWindows,
  drift = 0.05,
  probeSample?: number,
): Promise<{ remembering: Clusterer; full: Clusterer }> {
  for (let i = 0; i < 30; i++)
    await windows.writeAccount(`farm-${i}`, END - 12 * HOUR, farmRequests(i, END - 10 * HOUR, END));
  for (let i = 0; i < 40; i++) await windows.writeAccount(`person-${i}`, null, HandBuiltWindows.ordinaryRequests(i));
  return { remembering: await rememberingClusterer(windows, drift, probeSample), full: await windows.clusterer() };
}

/** A crowd of 60 strangers, each with an ordinary account's requests as `shape` makes them (`i`: the stranger). */
async function writeCrowd(
  windows: HandBuiltWindows,
  shape: (q: HandBuiltRequest, i: number, k: number) => HandBuiltRequest,
): Promise<void> {
  for (let i = 0; i < 60; i++)
    await windows.writeAccount(
      `crowd-${i}`,
      null,
      HandBuiltWindows.ordinaryRequests(i).map((q, k) => shape(q, i, k)),
    );
}

/**
 * A clusterer that remembers components of 20 or more, reused while they drift less than `drift`; its probes sample
 * `probeSample` members (by default as many as the clusterer's).
 */
async function rememberingClusterer(
  windows: HandBuiltWindows,
  drift: number,
  probeSample?: number,
): Promise<Clusterer> {
  const settings = windows.clustererSettings();
  return new Clusterer(
    await windows.reader(),
    { ...settings, refit: { drift, minMembers: 20, ...(probeSample === undefined ? {} : { probeSample }) } },
    new ClusterRegistry(),
  );
}

describe('ComponentMemos', () => {
  it('recalls the remembered component holding most members, with its newcomers', () => {
    const memos = new ComponentMemos();
    memos.startHour(0);
    const memo = {
      members: new Set(['a', 'b', 'c', 'd']),
      intent: new Set<string>(),
      frames: new Set<string>(),
      flagged: new Set<string>(),
    };
    memos.remember({ ...memo, groups: [], atMs: 0 });
    expect(memos.recall(['a', 'b', 'c', 'x'])).toMatchObject({ newcomers: ['x'] });
    // Fewer than half of the component remembered: nothing to reuse.
    expect(memos.recall(['a', 'x', 'y'])).toBeUndefined();
    memos.startHour(3_600_000);
    expect(memos.recall(['a', 'b', 'c', 'd'])).toBeUndefined();
  });

  it('takes a probed account into its group beside the members the tick did not reach, each with its key', () => {
    const memos = new ComponentMemos();
    memos.startHour(0);
    const assessment = { score: 0.8, band: 'verify' as const, coordination: 0.9, intent: 0.9, findings: [] };
    const keys = ['0|a', '0|b', '0|c'];
    const partitions = new Map([
      ['a', 0],
      ['b', 0],
      ['c', 0],
    ]);
    const group: RememberedGroup = {
      keys,
      ties: new Map(),
      found: { members: ['a', 'b', 'c'], partitions, assessment, verified: new Set() },
    };
    const members = new Set(keys);
    memos.remember({ members, intent: members, frames: new Set(), flagged: members, groups: [group], atMs: 0 });
    const memo = memos.recall(keys)?.memo;
    expect(memo).toBeDefined();
    // The tick reached a and c, not b: the group it handed on holds a, c and the probed d (partition 3, verified).
    const handedOn = {
      members: ['a', 'c', 'd'],
      partitions: new Map([
        ['a', 0],
        ['c', 0],
        ['d', 3],
      ]),
      assessment,
      verified: new Set(['d']),
    };
    memos.admit(memo as NonNullable<typeof memo>, {
      judged: ['3|d'],
      joined: new Map([[group, { keys: ['3|d'], ids: ['d'], handedOn }]]),
    });
    const after = memos.recall(['0|a', '0|b', '0|c', '3|d']);
    expect(after?.newcomers).toEqual([]);
    const kept = after?.memo.groups[0];
    expect(kept?.keys).toEqual(['0|a', '0|b', '0|c', '3|d']);
    expect(kept?.found.members).toEqual(['a', 'b', 'c', 'd']);
    expect(kept?.found.partitions?.get('d')).toBe(3);
    expect([...(kept?.found.verified ?? [])]).toEqual(['d']);
    expect(after?.memo.flagged.has('3|d')).toBe(true);
  });
});

describe('probeTarget', () => {
  const group = (prefix: string, n: number, band: 'verify' | 'review'): RememberedGroup => {
    const keys = Array.from({ length: n }, (_, i) => `0|${prefix}-${i}`);
    const assessment = { score: band === 'verify' ? 0.8 : 0.3, band, coordination: 0.9, intent: 0.9, findings: [] };
    return { keys, ties: new Map(), found: { members: keys.map((k) => k.slice(2)), assessment, verified: new Set() } };
  };
  const farm = group('farm', 40, 'verify');
  const edge = group('edge', 40, 'review');
  const sampled = (farmMembers: number, others: number) =>
    new Set([...farm.keys.slice(0, farmMembers), ...Array.from({ length: others }, (_, i) => `0|class-${i}`)]);

  it('joins the verify group holding the verdict’s sampled members, with up to a tenth of others beside them', () => {
    expect(probeTarget([edge, farm], sampled(20, 0))).toEqual({ join: farm });
    expect(probeTarget([edge, farm], sampled(18, 2))).toEqual({ join: farm });
  });

  it('is undecided when more than a tenth of the sampled members lie outside the group', () => {
    expect(probeTarget([edge, farm], sampled(18, 3))).toBe('undecided');
    // A class of ten on its campus network beside 36 of a camouflaged farm's members (set 32's seed 369).
    expect(probeTarget([farm], sampled(36, 10))).toBe('undecided');
  });

  it('counts members of another verify group as no strays', () => {
    // Two farms renting the same exits, 9 and 4 of their members in one verdict (bench:cluster's realistic data).
    const other = group('other', 40, 'verify');
    const both = new Set([...farm.keys.slice(0, 9), ...other.keys.slice(0, 4)]);
    expect(probeTarget([farm, other], both)).toEqual({ join: farm });
    expect(probeTarget([farm, other], new Set([...both, '0|class-0', '0|class-1']))).toBe('undecided');
  });

  it('makes a group of their own when no verify group holds half of the sampled members', () => {
    expect(probeTarget([farm], sampled(5, 6))).toBe('own');
    expect(probeTarget([edge], new Set(edge.keys))).toBe('own');
  });
});

describe('Clusterer reusing a large component (real Redis)', () => {
  it('flags a newcomer on the farm card at once, scores in full once it drifts, as a full score does', async () => {
    const { remembering, full } = await farmAmongPeople(w);
    const flaggedBy = async (tickMs: number) => {
      const [r, f] = [await remembering.tick(tickMs), await full.tick(tickMs)];
      expect(r.requests.map((q) => q.account_id).sort()).toEqual(f.requests.map((q) => q.account_id).sort());
      const groups = (t: typeof r) => t.changed.map((c) => [[...c.members].sort(), c.band, c.score]);
      expect(groups(r)).toEqual(groups(f));
      return r;
    };

    const first = await flaggedBy(END);
    expect(first.components).toEqual({ scored: 1, reused: 0 });
    expect(first.requests).toHaveLength(30);

    // A new account on the farm's first card, and two farm accounts at work: one newcomer in 31 is under 5%.
    await w.writeAccount('farm-new-1', END, farmRequests(0, END + MIN, END + 5 * MIN));
    for (const i of [1, 2])
      await w.writeAccount(`farm-${i}`, END - 12 * HOUR, farmRequests(i, END - 10 * HOUR, END + 5 * MIN));
    const second = await flaggedBy(END + 5 * MIN);
    expect(second.components).toEqual({ scored: 0, reused: 1 });
    expect(second.requests.map((q) => q.account_id)).toEqual(['farm-new-1']);

    // Three more new accounts since the full score (4 of 30, over 5%): scored in full again.
    for (const n of [2, 3, 4])
      await w.writeAccount(`farm-new-${n}`, END + 6 * MIN, farmRequests(n, END + 6 * MIN, END + 10 * MIN));
    const third = await flaggedBy(END + 10 * MIN);
    expect(third.components).toEqual({ scored: 1, reused: 0 });
    // Scored in full, they are a group of their own with the first newcomer (sign-ups with a few requests each do not
    // look like accounts at work for ten hours), which the tick reads again (its requests fell within the allowed
    // lateness before the last tick): four accounts in the farm's minutes, asking for reasoning, are asked about,
    // as the clusterer that scores everything finds them. (Three alone, tied only by their three pairs' shared
    // minutes, were below the bands while ticks read only the accounts active since the last one.)
    expect(third.requests.map((q) => q.account_id).sort()).toEqual(['farm-new-2', 'farm-new-3', 'farm-new-4']);
    expect(third.changed.map((c) => [c.members.length, c.band]).sort()).toEqual([
      [31, 'verify'],
      [4, 'verify'],
    ]);
  });

  it('judges a newcomer on no card of the farm with a sample of the component, as a full score does', async () => {
    const probe = new HandBuiltWindows('component-memo-probe');
    try {
      const { remembering, full } = await farmAmongPeople(probe);
      const both = async (tickMs: number) => {
        const [r, f] = [await remembering.tick(tickMs), await full.tick(tickMs)];
        const ids = (t: typeof r) => t.requests.map((q) => q.account_id).sort();
        expect(ids(r)).toEqual(ids(f));
        return r;
      };
      expect((await both(END)).requests).toHaveLength(30);
      // A new account on a card of its own, through the farm's proxies, in its waves, sending its template.
      const card = (q: ReturnType<typeof farmRequests>[number]) => ({ ...q, payment: 'card-of-its-own' });
      await probe.writeAccount('farm-new', END - 3 * HOUR, farmRequests(30, END - 2 * HOUR, END + 5 * MIN).map(card));
      const second = await both(END + 5 * MIN);
      expect(second.components).toEqual({ scored: 0, reused: 1 });
      expect(second.requests.map((q) => q.account_id)).toEqual(['farm-new']);
      // Judged once: at work again at the next tick it is no newcomer, so the component is reused, nothing asked twice.
      await probe.writeAccount('farm-new', END - 3 * HOUR, farmRequests(30, END - 2 * HOUR, END + 15 * MIN).map(card));
      const third = await both(END + 10 * MIN);
      expect(third.components).toEqual({ scored: 0, reused: 1 });
      expect(third.requests).toEqual([]);
    } finally {
      await probe.close();
    }
  });

  it('widens a probe whose accounts score nothing; nothing in the wide probe either: component reused', async () => {
    const wide = new HandBuiltWindows('component-memo-wide');
    try {
      // A sample of two stands for a component far larger than its sample: it holds one or two of the farm's members.
      const { remembering, full } = await farmAmongPeople(wide, 0.5, 2);
      expect((await remembering.tick(END)).requests).toHaveLength(30);
      expect((await full.tick(END)).requests).toHaveLength(30);
      // Three people who share a card come in through the farm's proxies, on a reasoning model without asking for it:
      // newcomers that show intent, on no card of the farm. Probed beside the sample they are a group of their own
      // that scores nothing; beside every flagged member too, still nothing: the component is reused, not scored.
      for (let i = 0; i < 3; i++)
        await wide.writeAccount(
          `person-${i}`,
          null,
          HandBuiltWindows.ordinaryRequests(i).concat(
            [1, 2, 3].map((k) => ({
              tsMs: END + (k + i) * MIN,
              network: '10.9.0.0/24',
              payment: 'card-trio',
              device: `dev-person-${i}`,
              template: 'puzzle-going-round',
              reasoningTokens: 1500,
              model: 'model-reasoning',
            })),
          ),
        );
      const [r, f] = [await remembering.tick(END + 5 * MIN), await full.tick(END + 5 * MIN)];
      expect(r.components).toEqual({ scored: 0, reused: 1 });
      expect(r.requests).toEqual([]);
      expect(f.requests).toEqual([]);
    } finally {
      await wide.close();
    }
  });

  it('judges ten newcomers arriving in a crowd by themselves: flags the farm, reuses the crowd', async () => {
    const crowd = new HandBuiltWindows('component-memo-crowd');
    try {
      // A crowd: 60 strangers who each sent a puzzle going round, asking for worked answers, at their own hours.
      await writeCrowd(crowd, (q, i, k) => ({
        ...q,
        tsMs: END - ((i * 37 + k * 113) % 600) * MIN,
        template: 'puzzle-going-round',
        elicitsReasoning: true,
      }));
      const remembering = await rememberingClusterer(crowd, 0.5);
      const first = await remembering.tick(END);
      expect(first.components).toEqual({ scored: 1, reused: 0 });
      expect(first.requests).toEqual([]);
      // Twelve farm accounts arrive, sending the crowd's puzzle too, on the farm's cards and proxies in its waves.
      for (let i = 0; i < 12; i++)
        await crowd.writeAccount(
          `farm-${i}`,
          END - 3 * HOUR,
          farmRequests(i, END - 2 * HOUR, END + 5 * MIN).map((q) => ({ ...q, template: 'puzzle-going-round' })),
        );
      const second = await remembering.tick(END + 5 * MIN);
      expect(second.components).toEqual({ scored: 0, reused: 1 });
      expect(second.requests.map((q) => q.account_id).sort()).toEqual(
        Array.from({ length: 12 }, (_, i) => `farm-${i}`).sort(),
      );
    } finally {
      await crowd.close();
    }
  });

  it('does not remember a crowd whose fit kept two tied members: newcomers make them a group at once', async () => {
    const crowd = new HandBuiltWindows('component-memo-nascent');
    try {
      // One maths puzzle going round among their chats (a capability task links them); two of them ask for worked
      // answers, as people do.
      await writeCrowd(crowd, (q, i, k) =>
        k === 0
          ? { ...q, tsMs: END - ((i * 37) % 600) * MIN, template: 'puzzle-going-round', task: 'math' }
          : { ...q, elicitsReasoning: i < 2 },
      );
      // Two accounts of a farm on one card (farm-0 and farm-3 share card-farm-0), sending the crowd's puzzle.
      const farm = (i: number, to: number) =>
        crowd.writeAccount(
          `farm-${i}`,
          END - 3 * HOUR,
          farmRequests(i, END - 2 * HOUR, to).map((q) => ({ ...q, template: 'puzzle-going-round' })),
        );
      for (const i of [0, 3]) await farm(i, END);
      const remembering = await rememberingClusterer(crowd, 0.5);
      const full = await crowd.clusterer();
      const both = async (tickMs: number) => {
        const [r, f] = [await remembering.tick(tickMs), await full.tick(tickMs)];
        const ids = (t: typeof r) => t.requests.map((q) => q.account_id).sort();
        expect(ids(r)).toEqual(ids(f));
        return r;
      };
      const first = await both(END);
      expect(first.components).toEqual({ scored: 1, reused: 0 });
      expect(first.requests).toEqual([]);
      // Two more accounts on the card: two newcomers in a crowd of 62 would not make a remembered crowd drift.
      for (const i of [6, 9]) await farm(i, END + 5 * MIN);
      const second = await both(END + 5 * MIN);
      expect(second.components).toEqual({ scored: 1, reused: 0 });
      expect(second.requests.map((q) => q.account_id).sort()).toEqual(['farm-0', 'farm-3', 'farm-6', 'farm-9']);
    } finally {
      await crowd.close();
    }
  });
});
