import { describe, expect, it } from 'vitest';
import { fittingMembers, separateInfrastructures } from '../../src/clustering/member-fit.ts';
import { HOUR, member, prompt as promptAt, req, sharedOf, T0, view } from '../detectors/support.ts';

const MIN = 60_000;

describe('separateInfrastructures', () => {
  // Six farm accounts on two cards and one proxy network; four students on their campus network;
  // one account tied to nobody by infrastructure; a template the students and the farm both sent.
  const farm = Array.from({ length: 6 }, (_, i) =>
    member(`farm-${i}`, [
      req(T0 + i * MIN, { type: 'account', action: 'payment_method_added', payment: `card-${i % 2}` }),
      req(T0 + 10 * MIN, { network: 'proxy/24', template: 'shared', elicitsReasoning: true }),
    ]),
  );
  const students = Array.from({ length: 4 }, (_, i) =>
    member(`student-${i}`, [
      req(T0 + i * MIN, { network: 'campus/24', template: i === 0 ? 'shared' : 'homework', elicitsReasoning: true }),
    ]),
  );
  const loner = member('loner', [req(T0, { network: 'home/24', template: 'shared', elicitsReasoning: true })]);

  it('splits a group into sets tied by exclusive cards, devices or networks; the untied stay with the largest', () => {
    const members = [...students, ...farm, loner];
    const parts = separateInfrastructures(members, sharedOf(members), 3);
    expect(parts.map((p) => p.map((m) => m.accountId).sort())).toEqual([
      [...farm.map((m) => m.accountId), 'loner'].sort(),
      students.map((m) => m.accountId),
    ]);
  });

  it(
    'leaves a group with one infrastructure whole, and leaves out a set too small to be a cluster that is not woven ' +
      'into it',
    () => {
      expect(separateInfrastructures([...farm, loner], sharedOf([...farm, loner]), 3)).toHaveLength(1);
      // Two students on their campus network (or a household on its shared card) beside a farm are
      // another footprint; before 2026-12-02 they were joined to the farm and sent to verification with it.
      const two = [...farm, ...students.slice(0, 2)];
      expect(separateInfrastructures(two, sharedOf(two), 3)).toEqual([farm]);
    },
  );

  it(
    'keeps a farm whose card groups share a proxy pool used outside the group as one, and one shared proxy does not ' +
      'join a class to it',
    () => {
      // Nine accounts on three cards, each through two of four proxies that other accounts use too (not
      // exclusive); a class on its campus network, one student at home behind one of the proxies.
      const cards = Array.from({ length: 9 }, (_, i) =>
        member(`farm-${i}`, [
          req(T0 + i * MIN, { type: 'account', action: 'payment_method_added', payment: `card-${i % 3}` }),
          req(T0 + 10 * MIN, { network: `proxy-${i % 4}/24`, template: 'shared', elicitsReasoning: true }),
          req(T0 + 20 * MIN, { network: `proxy-${(i + 1) % 4}/24`, template: 'shared', elicitsReasoning: true }),
        ]),
      );
      const home = member('student-home', [
        req(T0, { network: 'campus/24', template: 'homework', elicitsReasoning: true }),
        req(T0 + 30 * MIN, { network: 'proxy-0/24', template: 'shared', elicitsReasoning: true }),
      ]);
      const members = [...cards, ...students.slice(1), home];
      const proxies = { 'proxy-0/24': 200, 'proxy-1/24': 200, 'proxy-2/24': 200, 'proxy-3/24': 200 };
      const parts = separateInfrastructures(members, sharedOf(members, proxies), 3);
      expect(parts.map((p) => p.map((m) => m.accountId).sort())).toEqual([
        cards.map((m) => m.accountId).sort(),
        [...students.slice(1).map((m) => m.accountId), 'student-home'].sort(),
      ]);
    },
  );

  it('yields nothing from small sets, none woven into a cluster, with no member outside them: two households', () => {
    // Two households, each a pair on its own card; nothing else in the group.
    const household = (h: number, network = (i: number) => `home-${h}-${i}/24`) =>
      Array.from({ length: 2 }, (_, i) =>
        member(`house-${h}-${i}`, [
          req(T0 + i * MIN, { type: 'account', action: 'payment_method_added', payment: `family-card-${h}` }),
          req(T0 + 10 * MIN, { network: network(i), template: 'shared', elicitsReasoning: true }),
        ]),
      );
    const two = [...household(0), ...household(1)];
    expect(separateInfrastructures(two, sharedOf(two), 3)).toEqual([]);
    // A network one member of each uses ties them into one set of a cluster's size.
    const joined = [...household(0, (i) => (i === 0 ? 'both/24' : 'home-0/24')), ...household(1, () => 'both/24')];
    expect(separateInfrastructures(joined, sharedOf(joined), 3)).toEqual([joined]);
    // With a member tied by no infrastructure, the group is held by something else (its timing): left whole.
    const withLoner = [...two, loner];
    expect(separateInfrastructures(withLoner, sharedOf(withLoner), 3)).toEqual([withLoner]);
  });

  it('does not count a network mostly used outside the group as a tie', () => {
    const members = [...students, ...farm];
    const parts = separateInfrastructures(members, sharedOf(members, { 'campus/24': 40 }), 3);
    expect(parts).toEqual([members]);
  });
});

