import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/fingerprint/observation.ts';
import {
  ATTR_CAPS,
  ATTR_KINDS,
  emptyState,
  foldObservation,
  pruneState,
  type IndexEntry,
  type WindowSettings,
} from '../../src/windows/account-state.ts';
import { decodeSnapshot, decodeState, encodeState } from '../../src/windows/state-codec.ts';
import { BucketTable, toSnapshot } from '../../src/windows/account-snapshot.ts';

const settings: WindowSettings = {
  bucketMs: 3_600_000,
  slotMs: 60_000,
  retentionMs: 7 * 86_400_000,
  latenessMs: 600_000,
};
const T0 = Date.parse('2026-11-20T10:00:00Z');
let n = 0;
const obs = (tsMs: number, extra: Partial<Observation> = {}): Observation =>
  ({
    eventId: `e${n++}`,
    tsMs,
    accountId: 'a',
    type: 'request',
    inputTokens: 100,
    outputTokens: 200,
    reasoningTokens: 50,
    bands: [],
    elicitsReasoning: false,
    reasoningKnown: true,
    ...extra,
  }) as Observation;

function fold(state = emptyState(), list: Observation[], watermarkMs = 0) {
  const index: IndexEntry[] = [];
  const outcomes = list.map((o, i) =>
    foldObservation(state, o, {
      settings,
      watermarkMs,
      eventIdHash: hashOf(o.eventId, i),
      index: (e) => index.push(e),
    }),
  );
  return { state, index, outcomes };
}
const hashOf = (id: string, _i: number) => [...id].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7);

