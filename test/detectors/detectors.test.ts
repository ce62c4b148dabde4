/** Each detector fires on its pattern and not on the hard negative that resembles it. */
import { describe, expect, it } from 'vitest';
import { fingerprintCohesion } from '../../detectors/fingerprint-cohesion.ts';
import { lockstepTiming, samplePairs } from '../../detectors/lockstep-timing.ts';
import { noHumanDay } from '../../detectors/no-human-day.ts';
import { rateLimitPressure } from '../../detectors/rate-limit-pressure.ts';
import { reasoningElicitation } from '../../detectors/reasoning-elicitation.ts';
import { sharedInfrastructure } from '../../detectors/shared-infrastructure.ts';
import { signupBurst } from '../../detectors/signup-burst.ts';
import { successorAccount } from '../../detectors/successor-account.ts';
import { COVERING_MIN, templateReuse } from '../../detectors/template-reuse.ts';
import { cluster, HOUR, member, req, T0, view } from './support.ts';

const MIN = 60_000;

describe('reasoning-elicitation', () => {
  it('fires on accounts that ask for reasoning and receive long traces', () => {
    const v = cluster(10, () =>
      Array.from({ length: 20 }, (_, k) => req(T0 + k * 10 * MIN, { elicitsReasoning: true, reasoningTokens: 1200 })),
    );
    const f = reasoningElicitation.evaluate(v);
    expect(f.score).toBeGreaterThan(0.9);
    expect(f.detail).toMatch(/100% of the 200 requests of 10 accounts ask for step-by-step reasoning/);
  });

  it('stays low for a class asking "step by step" of a small model with no reasoning traces', () => {
    const v = cluster(30, () => [
      req(T0 + HOUR, { elicitsReasoning: true, reasoningTokens: 0 }),
      req(T0 + HOUR + MIN, { elicitsReasoning: true }),
    ]);
    expect(reasoningElicitation.evaluate(v).score).toBeLessThan(0.1);
  });
});

describe('template-reuse', () => {
  it('fires when members share a family seen from no one else', () => {
    const v = cluster(8, (i) => [req(T0 + i * MIN, { template: 'farmtpl', elicitsReasoning: true })]);
    expect(templateReuse.evaluate(v).score).toBeGreaterThan(0.9);
  });

  it('does not count members covered only by families two of them share: strangers sending the same question', () => {
    // Four strangers, each sending the same words as one other and no one else (a homework question with its numbers).
    const pairs = cluster(4, (i) => [
      req(T0 + i * MIN, { template: `question-${Math.floor(i / 2)}` }),
      req(T0 + i * MIN + 1000, { template: `exercise-${Math.floor(((i + 1) % 4) / 2)}` }),
    ]);
    expect(pairs.shared.every((s) => s.kind !== 'template' || s.members.length === 2)).toBe(true);
    expect(templateReuse.evaluate(pairs).score).toBeLessThan(0.2);
    // A family COVERING_MIN of them send covers them.
    const three = cluster(4, (i) => [req(T0 + i * MIN, { template: i < COVERING_MIN ? 'shared' : 'own' })]);
    expect(COVERING_MIN).toBe(3);
    expect(templateReuse.evaluate(three).score).toBeCloseTo(0.75);
  });

  it('counts for little when thousands of unrelated accounts send the family too (a public benchmark)', () => {
    const v = cluster(8, (i) => [req(T0 + i * MIN, { template: 'benchmark' })], { benchmark: 5000 });
    expect(templateReuse.evaluate(v).score).toBeLessThan(0.1);
  });
});

describe('shared-infrastructure', () => {
  it('fires on payment instruments shared only inside the cluster', () => {
    const v = cluster(12, (i) => [req(T0, { payment: `card-${i % 3}` })]);
    const f = sharedInfrastructure.evaluate(v);
    expect(f.code).toBe('shared_payment');
    expect(f.score).toBeGreaterThan(0.9);
    expect(f.detail).toMatch(/12 of 12 accounts \(100%\) share 3 payment instruments/);
  });

  it('counts for little on a university NAT that thousands of other accounts use', () => {
    const v = cluster(12, () => [req(T0, { network: '198.51.100.0/24' })], { '198.51.100.0/24': 4000 });
    expect(sharedInfrastructure.evaluate(v).score).toBe(0);
  });
});

