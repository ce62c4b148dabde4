import { describe, expect, it } from 'vitest';
import { createEventDecoder } from '../../src/ingest/decode-event.ts';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const decode = createEventDecoder({ maxEventBytes: 2048, maxFutureSkewMs: 86_400_000 });
const bytes = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const base = { event_id: 'e1', ts: '2026-11-26T08:00:00Z', account_id: 'a1' };

describe('decodeEvent', () => {
  it('normalises a full request event: event time in epoch ms, snake_case to typed fields', () => {
    const res = decode(
      bytes({
        ...base,
        schema_version: 1,
        model: 'm',
        input_tokens: 10,
        output_tokens: 20,
        reasoning_tokens: 5,
        status: 'rate_limited',
        client: { ip: '198.51.100.7', asn: 64500, user_agent: 'ua', tls_fingerprint: 't', device_id: 'd', sdk: 's' },
        prompt: { simhash: '0123456789abcdef', template_hash: 'th', chars: 12 },
        unknown_field: { ignored: true },
      }),
      NOW,
    );
    expect(res).toEqual({
      ok: true,
      event: {
        eventId: 'e1',
        tsMs: Date.parse('2026-11-26T08:00:00Z'),
        accountId: 'a1',
        type: 'request',
        model: 'm',
        inputTokens: 10,
        outputTokens: 20,
        reasoningTokens: 5,
        status: 'rate_limited',
        client: { ip: '198.51.100.7', asn: 64500, userAgent: 'ua', tlsFingerprint: 't', deviceId: 'd', sdk: 's' },
        prompt: { simhash: '0123456789abcdef', templateHash: 'th', chars: 12 },
      },
    });
  });

  it('accepts epoch milliseconds and account events with an action', () => {
    const res = decode(
      bytes({ ...base, ts: 1_700_000_000_000, type: 'account', action: 'suspended', payment_fingerprint: 'pf' }),
      NOW,
    );
    expect(res.ok && res.event).toMatchObject({
      tsMs: 1_700_000_000_000,
      type: 'account',
      action: 'suspended',
      paymentFingerprint: 'pf',
    });
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['oversize', bytes({ ...base, prompt: { text: 'x'.repeat(3000) } })],
    ['not_json', bytes('{"event_id": ')],
    ['not_json', bytes('\u0000\u00ff garbage')],
    ['not_object', bytes('42')],
    ['not_object', bytes('[{"event_id":"e"}]')],
    ['not_object', bytes('null')],
    ['schema', bytes({ ts: base.ts, account_id: 'a' })],
    ['schema', bytes({ ...base, account_id: '' })],
    ['schema', bytes({ ...base, input_tokens: -1 })],
    ['schema', bytes({ ...base, input_tokens: 1.5 })],
    ['schema', bytes({ ...base, output_tokens: '10' })],
    ['schema', bytes({ ...base, ts: '2026-11-26 08:00' })],
    ['schema', bytes({ ...base, ts: -5 })],
    ['schema', bytes({ ...base, type: 'account' })],
    ['schema', bytes({ ...base, type: 'login' })],
    ['schema', bytes({ ...base, schema_version: 2 })],
    ['schema', bytes({ ...base, prompt: { simhash: 'XYZ' } })],
    ['schema', bytes({ ...base, client: { asn: 'AS1' } })],
    ['future_timestamp', bytes({ ...base, ts: NOW + 2 * 86_400_000 })],
    ['bad_timestamp', bytes({ ...base, ts: 9_000_000_000_000_000 })],
  ] as const)('rejects as %s: %s', (reason, value) => {
    const res = decode(value, NOW);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.reason).toBe(reason);
      expect(res.detail.length).toBeGreaterThan(0);
    }
  });

  it('names the field at fault and never echoes prompt text in the reason', () => {
    const res = decode(bytes({ ...base, prompt: { text: 'secret prompt words', turns: -1 } }), NOW);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.detail).toContain('/prompt/turns');
      expect(res.detail).not.toContain('secret');
    }
  });

  it('accepts an event up to the future skew and not beyond', () => {
    expect(decode(bytes({ ...base, ts: NOW + 86_400_000 }), NOW).ok).toBe(true);
    expect(decode(bytes({ ...base, ts: NOW + 86_400_001 }), NOW).ok).toBe(false);
  });

  it('refuses bytes that are not UTF-8 and ids with lone surrogates, and accepts real non-ASCII ids', () => {
    const head = Buffer.from('{"event_id":"e1","ts":1,"account_id":"a');
    const bad = decode(Buffer.concat([head, Buffer.from([0xff, 0x41]), Buffer.from('"}')]), NOW);
    expect(bad).toEqual({ ok: false, reason: 'not_json', detail: 'not valid UTF-8' });
    const lone = decode(bytes('{"event_id":"e1","ts":1,"account_id":"a\\ud800"}'), NOW);
    expect(lone.ok === false && lone.reason).toBe('schema');
    expect(decode(bytes({ ...base, account_id: 'ünïcødé-账户-😀' }), NOW).ok).toBe(true);
  });
});