describe('fittingMembers', () => {
  // Six farm accounts asking for reasoning on three cards (two accounts each), through one proxy network.
  const farm = Array.from({ length: 6 }, (_, i) =>
    member(`farm-${i}`, [
      req(T0 + i * MIN, { type: 'account', action: 'payment_method_added', payment: `card-${i % 3}` }),
      req(T0 + 10 * MIN + i * 7 * MIN, { network: 'proxy/24', template: 'shared', elicitsReasoning: true }),
      req(T0 + 3 * HOUR + i * 11 * MIN, { network: 'proxy/24', template: 'shared', elicitsReasoning: true }),
    ]),
  );
  /** A household: two people on one card and home network, at their own hours; one asks maths step by step. */
  const household = (partnerAsks: boolean) => [
    member('house-a', [
      req(T0 + 15 * HOUR, { type: 'account', action: 'payment_method_added', payment: 'card-home' }),
      req(T0 + 15 * HOUR + 5 * MIN, { network: 'home/24', template: 'shared', elicitsReasoning: true }),
      req(T0 + 18 * HOUR, { network: 'home/24', template: 'homework', elicitsReasoning: true }),
    ]),
    member('house-b', [
      req(T0 + 16 * HOUR, { type: 'account', action: 'payment_method_added', payment: 'card-home' }),
      req(T0 + 16 * HOUR + 5 * MIN, { network: 'home/24', elicitsReasoning: partnerAsks }),
      req(T0 + 20 * HOUR, { network: 'home/24', template: partnerAsks ? 'homework' : undefined }),
    ]),
  ];

  it('keeps farm accounts tied by cards they share with other kept members', () => {
    const kept = fittingMembers(view([...farm, ...household(false)]));
    expect(kept.map((m) => m.accountId)).toEqual(farm.map((m) => m.accountId));
  });

  it('does not keep a member whose only tie is a card shared with someone the fit lets go (a housemate)', () => {
    // house-a shows intent and shares an exclusive card; its one partner on that card, house-b, asks
    // for nothing and is not kept, so the card ties house-a to its housemate, not to the farm. Before
    // 2026-12-02 (evening) it was kept and sent to verification with the farm.
    const members = [...farm, ...household(false)];
    expect(fittingMembers(view(members)).map((m) => m.accountId)).not.toContain('house-a');
    // With a partner that is kept, the card is a tie (the household is then a footprint of its own,
    // which separateInfrastructures leaves out of the farm).
    const both = [...farm, ...household(true)];
    const kept = fittingMembers(view(both)).map((m) => m.accountId);
    expect(kept).toEqual(expect.arrayContaining(['house-a', 'house-b']));
    expect(separateInfrastructures(fittingMembers(view(both)), sharedOf(both), 3)).toEqual([farm]);
  });
});