describe('lockstep-timing', () => {
  it('fires on accounts that work in the same minutes (waves)', () => {
    const v = cluster(20, (i) => Array.from({ length: 30 }, (_, w) => req(T0 + w * 40 * MIN + (i % 3) * 10_000)));
    expect(lockstepTiming.evaluate(v).score).toBeGreaterThan(0.7);
  });

  it('does not count minutes shared by benchmark runs overlapping by chance, even in an hour just begun', () => {
    // Requests every few seconds: each run fills every minute it lasts. Three runs in the same hour,
    // the tick a quarter past it (the rest of the runs arrive within the allowed lateness).
    const hour = T0 + 23 * HOUR;
    const run = (from: number, to: number) =>
      Array.from({ length: (to - from) * 6 }, (_, k) =>
        req(hour + from * MIN + k * 10_000, { elicitsReasoning: true }),
      );
    const v = view([member('a', run(0, 11)), member('b', run(3, 23)), member('c', run(22, 25))]);
    const f = lockstepTiming.evaluate({
      ...v,
      window: { ...v.window, toMs: hour + 15 * MIN },
      tickMs: hour + 15 * MIN,
    });
    expect(f.evidence.minute_pair_share).toBe(0);
    expect(f.evidence.minute_lift).toBeLessThan(1.5);
    // Three runs that started minutes apart and are all still going at the tick share its last minutes.
    const w = view([member('a', run(32, 50)), member('b', run(37, 50)), member('c', run(38, 50))]);
    const g = lockstepTiming.evaluate({
      ...w,
      window: { ...w.window, toMs: hour + 40 * MIN },
      tickMs: hour + 40 * MIN,
    });
    expect(g.evidence.minute_pair_share).toBe(0);
  });

  it('takes three pairs for little: three accounts sharing one hour are not a schedule, twenty are', () => {
    // One request each, all in the same hour of the day (a drip's first hour, or three benchmark runs by chance).
    const oneHour = (n: number) => cluster(n, (i) => [req(T0 + 14 * HOUR + i * 2 * MIN)]);
    const three = lockstepTiming.evaluate(oneHour(3));
    expect(three.evidence.hour_pair_share).toBeCloseTo(3 / 6, 6);
    expect(three.score).toBeLessThan(0.6);
    const twenty = lockstepTiming.evaluate(oneHour(20));
    expect(twenty.evidence.hour_pair_share).toBeGreaterThan(0.95);
    expect(twenty.score).toBeGreaterThan(0.85);
  });

  it('judges every pair of a small group: benchmark runs that overlap their neighbours are not a schedule', () => {
    // Eight accounts, each active in one hour of its own but for four pairs that share one: (0,1), (7,2), (6,3),
    // (5,4). Four of 28 pairs move together; a sample that drew only those four made the group look like a schedule.
    const hourOf = [0, 4, 8, 12, 12, 8, 4, 0];
    const v = cluster(8, (i) => Array.from({ length: 5 }, (_, k) => req(T0 + ((hourOf[i] ?? 0) + 1) * HOUR + k * MIN)));
    const f = lockstepTiming.evaluate(v);
    expect(f.evidence.hour_pair_share).toBeCloseTo(4 / (28 + 3), 6);
    expect(f.score).toBe(0);
  });

  it('samples distinct pairs spread over the members', () => {
    for (const n of [2, 3, 8, 25, 100, 1001]) {
      const total = (n * (n - 1)) / 2;
      const got = [...samplePairs(n, 300)];
      expect(got).toHaveLength(Math.min(300, total));
      expect(new Set(got.map(([i, j]) => `${i},${j}`)).size).toBe(got.length);
      for (const [i, j] of got) expect(0 <= i && i < j && j < n).toBe(true);
      if (total > 300) {
        // Every member is drawn about as often as any other: 600 draws over n members.
        const draws = new Array<number>(n).fill(0);
        for (const [i, j] of got) for (const k of [i, j]) draws[k] = (draws[k] ?? 0) + 1;
        expect(Math.max(...draws)).toBeLessThan(Math.max(6, (3 * 600) / n));
      }
    }
  });

  it('stays low for independent accounts active at their own times', () => {
    const v = cluster(20, (i) =>
      Array.from({ length: 10 }, (_, k) => req(T0 + ((i * 7919 + k * 104_729) % (24 * 60)) * MIN)),
    );
    expect(lockstepTiming.evaluate(v).score).toBeLessThan(0.2);
  });
});

