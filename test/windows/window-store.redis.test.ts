/**
 * The windows store against the real Redis: applied once, redeliveries skipped or trimmed, ids de-duplicated, late
 * events dropped.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { registerScripts } from '../../src/redis/scripts.ts';
import { KeySpace } from '../../src/redis/keys.ts';
import { emptyState, type WindowSettings } from '../../src/windows/account-state.ts';
import { decodeState, encodeState } from '../../src/windows/state-codec.ts';
import { WindowReader, type AccountRef } from '../../src/windows/window-reader.ts';
import { WindowStore, type OffsetObservation } from '../../src/windows/window-store.ts';
import { testRedis, uniqueName } from '../support/services.ts';
import { offsetObservation } from '../support/observations.ts';

const redis = testRedis();
registerScripts(redis);
const settings: WindowSettings = {
  bucketMs: 3_600_000,
  slotMs: 60_000,
  retentionMs: 7 * 86_400_000,
  latenessMs: 600_000,
};
const T0 = Date.parse('2026-11-20T10:00:00Z');

function fresh() {
  const keys = new KeySpace(uniqueName('ws'));
  return { keys, store: new WindowStore(redis, keys, settings), reader: new WindowReader(redis, keys, 't') };
}
const prefixes: KeySpace[] = [];

afterAll(async () => {
  for (const k of prefixes) {
    const found = await redis.keys(`${k.prefix}:*`);
    if (found.length > 0) await redis.del(...found);
  }
  redis.disconnect();
});

const ev = offsetObservation;

const batch = (events: OffsetObservation[], first?: number, last?: number) => ({
  topic: 't',
  partition: 0,
  firstOffset: BigInt(first ?? Number(events[0]?.offset ?? 0)),
  lastOffset: BigInt(last ?? Number(events[events.length - 1]?.offset ?? 0)),
  events,
});

describe('WindowStore.applyBatch', () => {
  it('applies a batch once, skips its redelivery and trims an overlapping one', async () => {
    const { keys, store, reader } = fresh();
    prefixes.push(keys);
    const b1 = [ev(0, 'a', T0), ev(1, 'b', T0 + 60_000), ev(2, 'a', T0 + 120_000)];
    expect(await store.applyBatch(batch(b1))).toMatchObject({ applied: 3, duplicates: 0, late: 0 });
    expect(await store.applyBatch(batch(b1))).toMatchObject({ applied: 0, duplicates: 3 });
    const overlap = [
      ev(1, 'b', T0 + 60_000),
      ev(2, 'a', T0 + 120_000),
      ev(3, 'a', T0 + 180_000),
      ev(4, 'c', T0 + 240_000),
    ];
    expect(await store.applyBatch(batch(overlap))).toMatchObject({ applied: 2, duplicates: 2 });

    const a = await reader.state({ topic: 't', partition: 0, accountId: 'a' });
    expect(a?.requests).toBe(3);
    expect(a?.slots).toHaveLength(3);
    expect(a?.buckets.bucket(0)).toMatchObject({ requests: 3, inputTokens: 30, outputTokens: 60 });
    expect((await reader.meta({ topic: 't', partition: 0 })).appliedOffset).toBe(4n);
    expect((await reader.activeAccounts(0)).map((r) => r.accountId).sort()).toEqual(['a', 'b', 'c']);
  });

  it('counts a replayed event id once, and drops events beyond the allowed lateness', async () => {
    const { keys, store, reader } = fresh();
    prefixes.push(keys);
    const out = await store.applyBatch(
      batch([
        ev(0, 'a', T0, { eventId: 'x' }),
        ev(1, 'a', T0 + 3_600_000, { eventId: 'y' }),
        ev(2, 'a', T0 + 60_000, { eventId: 'late-one' }), // 59 min behind the newest: beyond 10 min
        ev(3, 'a', T0 + 3_300_000, { eventId: 'in-time' }), // 5 min behind: applied
        ev(4, 'a', T0 + 3_600_000, { eventId: 'y' }), // the same event again
      ]),
    );
    expect(out).toMatchObject({ applied: 3, duplicates: 1, late: 1 });
    expect((await reader.state({ topic: 't', partition: 0, accountId: 'a' }))?.requests).toBe(3);
  });

  it('indexes linking values, and prompt templates only from prompts that ask for reasoning', async () => {
    const { keys, store, reader } = fresh();
    prefixes.push(keys);
    await store.applyBatch(
      batch([
        ev(0, 'a', T0, { network: '203.0.113.0/24', payment: 'pay1', template: 'tplA', elicitsReasoning: true }),
        ev(1, 'b', T0, { network: '203.0.113.0/24', template: 'tplA', elicitsReasoning: true }),
        ev(2, 'a', T0 + 1000, { template: 'tplA', elicitsReasoning: true }),
        ev(3, 'a', T0 + 2000, { template: 'plain' }),
        ev(4, 'b', T0 + 2000, { template: 'plain' }),
      ]),
    );
    expect((await reader.linked('network', '203.0.113.0/24')).accounts.map((r) => r.accountId).sort()).toEqual([
      'a',
      'b',
    ]);
    expect((await reader.linked('payment', 'pay1')).count).toBe(1);
    expect((await reader.linked('template', 'tplA')).accounts.map((r) => r.accountId).sort()).toEqual(['a', 'b']);
    expect((await reader.linked('template', 'plain')).count).toBe(0);
    // Sizes come back in the order asked, across hash tags and calls, with 0 for values nobody used.
    const asked = [
      { kind: 'template' as const, value: 'tplA' },
      { kind: 'payment' as const, value: 'pay1' },
      ...Array.from({ length: 1_200 }, (_, i) => ({ kind: 'device' as const, value: `never-${i}` })),
      { kind: 'network' as const, value: '203.0.113.0/24' },
    ];
    const sizes = await reader.indexSizes(asked);
    expect(sizes).toHaveLength(asked.length);
    expect([sizes[0], sizes[1], sizes[asked.length - 1]]).toEqual([2, 1, 2]);
    expect(sizes.slice(2, -1).every((n) => n === 0)).toBe(true);
  });

  it('lets only one of two writers racing on a partition apply a batch', async () => {
    const { keys, reader } = fresh();
    prefixes.push(keys);
    const s1 = new WindowStore(redis, keys, settings);
    const s2 = new WindowStore(redis, keys, settings);
    const b = batch([ev(0, 'a', T0), ev(1, 'a', T0 + 1000)]);
    const [r1, r2] = await Promise.all([s1.applyBatch(b), s2.applyBatch(b)]);
    expect(r1.applied + r2.applied).toBe(2);
    expect((await reader.state({ topic: 't', partition: 0, accountId: 'a' }))?.requests).toBe(2);
  });

  it('advances the offset over a batch of only invalid messages', async () => {
    const { keys, store, reader } = fresh();
    prefixes.push(keys);
    await store.applyBatch(batch([], 10, 12));
    expect((await reader.meta({ topic: 't', partition: 0 })).appliedOffset).toBe(12n);
  });

  it('moves an undecodable state aside and goes on with the batch, and readers skip such a state', async () => {
    const { keys, store, reader } = fresh();
    prefixes.push(keys);
    await store.applyBatch(batch([ev(0, 'a', T0), ev(1, 'b', T0)]));
    const garbage = Buffer.from([0xff, 0x00, 0x13, 0x37]);
    await redis.set(keys.account('t', 0, 'b'), garbage);
    await redis.set(keys.account('t', 0, 'c'), Buffer.from([0x01])); // truncated, and no event of c comes
    // Readers (the clusterer, the review page) leave it out instead of failing a pass.
    const read = await reader.states([
      { topic: 't', partition: 0, accountId: 'a' },
      { topic: 't', partition: 0, accountId: 'c' },
    ]);
    expect([...read.keys()].map((r) => r.accountId)).toEqual(['a']);

    const out = await store.applyBatch(batch([ev(2, 'a', T0 + 60_000), ev(3, 'b', T0 + 60_000)]));
    expect(out).toMatchObject({ applied: 2, duplicates: 0, late: 0 });
    expect(out.quarantined).toEqual([{ accountId: 'b', reason: 'unknown account state version 255' }]);
    const q = await redis.hgetallBuffer(keys.quarantine('t', 0, 'b'));
    expect(q.blob?.equals(garbage)).toBe(true);
    expect(q.reason?.toString()).toBe('unknown account state version 255');
    expect(await redis.ttl(keys.quarantine('t', 0, 'b'))).toBeGreaterThan(0);
    // b starts afresh from the event of this batch; a is untouched.
    expect((await reader.state({ topic: 't', partition: 0, accountId: 'b' }))?.requests).toBe(1);
    expect((await reader.state({ topic: 't', partition: 0, accountId: 'a' }))?.requests).toBe(2);
    expect((await reader.meta({ topic: 't', partition: 0 })).appliedOffset).toBe(3n);
  });

  it('writes the index entries its last writer left unwritten when it takes the partition over', async () => {
    const { keys, store, reader } = fresh();
    prefixes.push(keys);
    await store.applyBatch(
      batch([ev(0, 'a', T0, { payment: 'card-1' }), ev(1, 'b', T0 + 60_000, { payment: 'card-1' })]),
    );
    expect((await reader.linked('payment', 'card-1')).count).toBe(2);
    // The writer died after its commit and before its index writes: the entries are not there.
    const indexKeys = await redis.keys(`${keys.prefix}:*ix:payment*`);
    expect(indexKeys.length).toBeGreaterThan(0);
    await redis.del(...indexKeys);
    expect((await reader.linked('payment', 'card-1')).count).toBe(0);

    // The process that gets the partition next writes them on assignment, before any new event.
    const next = new WindowStore(redis, keys, settings);
    expect(await next.recoverPartition('t', 0)).toBe(2);
    expect((await reader.linked('payment', 'card-1')).count).toBe(2);
    expect(await next.recoverPartition('t', 0)).toBe(0); // once per committed batch
  });
});

describe('WindowReader.indexMembers', () => {
  it('gives each account indexed under a value with the day it last used it; nothing for an unused one', async () => {
    const { keys, store, reader } = fresh();
    prefixes.push(keys);
    await store.applyBatch(
      batch([ev(0, 'a', T0, { payment: 'card-1' }), ev(1, 'b', T0 + 86_400_000, { payment: 'card-1' })]),
    );
    const [card, none] = await reader.indexMembers([
      { kind: 'payment', value: 'card-1' },
      { kind: 'payment', value: 'card-2' },
    ]);
    const day = Math.floor(T0 / 86_400_000);
    const byMember = new Map(card?.members.map((m, i) => [m, card.days[i]]));
    expect(byMember).toEqual(
      new Map([
        ['0|a', day],
        ['0|b', day + 1],
      ]),
    );
    expect(none?.members).toEqual([]);
    expect(none?.days.length).toBe(0);
  });
});

describe('WindowReader.changedAccounts', () => {
  const ids = (r: { accounts: { accountId: string }[] }) => r.accounts.map((a) => a.accountId).sort();

  it('gives the accounts written since its cursors, a late event\u2019s account too, and not the others', async () => {
    const { keys, store, reader } = fresh();
    prefixes.push(keys);
    await store.applyBatch(batch([ev(0, 'a', T0), ev(1, 'b', T0 + 300_000), ev(2, 'c', T0 + 600_000)]));
    // No cursor yet: the accounts whose last event is at or after the fallback time.
    const first = await reader.changedAccounts(new Map(), T0 + 300_000);
    expect(ids(first)).toEqual(['b', 'c']);
    expect(first.cursors.get('t|0')).toBe(2);

    // `a` comes 8 minutes late (its last event stays behind the fallback time), `d` is new; `b` and `c` wrote nothing.
    await store.applyBatch(batch([ev(3, 'a', T0 + 120_000), ev(4, 'd', T0 + 660_000)]));
    const second = await reader.changedAccounts(first.cursors, T0 + 300_000);
    expect(ids(second)).toEqual(['a', 'd']);
    expect(ids(await reader.changedAccounts(second.cursors, T0 + 300_000))).toEqual([]);
    // A batch of late events alone (the partition's newest event time does not move) is read too.
    await store.applyBatch(batch([ev(5, 'b', T0 + 240_000)]));
    expect(ids(await reader.changedAccounts(second.cursors, T0 + 300_000))).toEqual(['b']);
  });

  it('gives, with the written accounts, those whose last event is at or after `activeSinceMs`, each once', async () => {
    const { keys, store, reader } = fresh();
    prefixes.push(keys);
    // Applied before the tick at T0 + 5 min took its cursors: `b` and `c` have events after that tick.
    await store.applyBatch(batch([ev(0, 'a', T0), ev(1, 'b', T0 + 360_000), ev(2, 'c', T0 + 420_000)]));
    const first = await reader.changedAccounts(new Map(), 0);
    expect(ids(await reader.changedAccounts(first.cursors, 0))).toEqual([]);
    expect(ids(await reader.changedAccounts(first.cursors, 0, T0 + 300_000))).toEqual(['b', 'c']);
    // `c` writes again: written and active, given once; `a` is neither.
    await store.applyBatch(batch([ev(3, 'c', T0 + 480_000)]));
    expect(ids(await reader.changedAccounts(first.cursors, 0, T0 + 300_000))).toEqual(['b', 'c']);
    expect(ids(await reader.changedAccounts(first.cursors, 0, T0 + 400_000))).toEqual(['c']);
  });

  it('falls back to the accounts active since a time where an older writer left the written set behind', async () => {
    const { keys, store, reader } = fresh();
    prefixes.push(keys);
    await store.applyBatch(batch([ev(0, 'a', T0), ev(1, 'b', T0 + 300_000)]));
    const first = await reader.changedAccounts(new Map(), 0);
    // A writer that keeps no written set commits `c` (as the previous version of the commit script did) ...
    const meta = keys.partitionMeta('t', 0);
    await redis.hset(meta, 'offset', '2', 'maxts', String(T0 + 360_000));
    await redis.zadd(keys.active('t', 0), Math.floor((T0 + 360_000) / 1000), 'c');
    expect(ids(await reader.changedAccounts(first.cursors, T0 + 300_000))).toEqual(['b', 'c']);
    // ... and then this version writes `d`: its written set is complete only after offset 2.
    await store.applyBatch(batch([ev(3, 'd', T0 + 420_000)]));
    expect(await redis.hget(meta, 'wsince')).toBe('2');
    expect(ids(await reader.changedAccounts(first.cursors, T0 + 300_000))).toEqual(['b', 'c', 'd']);
    // From the cursor taken now on, the written set answers.
    const now = await reader.changedAccounts(first.cursors, T0 + 300_000);
    await store.applyBatch(batch([ev(4, 'e', T0 + 480_000)]));
    expect(ids(await reader.changedAccounts(now.cursors, 0))).toEqual(['e']);
  });

  it('keeps no account in the written set once it has left the active set', async () => {
    const { keys, store } = fresh();
    prefixes.push(keys);
    await store.applyBatch(batch([ev(0, 'old', T0), ev(1, 'new', T0 + 60_000)]));
    // Eight days later `old` is past the seven days' retention.
    await store.applyBatch(batch([ev(2, 'new', T0 + 8 * 86_400_000)]));
    expect(await redis.zrangebyscore(keys.active('t', 0), '-inf', '+inf')).toEqual(['new']);
    expect(await redis.zrangebyscore(keys.written('t', 0), '-inf', '+inf')).toEqual(['new']);
  });
});

describe('WindowReader.eachBlob', () => {
  it('hands each stored blob over with its place, in order, over rounds and partitions', async () => {
    const { keys, reader } = fresh();
    prefixes.push(keys);
    // More accounts than a round reads (1,000), spread over three partitions, every seventh without a state.
    const refs: AccountRef[] = Array.from({ length: 2_600 }, (_, i) => ({
      topic: 't',
      partition: i % 3,
      accountId: `acc-${i}`,
    }));
    const stored = refs.filter((_, i) => i % 7 !== 0);
    const requestsOf = (r: AccountRef) => Number(r.accountId.slice(4)) + 1;
    const pipe = redis.pipeline();
    for (const r of stored)
      pipe.set(
        keys.account(r.topic, r.partition, r.accountId),
        encodeState({ ...emptyState(), requests: requestsOf(r) }),
      );
    await pipe.exec();
    const seen: { id: string; at: number; requests: number }[] = [];
    await reader.eachBlob(refs, (ref, blob, at) =>
      seen.push({ id: ref.accountId, at, requests: decodeState(blob).requests }),
    );
    expect(seen.map((x) => [x.id, x.requests])).toEqual(stored.map((r) => [r.accountId, requestsOf(r)]));
    expect(seen.every((x) => refs[x.at]?.accountId === x.id)).toBe(true);
    const states = await reader.states(refs);
    expect([...states].map(([r, st]) => [r.accountId, st.requests])).toEqual(
      stored.map((r) => [r.accountId, requestsOf(r)]),
    );
  });
});