describe('fittingMembers: a farm camouflaged in a crowd', () => {
  const prompt = (tsMs: number, text: string, network: string) => promptAt(tsMs, text, { network });
  const frame = (a: number, b: number) =>
    `Find all integer solutions of ${a}x + ${b}y = ${a * b + 17} with x, y > 0. Keep it to the final number.`;
  const CHAT = ['What are the pros and cons of electric cars?', 'Write a friendly email to my landlord.'];
  // Eight farm accounts leave through two proxies of their own and work 05:00–07:00, each filling the operator's frame
  // twice among chat; forty strangers on their own networks chat at their own hours, so the group as a whole has no
  // lockstep and no busy hours of its own.
  const farm = Array.from({ length: 8 }, (_, i) => {
    const net = i < 4 ? 'proxy-a/24' : 'proxy-b/24';
    return member(`farm-${i}`, [
      prompt(T0 + 5 * HOUR + i * 3 * MIN, frame(3 + i, 5 + i), net),
      prompt(T0 + 5 * HOUR + (30 + i * 3) * MIN, frame(4 + i, 16 + i), net),
      prompt(T0 + 6 * HOUR + i * 2 * MIN, CHAT[i % 2] as string, net),
    ]);
  });
  /** A common exercise format: strangers fill it with their own problems, so it is a frame, and the group holds it. */
  const common = (a: number) => `how do i solve ${a}x + 4 = ${a * 3 + 4}`;
  const crowd = Array.from({ length: 40 }, (_, j) =>
    member(`crowd-${j}`, [
      prompt(T0 + ((j * 5) % 24) * HOUR + j * MIN, j < 12 ? common(3 + j) : (CHAT[j % 2] as string), `home-${j}/24`),
      prompt(T0 + ((j * 11 + 3) % 24) * HOUR + j * MIN, CHAT[(j + 1) % 2] as string, `home-${j}/24`),
    ]),
  );
  /**
   * Customers of a VPN whose exit is one of the farm's proxies, in the farm's hours: one asks for reasoning, one fills
   * the common format (so it shows intent by the group's frames), one does both.
   */
  const vpn = Array.from({ length: 3 }, (_, k) =>
    member(`vpn-${k}`, [
      k === 1
        ? prompt(T0 + 5 * HOUR + 10 * MIN, common(40 + k), 'proxy-a/24')
        : req(T0 + 5 * HOUR + (10 + k) * MIN, { network: 'proxy-a/24', elicitsReasoning: true }),
      k >= 1
        ? prompt(T0 + 5 * HOUR + (40 + k) * MIN, common(50 + k), 'proxy-a/24')
        : req(T0 + 5 * HOUR + 40 * MIN, { network: 'proxy-a/24', elicitsReasoning: true }),
      req(T0 + 6 * HOUR + (20 + k) * MIN, { network: 'proxy-a/24', elicitsReasoning: true }),
    ]),
  );

  it('keeps the members that fill its frames and move with their crew on its proxies, not the VPN users', () => {
    const members = [...crowd, ...farm, ...vpn];
    const kept = fittingMembers(view(members)).map((m) => m.accountId);
    // Before 2026-12-03 (late) none was kept: the crowd's group moves in no lockstep, so a network tie never counted.
    // With the group's frames instead of the crew's, the VPN users that fill the common format were kept too.
    expect(kept.sort()).toEqual(farm.map((m) => m.accountId).sort());
  });

  it('lets the crew go when it does not move together', () => {
    // The same farm accounts spread over the day: each crew's members share no hour.
    const spread = farm.map((m, i) => {
      const net = i < 4 ? 'proxy-a/24' : 'proxy-b/24';
      return member(m.accountId, [
        prompt(T0 + i * 3 * HOUR, frame(3 + i, 5 + i), net),
        prompt(T0 + (i * 3 + 1) * HOUR, frame(4 + i, 16 + i), net),
      ]);
    });
    expect(fittingMembers(view([...crowd, ...spread])).map((m) => m.accountId)).toEqual([]);
  });
});

describe('fittingMembers: a group held together by its timing alone', () => {
  // Accounts new in the tick's hour (the window's last), each on a network of its own: a candidate group is read among
  // the accounts active at the tick, so they share that hour whoever they are, and the group moves in lockstep.
  const LAST = T0 + 23 * HOUR;
  const newcomer = (id: string, i: number, kind: 'asks' | 'harvests') =>
    member(
      id,
      [0, 1, 2].map((k) =>
        kind === 'asks'
          ? req(LAST + (i * 3 + k * 13) * MIN, { network: `home-${id}/24`, elicitsReasoning: true })
          : req(LAST + (i * 3 + k * 13) * MIN, { network: `home-${id}/24`, outputTokens: 3_000 }),
      ),
    );

  it('lets strangers go that each show a different kind of intent', () => {
    // Four ask for reasoning and four take long answers (over the population's 99th percentile): each is kept by the
    // fit alone, and before 2026-12-04 (evening) the eight were a group in lockstep.
    const members = Array.from({ length: 8 }, (_, i) => newcomer(`new-${i}`, i, i % 2 === 0 ? 'asks' : 'harvests'));
    expect(fittingMembers(view(members))).toEqual([]);
  });

  it('lets strangers go whose one kind of intent is harvest', () => {
    // Long answers to short prompts are what any user of a reasoning model receives: the fit kept each for it.
    const members = Array.from({ length: 8 }, (_, i) => newcomer(`new-${i}`, i, 'harvests'));
    expect(fittingMembers(view(members))).toEqual([]);
  });

  it("keeps a drip's first hour, whose accounts all ask", () => {
    const members = Array.from({ length: 8 }, (_, i) => newcomer(`drip-${i}`, i, 'asks'));
    expect(fittingMembers(view(members)).map((m) => m.accountId)).toEqual(members.map((m) => m.accountId));
  });

  it('keeps six of eight that ask beside two that only harvest, three quarters of one purpose', () => {
    const members = Array.from({ length: 8 }, (_, i) => newcomer(`drip-${i}`, i, i < 6 ? 'asks' : 'harvests'));
    expect(fittingMembers(view(members))).toHaveLength(8);
  });
});
