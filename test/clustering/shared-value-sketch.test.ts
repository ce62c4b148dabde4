import { describe, expect, it } from 'vitest';
import type { ClusterMember } from '../../detectors/detector.ts';
import type { AccountFeatures } from '../../src/clustering/features.ts';
import { ATTRS_MAX, maybeShared } from '../../src/clustering/shared-value-sketch.ts';
import { emptyState, type Attr, type AttrKind } from '../../src/windows/account-state.ts';
import { Random } from '../../fixtures/random.ts';
import { toSnapshot } from '../../src/windows/account-snapshot.ts';

function memberWith(id: string, attrs: Attr[]): ClusterMember {
  return { accountId: id, state: toSnapshot({ ...emptyState(), attrs }), features: {} as AccountFeatures, vector: [] };
}
const attr = (kind: AttrKind, value: string, lastHour = 10): Attr => ({
  kind,
  value,
  lastHour,
  count: 1,
  linked: true,
});
const keyOf = (a: Attr) => `${a.kind}|${a.value}`;

describe('maybeShared: which values of a large group may be shared', () => {
  it('lists every attribute whose value two members use, in order, and few of the values used once', () => {
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
    for (const m of members) for (const a of m.state.attrs.toArray()) uses.set(keyOf(a), (uses.get(keyOf(a)) ?? 0) + 1);
    const listed = maybeShared(members, () => true);
    expect([...listed]).toEqual([...listed].sort((a, b) => a - b));
    const at = new Set(listed);
    let once = 0;
    let passed = 0;
    members.forEach((m, j) =>
      m.state.attrs.toArray().forEach((a, i) => {
        if ((uses.get(keyOf(a)) as number) >= 2) expect(at.has(j * ATTRS_MAX + i)).toBe(true);
        else {
          once++;
          if (at.has(j * ATTRS_MAX + i)) passed++;
        }
      }),
    );
    expect(once).toBeGreaterThan(240_000);
    expect(passed / once).toBeLessThan(0.15);
  });

  it('counts only the attributes it is asked to, and tells kinds apart', () => {
    const members = [
      memberWith('a', [attr('device', 'd1'), attr('band', 'x'), attr('payment', 'old', 1)]),
      memberWith('b', [attr('device', 'd1'), attr('template', 'x'), attr('payment', 'old', 9)]),
    ];
    expect([...maybeShared(members, (attrs, i) => attrs.lastHour(i) >= 5)]).toEqual([0, ATTRS_MAX]);
  });
});
