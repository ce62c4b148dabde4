/**
 * Generated malformed input messages, seeded: random bytes, truncated JSON, deep nesting, huge
 * strings, wrong types, NaN and negative tokens, timestamps at the edges, unicode edge cases. Each
 * comes with the reasons the decoder may give it (several where the generator cannot know which
 * check a random message trips first).
 */
import { Random } from '../../fixtures/random.ts';
import type { RejectReason } from '../../src/ingest/decode-event.ts';
import { BASE_TS } from './events.ts';

export interface FuzzMessage {
  readonly key: string;
  readonly value: Buffer;
  readonly kind: string;
  readonly reasons: readonly RejectReason[];
}

const ANY: readonly RejectReason[] = [
  'empty',
  'oversize',
  'not_json',
  'not_object',
  'schema',
  'bad_timestamp',
  'future_timestamp',
];

export function fuzzMessage(r: Random, i: number, maxBytes: number): FuzzMessage {
  const key = `fuzz-${i}`;
  const base = {
    schema_version: 1,
    type: 'request',
    event_id: `fuzz-${i}`,
    ts: BASE_TS + i,
    account_id: key,
    input_tokens: 10,
    output_tokens: 20,
  };
  const json = (o: unknown) => Buffer.from(JSON.stringify(o));
  const text = (s: string) => Buffer.from(s);
  const k = i % 20;
  switch (k) {
    case 0: {
      const bytes = Buffer.alloc(r.int(1, 400));
      for (let j = 0; j < bytes.length; j++) bytes[j] = r.int(0, 255);
      return { key, value: bytes, kind: 'random bytes', reasons: ANY };
    }
    case 1: {
      const full = JSON.stringify({ ...base, prompt: { text: 'explain step by step', chars: 20 } });
      return {
        key,
        value: text(full.slice(0, r.int(1, full.length - 1))),
        kind: 'truncated JSON',
        reasons: ['not_json'],
      };
    }
    case 2: {
      const depth = r.int(1_000, 6_000);
      return {
        key,
        value: text('['.repeat(depth) + ']'.repeat(depth)),
        kind: 'deep array',
        reasons: ['not_object', 'oversize'],
      };
    }
    case 3: {
      const depth = r.int(100, 2_000);
      return {
        key,
        value: text('{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
        kind: 'deep object',
        reasons: ['schema', 'oversize'],
      };
    }
    case 4:
      return {
        key,
        value: json({ ...base, client: { ip: '1.2.3.4', user_agent: JSON.parse('['.repeat(500) + ']'.repeat(500)) } }),
        kind: 'deep in a field',
        reasons: ['schema'],
      };
    case 5:
      return {
        key,
        value: json({ ...base, account_id: 'a'.repeat(r.int(129, 2_000)) }),
        kind: 'huge id',
        reasons: ['schema'],
      };
    case 6:
      return {
        key,
        value: json({ ...base, prompt: { text: 'x'.repeat(maxBytes + r.int(1, 1_000)) } }),
        kind: 'huge prompt',
        reasons: ['oversize'],
      };
    case 7:
      return {
        key,
        value: json({ ...base, input_tokens: r.pick(['12', true, [1], { n: 1 }, 1.5, null]) }),
        kind: 'wrong token type',
        reasons: ['schema'],
      };
    case 8:
      return {
        key,
        value: json({ ...base, ts: r.pick([true, [BASE_TS], { t: 1 }, null, 1.5]) }),
        kind: 'wrong ts type',
        reasons: ['schema'],
      };
    case 9:
      return {
        key,
        value: json({ ...base, account_id: r.pick([5, null, ['a'], {}]) }),
        kind: 'wrong id type',
        reasons: ['schema'],
      };
    case 10:
      return {
        key,
        value: text(
          JSON.stringify(base).replace(
            '"input_tokens":10',
            `"input_tokens":${r.pick(['NaN', 'Infinity', '-Infinity', 'undefined', '0x10'])}`,
          ),
        ),
        kind: 'NaN tokens',
        reasons: ['not_json'],
      };
    case 11:
      return {
        key,
        value: json({ ...base, output_tokens: -r.int(1, 1_000_000) }),
        kind: 'negative tokens',
        reasons: ['schema'],
      };
    case 12:
      return {
        key,
        value: text(
          JSON.stringify(base).replace(
            '"input_tokens":10',
            `"input_tokens":${r.pick(['1e400', '10000001', '9007199254740993'])}`,
          ),
        ),
        kind: 'huge tokens',
        reasons: ['schema'],
      };
    case 13:
      return { key, value: json({ ...base, ts: r.pick([-1, -BASE_TS]) }), kind: 'negative ts', reasons: ['schema'] };
    case 14:
      return {
        key,
        value: json({ ...base, ts: r.pick([9e15, Number.MAX_SAFE_INTEGER, 8.7e15]) }),
        kind: 'ts beyond representable',
        reasons: ['bad_timestamp', 'future_timestamp'],
      };
    case 15:
      return {
        key,
        value: json({ ...base, ts: r.pick(['9999-12-31T23:59:59Z', '2999-01-01T00:00:00Z']) }),
        kind: 'ts far future',
        reasons: ['future_timestamp'],
      };
    case 16:
      return {
        key,
        value: json({
          ...base,
          ts: r.pick(['2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '26/11/2026', '', 'now', '2026-11-26T25:00:00Z']),
        }),
        kind: 'ts not a date',
        reasons: ['schema', 'bad_timestamp'],
      };
    case 17: {
      // Bytes that are not UTF-8 inside an otherwise valid event.
      const head = Buffer.from(JSON.stringify({ ...base, account_id: 'X' }).replace('"X"', '"acct-'));
      return {
        key,
        value: Buffer.concat([
          head,
          Buffer.from([r.pick([0xff, 0xc0, 0xed, 0xf8]), 0x80 + r.int(0, 60)]),
          Buffer.from('"}'),
        ]),
        kind: 'invalid UTF-8',
        reasons: ['not_json'],
      };
    }
    case 18:
      return {
        key,
        value: text(
          JSON.stringify(base).replace(
            `"account_id":"${key}"`,
            `"account_id":"${key}${r.pick(['\\ud800', '\\udfff', '\\udc00x'])}"`,
          ),
        ),
        kind: 'lone surrogate id',
        reasons: ['schema'],
      };
    default:
      return {
        key,
        value: r.chance(0.5) ? Buffer.alloc(0) : json(r.pick([null, 42, 'event', [base], true])),
        kind: 'empty or not an object',
        reasons: ['empty', 'not_object'],
      };
  }
}