describe('signup-burst', () => {
  it('fires when most members were created within an hour', () => {
    const v = cluster(10, (i) => [req(T0 + i * 3 * MIN, { type: 'account', action: 'created' }), req(T0 + 2 * HOUR)]);
    expect(signupBurst.evaluate(v).score).toBeGreaterThan(0.9);
  });

  it('stays at zero for accounts created over weeks', () => {
    const v = cluster(10, (i) => [
      req(T0 - i * 3 * 86_400_000, { type: 'account', action: 'created' }),
      req(T0 + 2 * HOUR),
    ]);
    expect(signupBurst.evaluate(v).score).toBe(0);
  });
});

describe('no-human-day', () => {
  it('fires on accounts active around the clock', () => {
    const v = cluster(5, () => Array.from({ length: 24 }, (_, h) => req(T0 + h * HOUR + 5 * MIN)));
    expect(noHumanDay.evaluate(v).score).toBe(1);
  });

  it('stays at zero for accounts that rest at night', () => {
    const v = cluster(5, () => Array.from({ length: 14 }, (_, h) => req(T0 + (8 + h) * HOUR)));
    expect(noHumanDay.evaluate(v).score).toBe(0);
  });
});

describe('successor-account', () => {
  it('fires on a new account on the card of a suspended member', () => {
    const v = cluster(3, (i) =>
      i === 0
        ? [
            req(T0, { type: 'account', action: 'payment_method_added', payment: 'card-x' }),
            req(T0 + HOUR, { type: 'account', action: 'suspended' }),
          ]
        : [
            req(T0 + HOUR + 20 * MIN * i, { type: 'account', action: 'created' }),
            req(T0 + HOUR + 21 * MIN * i, { type: 'account', action: 'payment_method_added', payment: 'card-x' }),
          ],
    );
    const f = successorAccount.evaluate(v);
    expect(f.score).toBeGreaterThan(0.6);
    expect(f.evidence.successors).toBe(2);
  });

  it('stays at zero when nobody was suspended', () => {
    const v = cluster(3, (i) => [
      req(T0 + i * MIN, { type: 'account', action: 'created' }),
      req(T0 + 2 * MIN, { type: 'account', action: 'payment_method_added', payment: 'family-card' }),
    ]);
    expect(successorAccount.evaluate(v).score).toBe(0);
  });
});

describe('rate-limit-pressure', () => {
  it('fires when members keep hitting the limits', () => {
    const v = cluster(5, () =>
      Array.from({ length: 50 }, (_, k) => req(T0 + k * MIN, { status: k % 20 === 0 ? 'rate_limited' : 'ok' })),
    );
    expect(rateLimitPressure.evaluate(v).score).toBeGreaterThan(0.5);
  });

  it('stays at zero for ordinary traffic', () => {
    const v = cluster(5, () => Array.from({ length: 50 }, (_, k) => req(T0 + k * MIN)));
    expect(rateLimitPressure.evaluate(v).score).toBe(0);
  });
});

describe('fingerprint-cohesion', () => {
  it('fires on accounts with near-identical behaviour', () => {
    const v = cluster(10, () =>
      Array.from({ length: 30 }, (_, k) => req(T0 + k * 20 * MIN, { elicitsReasoning: true, reasoningTokens: 900 })),
    );
    expect(fingerprintCohesion.evaluate(v).score).toBeGreaterThan(0.7);
  });

  it('stays low for accounts that behave differently', () => {
    const v = cluster(10, (i) =>
      Array.from({ length: 1 + i * 7 }, (_, k) =>
        req(T0 + k * (i + 1) * 7 * MIN, {
          elicitsReasoning: i % 2 === 0,
          reasoningTokens: i * 300,
          status: i % 3 === 0 ? 'rate_limited' : 'ok',
        }),
      ),
    );
    expect(fingerprintCohesion.evaluate(v).score).toBeLessThan(0.3);
  });
});