describe('foldObservation', () => {
  it('aggregates requests into event-time buckets and one-minute slots', () => {
    const { state } = fold(undefined, [
      obs(T0, { elicitsReasoning: true, status: 'ok' }),
      obs(T0 + 30_000, { status: 'rate_limited' }),
      obs(T0 + 3_600_000, { status: 'error' }),
    ]);
    expect(state.requests).toBe(3);
    expect(state.buckets).toHaveLength(2);
    expect(state.buckets[0]).toMatchObject({
      requests: 2,
      inputTokens: 200,
      outputTokens: 400,
      reasoningTokens: 100,
      elicit: 1,
      rateLimited: 1,
    });
    expect(state.buckets[1]).toMatchObject({ requests: 1, errors: 1 });
    expect(state.slots).toEqual([T0 / 60_000, T0 / 60_000 + 60]);
    expect(state.firstSec).toBe(T0 / 1000);
    expect(state.lastSec).toBe(T0 / 1000 + 3600);
  });

  it('keeps slots sorted and distinct when events arrive out of order', () => {
    const { state } = fold(undefined, [obs(T0 + 120_000), obs(T0), obs(T0 + 60_000), obs(T0 + 1_000)]);
    expect(state.slots).toEqual([0, 1, 2].map((i) => T0 / 60_000 + i));
  });

  it('records account lifecycle events', () => {
    const { state } = fold(undefined, [
      obs(T0, { type: 'account', action: 'created', emailDomain: 'mail.test' }),
      obs(T0 + 1000, { type: 'account', action: 'payment_method_added', payment: 'p1' }),
      obs(T0 + 2000, { type: 'account', action: 'suspended' }),
    ]);
    expect(state.createdSec).toBe(T0 / 1000);
    expect(state.suspendedSec).toBe(T0 / 1000 + 2);
    expect(state.suspensions).toBe(1);
    expect(state.requests).toBe(0);
    expect(state.emailDomain).toBe('mail.test');
    expect(state.attrs.find((a) => a.kind === 'payment')?.value).toBe('p1');
  });

  it('says late for an event before the watermark and duplicate for a known event id', () => {
    const s = emptyState();
    const { outcomes } = fold(
      s,
      [obs(T0, { eventId: 'same' }), obs(T0 + 5, { eventId: 'same' }), obs(T0 - 1, { eventId: 'old' })],
      T0,
    );
    expect(outcomes).toEqual(['applied', 'duplicate', 'late']);
  });

  it('indexes linking values when first used and again on a new day; reasoning prompt families once repeated', () => {
    const { index, state } = fold(undefined, [
      obs(T0, { network: 'n1', userAgent: 'ua', template: 't1', elicitsReasoning: true }),
      obs(T0 + 1000, { network: 'n1', template: 't1', elicitsReasoning: true }),
      obs(T0 + 1500, { template: 'plain' }),
      obs(T0 + 1600, { template: 'plain' }),
      obs(T0 + 2000, { network: 'n1', template: 't1', elicitsReasoning: true }),
      obs(T0 + 86_400_000, { network: 'n1' }),
    ]);
    expect(state.attrs.find((a) => a.value === 'plain')?.linked).toBe(false);
    expect(state.attrs.find((a) => a.value === 't1')?.linked).toBe(true);
    const day = Math.floor(T0 / 86_400_000);
    expect(index).toEqual([
      { kind: 'network', value: 'n1', day },
      { kind: 'template', value: 't1', day },
      { kind: 'network', value: 'n1', day: day + 1 },
    ]);
  });

  it('keeps the card on file in the window while the account makes requests, and in the index on each new day', () => {
    const day = Math.floor(T0 / 86_400_000);
    const { index, state } = fold(undefined, [
      obs(T0, { type: 'account', action: 'payment_method_added', payment: 'card-old' }),
      obs(T0 + 60_000, { type: 'account', action: 'payment_method_added', payment: 'card-new' }),
      obs(T0 + 2 * 86_400_000),
    ]);
    const hour = Math.floor((T0 + 2 * 86_400_000) / 3_600_000);
    expect(state.attrs.find((a) => a.value === 'card-new')?.lastHour).toBe(hour);
    expect(state.attrs.find((a) => a.value === 'card-old')?.lastHour).toBe(Math.floor(T0 / 3_600_000));
    expect(index.filter((e) => e.kind === 'payment')).toEqual([
      { kind: 'payment', value: 'card-old', day },
      { kind: 'payment', value: 'card-new', day },
      { kind: 'payment', value: 'card-new', day: day + 2 },
    ]);
  });

  it("keeps a linking template's last fill and how many uses changed it; other templates carry none", () => {
    const { state } = fold(undefined, [
      obs(T0, { template: 'frame', fill: 11, task: 'math' }),
      obs(T0 + 1000, { template: 'frame', fill: 11, task: 'math' }),
      obs(T0 + 2000, { template: 'frame', fill: 12, task: 'math' }),
      obs(T0 + 3000, { template: 'frame', fill: 13, task: 'math' }),
      obs(T0 + 4000, { template: 'chat', fill: 14, task: 'chat' }),
    ]);
    const frame = state.attrs.find((a) => a.value === 'frame');
    expect(frame).toMatchObject({ count: 4, fill: 13, fills: 3 });
    expect(state.attrs.find((a) => a.value === 'chat')?.fill).toBeUndefined();
    expect(state.buckets[0]?.newTemplates).toBe(2);
  });

  it('caps the values kept per kind, evicting the least recently used', () => {
    const list = Array.from({ length: ATTR_CAPS.network + 5 }, (_, i) =>
      obs(T0 + i * 3_600_000, { network: `net-${i}` }),
    );
    const { state } = fold(undefined, list);
    const nets = state.attrs.filter((a) => a.kind === 'network').map((a) => a.value);
    expect(nets).toHaveLength(ATTR_CAPS.network);
    expect(nets).not.toContain('net-0');
    expect(nets).toContain(`net-${ATTR_CAPS.network + 4}`);
  });

  it('evicts, among values last used in the same hour, the least used and then the first kept', () => {
    const cap = ATTR_CAPS.network;
    const list = [
      ...Array.from({ length: 3 }, (_, i) => obs(T0 + i * 1000, { network: 'net-0' })),
      ...Array.from({ length: cap }, (_, i) => obs(T0 + 10_000 + i * 1000, { network: `net-${i + 1}` })),
    ];
    const { state } = fold(undefined, list);
    const nets = state.attrs.filter((a) => a.kind === 'network').map((a) => a.value);
    expect(nets).toHaveLength(cap);
    expect(nets).not.toContain('net-1');
    expect(nets).toContain('net-0');
    expect(nets).toContain(`net-${cap}`);
  });
});

