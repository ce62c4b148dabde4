import { describe, expect, it } from 'vitest';
import type { ClusterMember } from '../../detectors/detector.ts';
import type { AccountFeatures } from '../../src/clustering/features.ts';
import { usesAtLeastTwice } from '../../src/clustering/shared-value-sketch.ts';
import { emptyState, type Attr, type AttrKind } from '../../src/windows/account-state.ts';
import { Random } from '../../fixtures/random.ts';

function memberWith(id: string, attrs: Attr[]): ClusterMember {
  return { accountId: id, state: { ...emptyState(), attrs }, features: {} as AccountFeatures, vector: [] };
}
const attr = (kind: AttrKind, value: string, lastHour = 10): Attr => ({
  kind,
  value,
  lastHour,
  count: 1,
  linked: true,
});

describe('usesAtLeastTwice: which values of a large group may be shared', () => {
  it('never misses a value two members use, and lets few of the values used once through', () => {
    const r = new Random(7);
    const members: ClusterMember[] = [];
    for (let j = 0; j < 20_000; j++) {
      const attrs: Attr[] = [];
      for (let i = 0; i < 12; i++) attrs.push(attr('band', `own-${j}-${i}`));
      // A pool of 3,000 templates: most drawn by several members, some by one or none.
      for (let i = 0; i < 3; i++) attrs.push(attr('template', `t-${r.int(0, 2_999)}-${i}`));
      attrs.push(attr('network', `net-${Math.floor(j / 4)}`));
      members.push(memberWith(`m-${j}`, attrs));
    }
    const uses = new Map<string, number>();
    for (const m of members)
      for (const a of m.state.attrs) uses.set(`${a.kind}|${a.value}`, (uses.get(`${a.kind}|${a.value}`) ?? 0) + 1);
    const twice = usesAtLeastTwice(members, () => true);
    let once = 0;
    let passed = 0;
    for (const m of members)
      for (const a of m.state.attrs) {
        if ((uses.get(`${a.kind}|${a.value}`) as number) >= 2) expect(twice(a)).toBe(true);
        else {
          once++;
          if (twice(a)) passed++;
        }
      }
    expect(once).toBeGreaterThan(240_000);
    expect(passed / once).toBeLessThan(0.15);
  });

  it('counts only the attributes it is asked to, and tells kinds apart', () => {
    const members = [
      memberWith('a', [attr('device', 'd1'), attr('band', 'x'), attr('payment', 'old', 1)]),
      memberWith('b', [attr('device', 'd1'), attr('template', 'x'), attr('payment', 'old', 9)]),
    ];
    const twice = usesAtLeastTwice(members, (a) => a.lastHour >= 5);
    expect(twice(attr('device', 'd1'))).toBe(true);
    expect(twice(attr('band', 'x'))).toBe(false);
    expect(twice(attr('payment', 'old'))).toBe(false);
  });
});
