import { describe, expect, it } from 'vitest';
import { ClusterRegistry, requestId, type FoundGroup } from '../../src/clustering/cluster-registry.ts';
import type { Assessment } from '../../src/clustering/scoring.ts';

const verify: Assessment = {
  score: 0.8,
  band: 'verify',
  coordination: 0.8,
  intent: 1,
  findings: [
    {
      code: 'shared_payment',
      score: 0.9,
      weight: 0.9,
      detail: '3 of 3 accounts share 1 payment instrument.',
      evidence: {},
      detector: 'shared-infrastructure',
    },
  ],
};
const review: Assessment = { ...verify, score: 0.3, band: 'review' };
const none = { isExcused: () => false };
const at = (t: number) => new Date(t).toISOString();
const group = (members: string[], assessment = verify, verified: string[] = []): FoundGroup => ({
  members,
  assessment,
  verified: new Set(verified),
});

describe('ClusterRegistry', () => {
  it('sends one request per member with a deterministic request id, once', () => {
    const r = new ClusterRegistry();
    const first = r.update([group(['a', 'b', 'c'])], 1000, 0, none, at);
    expect(first.requests.map((q) => q.account_id)).toEqual(['a', 'b', 'c']);
    const id = first.requests[0]?.cluster_id as string;
    expect(first.requests[0]?.request_id).toBe(requestId('a', id));
    expect(first.requests[0]?.reasons[0]).toEqual({
      code: 'shared_payment',
      weight: 0.9,
      detail: '3 of 3 accounts share 1 payment instrument.',
    });
    expect(r.update([group(['a', 'b', 'c'])], 2000, 0, none, at).requests).toEqual([]);
  });

  it('keeps the id of a cluster that grows, and sends requests for the new members only', () => {
    const r = new ClusterRegistry();
    const id = r.update([group(['a', 'b', 'c'])], 1000, 0, none, at).requests[0]?.cluster_id;
    const grown = r.update([group(['a', 'b', 'c', 'successor'])], 2000, 0, none, at);
    expect(grown.requests.map((q) => [q.account_id, q.cluster_id])).toEqual([['successor', id]]);
    expect(r.clusters.get(id as string)?.members).toEqual(['a', 'b', 'c', 'successor']);
  });

  it('asks about an account once, when the groups it was flagged in are later found as one', () => {
    const r = new ClusterRegistry();
    // Two bursts of a farm's sign-ups, not yet tied together, then the whole farm at a later tick.
    const early = r.update([group(['a', 'b', 'c']), group(['x', 'y'])], 1000, 0, none, at).requests;
    expect(early.map((q) => q.account_id)).toEqual(['a', 'b', 'c', 'x', 'y']);
    const whole = r.update([group(['a', 'b', 'c', 'd', 'x', 'y'])], 2000, 0, none, at);
    expect(whole.requests.map((q) => [q.account_id, q.cluster_id])).toEqual([['d', early[0]?.cluster_id]]);
    expect(r.clusters.get(early[0]?.cluster_id as string)?.requested.sort()).toEqual(['a', 'b', 'c', 'd', 'x', 'y']);
    // The same after a takeover: the next instance rebuilds the registry from the stored records.
    const next = new ClusterRegistry([...r.clusters.values()].map((c) => structuredClone(c)));
    expect(next.update([group(['x', 'y', 'z', 'a'])], 3000, 0, none, at).requests.map((q) => q.account_id)).toEqual([
      'z',
    ]);
  });

  it(
    'marks a fragment whose members all moved to another cluster as merged into it, and keeps them there after a ' +
      'takeover',
    () => {
      const r = new ClusterRegistry();
      const early = r.update([group(['a', 'b', 'c']), group(['x', 'y'])], 1000, 0, none, at).requests;
      const [whole, fragment] = [early[0]?.cluster_id as string, early[3]?.cluster_id as string];
      const found = r.update([group(['a', 'b', 'c', 'd', 'x', 'y'])], 2000, 0, none, at);
      expect(found.changed.map((c) => c.id).sort()).toEqual([whole, fragment].sort());
      expect(r.clusters.get(fragment)?.mergedInto).toBe(whole);
      expect(r.clusters.get(whole)?.mergedInto).toBeUndefined();
      // Records come back in any order; the fragment's members still belong to the whole.
      const next = new ClusterRegistry([...r.clusters.values()].reverse().map((c) => structuredClone(c)));
      expect(
        next.update([group(['x', 'y', 'z'])], 3000, 0, none, at).requests.map((q) => [q.account_id, q.cluster_id]),
      ).toEqual([['z', whole]]);
    },
  );

  it('does not mark a cluster that some members left but others stay in', () => {
    const r = new ClusterRegistry();
    const first = r.update([group(['a', 'b', 'c']), group(['x', 'y', 'z'])], 1000, 0, none, at).requests;
    // c moves to the other cluster; a and b stay.
    r.update([group(['c', 'x', 'y', 'z'])], 2000, 0, none, at);
    expect(r.clusterFor('c')).toBe(first[3]?.cluster_id);
    expect([...r.clusters.values()].every((c) => c.mergedInto === undefined)).toBe(true);
  });

  it('records review-band clusters without sending, and skips verified and excused accounts', () => {
    const r = new ClusterRegistry();
    expect(r.update([group(['a', 'b', 'c'], review)], 1000, 0, none, at).requests).toEqual([]);
    expect([...r.clusters.values()][0]?.band).toBe('review');
    const sent = new ClusterRegistry().update(
      [group(['a', 'b', 'c', 'd'], verify, ['b'])],
      1000,
      0,
      { isExcused: (x) => x === 'c' },
      at,
    );
    expect(sent.requests.map((q) => q.account_id)).toEqual(['a', 'd']);
  });

  it('gives the same ids for the same input (a replay re-emits the same request ids)', () => {
    const run = () =>
      new ClusterRegistry().update([group(['x', 'y', 'z'])], 5000, 0, none, at).requests.map((q) => q.request_id);
    expect(run()).toEqual(run());
  });

  it(
    "applies analysts' verdicts: a confirmed review-band cluster sends, a dismissed one does not, and the review " +
      "service's requests are not sent twice",
    () => {
      const r = new ClusterRegistry();
      r.update([group(['a', 'b', 'c'], review)], 1000, 0, none, at);
      const id = [...r.clusters.keys()][0] as string;
      r.applyVerdicts(new Map([[id, { status: 'confirmed' as const, requested: ['a', 'b', 'c'] }]]));
      // The review service sent a, b and c when it confirmed; a new member is the clusterer's to send.
      const grown = r.update([group(['a', 'b', 'c', 'd'], review)], 2000, 0, none, at);
      expect(grown.requests.map((q) => q.account_id)).toEqual(['d']);
      r.applyVerdicts(new Map([[id, { status: 'dismissed' as const, requested: [] }]]));
      expect(r.update([group(['a', 'b', 'c', 'd', 'e'], verify)], 3000, 0, none, at).requests).toEqual([]);
      r.applyVerdicts(new Map());
      expect(r.clusters.get(id)?.status).toBe('open');
      expect(
        r.update([group(['a', 'b', 'c', 'd', 'e'], verify)], 4000, 0, none, at).requests.map((q) => q.account_id),
      ).toEqual(['e']);
    },
  );

  it('excuses dismissed accounts only for the evidence the analyst judged', async () => {
    const { reviewPolicy } = await import('../../src/review/review-store.ts');
    const policy = reviewPolicy(
      [
        {
          clusterId: 'c_x',
          status: 'dismissed',
          by: 'ana',
          atMs: 0,
          category: 'research_or_benchmark',
          note: 'lab',
          codes: ['shared_payment'],
          members: ['a', 'b', 'c'],
          requested: [],
        },
      ],
      [],
    );
    const sameEvidence = new ClusterRegistry().update([group(['a', 'b', 'c', 'z'])], 1000, 0, policy.excusals, at);
    expect(sameEvidence.requests.map((q) => q.account_id)).toEqual(['z']);
    const more: Assessment = {
      ...verify,
      findings: [
        ...verify.findings,
        {
          code: 'successor_account',
          score: 1,
          weight: 1,
          detail: 'successors',
          evidence: {},
          detector: 'successor-accounts',
        },
      ],
    };
    expect(
      new ClusterRegistry()
        .update([group(['a', 'b', 'c'], more)], 1000, 0, policy.excusals, at)
        .requests.map((q) => q.account_id),
    ).toEqual(['a', 'b', 'c']);
  });
});