describe('pruneState', () => {
  it('drops buckets, slots and values older than the retention', () => {
    const { state } = fold(undefined, [obs(T0, { network: 'old' }), obs(T0 + 8 * 86_400_000, { network: 'new' })]);
    pruneState(state, T0 + 8 * 86_400_000, settings);
    expect(state.buckets).toHaveLength(1);
    expect(state.slots).toHaveLength(1);
    expect(state.attrs.map((a) => a.value)).toEqual(['new']);
    expect(state.requests).toBe(2);
  });
});

describe('state codec', () => {
  it('round-trips every field', () => {
    const { state } = fold(undefined, [
      obs(T0, { type: 'account', action: 'created', orgId: 'org-1', emailDomain: 'é.test' }),
      obs(T0 + 1000, {
        network: '203.0.113.0/24',
        asn: 64500,
        template: 'abcd',
        fill: 0xfedcba98,
        bands: ['0abcd', '1ef01'],
        model: 'm',
        elicitsReasoning: true,
      }),
      obs(T0 + 1001, { template: 'abcd', fill: 7, elicitsReasoning: true }),
      obs(T0 + 7_200_000, {
        status: 'refused',
        tls: 't',
        device: 'd',
        userAgent: 'u',
        payment: 'p',
        systemPrompt: 's',
      }),
      obs(T0 + 7_300_000, { type: 'account', action: 'verified' }),
    ]);
    expect(state.attrs.find((a) => a.kind === 'template')).toMatchObject({ fill: 7, fills: 2 });
    const bytes = encodeState(state);
    expect(decodeState(bytes)).toEqual(state);
    expect(bytes.length).toBeLessThan(210);
  });

  it('reads a blob written before templates kept their fills', () => {
    // Encoded by the codec of 2026-12-03 morning: two reasoning prompts of template abcd from one /24.
    const old = Buffer.from(
      '0102a0b480d806a1b480d80600000000000001e2b71e02c801900364020000000101f891a20e02400e3230332e302e3131332e302f' +
        '3234e2b71e01c602abcde2b71e020201000000010200000000',
      'hex',
    );
    const state = decodeState(old);
    expect(state.requests).toBe(2);
    expect(state.attrs.map((a) => [a.kind, a.value, a.count, a.fill])).toEqual([
      ['network', '203.0.113.0/24', 1, undefined],
      ['template', 'abcd', 2, undefined],
    ]);
    expect(encodeState(state)).toEqual(old);
  });

  it('stores hex values as bytes and every other value as text, whatever its characters or length', () => {
    const state = emptyState();
    state.requests = 2 ** 40; // past 32-bit arithmetic
    state.orgId = 'ünïcødé';
    state.emailDomain = 'x'.repeat(300);
    const values = ['abcdef12', 'ABCDEF12', 'abc', 'ab', 'abcdefgh', '日本', 'a'.repeat(200_000)];
    for (const [i, value] of values.entries())
      state.attrs.push({ kind: 'device', value, lastHour: i, count: i + 1, linked: i % 2 === 0 });
    const bytes = encodeState(state);
    expect(decodeState(bytes)).toEqual(state);
    // 'abcdef12' as 4 bytes after its tag (bit 7: hex) and length; 'ABCDEF12' (not lower-case) as 8 characters.
    expect(bytes.includes(Buffer.from([0x80 | 0x40 | ATTR_KINDS.indexOf('device'), 4, 0xab, 0xcd, 0xef, 0x12]))).toBe(
      true,
    );
    expect(bytes.includes(Buffer.from('ABCDEF12'))).toBe(true);
    // The next blob is written into the same scratch space and does not carry the first one's bytes.
    const small = emptyState();
    expect(decodeState(encodeState(small))).toEqual(small);
    expect(decodeState(bytes)).toEqual(state);
  });

  it('rejects a truncated blob rather than inventing data', () => {
    const bytes = encodeState(fold(undefined, [obs(T0, { network: 'n' })]).state);
    expect(() => decodeState(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated/);
    expect(() => decodeSnapshot(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated/);
    expect(() => decodeSnapshot(bytes.subarray(0, bytes.length - 3), 'links')).toThrow(/truncated/);
  });

  it('leaves out the event-id hashes for a reader, and nothing else', () => {
    const { state } = fold(undefined, [
      obs(T0, { network: 'n', payment: 'p' }),
      obs(T0 + 5000, { template: 'ab', fill: 7, task: 'math' }),
    ]);
    expect(state.recentIds).toHaveLength(2);
    const read = decodeSnapshot(encodeState(state));
    const { recentIds: _, attrs, ...rest } = state;
    expect({ ...read, attrs: read.attrs.toArray(), buckets: read.buckets.toArray() }).toEqual({ ...rest, attrs });
    expect(read).toEqual(toSnapshot(state));
  });

  it("reads a snapshot's attributes by position as the state holds them", () => {
    const { state } = fold(undefined, [
      obs(T0, { network: 'n', payment: 'p' }),
      obs(T0 + 5000, { template: 'ab', fill: 7, task: 'math' }),
      obs(T0 + 3 * 3_600_000, { template: 'ab', fill: 9, task: 'math', network: 'n2' }),
    ]);
    const attrs = decodeSnapshot(encodeState(state)).attrs;
    expect(attrs.length).toBe(state.attrs.length);
    state.attrs.forEach((a, i) => {
      expect([attrs.kind(i), attrs.value(i), attrs.lastHour(i), attrs.count(i), attrs.linked(i)]).toEqual([
        a.kind,
        a.value,
        a.lastHour,
        a.count,
        a.linked,
      ]);
      expect([attrs.fill(i), attrs.fills(i)]).toEqual([a.fill, a.fills]);
      expect(attrs.indexOf(a.kind, a.value)).toBe(i);
    });
    expect(attrs.fill(attrs.indexOf('template', 'ab'))).toBe(9);
    expect(attrs.fills(attrs.indexOf('template', 'ab'))).toBe(2);
    expect(attrs.indexOf('payment', 'n')).toBe(-1);
  });

  it('leaves out the activity too for a search of linking values, and nothing else', () => {
    const { state } = fold(undefined, [
      obs(T0, { network: 'n', payment: 'p' }),
      obs(T0 + 5000, { template: 'ab', fill: 7, task: 'math' }),
      obs(T0 + 3 * 3_600_000, { network: 'n2' }),
    ]);
    expect(state.attrs.find((a) => a.value === 'ab')?.fill).toBe(7);
    expect(state.buckets.length).toBeGreaterThan(1);
    expect(state.slots.length).toBeGreaterThan(1);
    const links = decodeSnapshot(encodeState(state), 'links');
    expect(links).toEqual({ ...toSnapshot(state), buckets: BucketTable.EMPTY, slots: [] });
    // Other kinds read past: what follows them is read as before.
    const networks = decodeSnapshot(encodeState(state), 'links', new Set(['network']));
    expect(networks.attrs.toArray().map((a) => a.value)).toEqual(['n', 'n2']);
    expect(networks).toEqual({
      ...links,
      attrs: toSnapshot({ ...state, attrs: state.attrs.filter((a) => a.kind === 'network') }).attrs,
    });
  });
});
