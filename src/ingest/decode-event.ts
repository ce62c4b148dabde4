/**
 * Kafka message bytes → a valid, normalised UsageEvent, or the reason it is not one.
 * Validation is the contract's JSON Schema compiled by Ajv (no hand-written twin), plus the checks a
 * schema cannot express: the message size and an event time not too far in the future.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { normaliseEvent, type UsageEvent, type WireUsageEvent } from './usage-event.ts';

export const REJECT_REASONS = [
  'empty',
  'oversize',
  'not_json',
  'not_object',
  'schema',
  'bad_timestamp',
  'future_timestamp',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type DecodeResult =
  | { readonly ok: true; readonly event: UsageEvent }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

export interface DecodeLimits {
  readonly maxEventBytes: number;
  readonly maxFutureSkewMs: number;
}

const SCHEMA_URL = new URL('../../contracts/usage-event.schema.json', import.meta.url);

// ajv-formats is CommonJS with a default export; under NodeNext the namespace object arrives.
type AddFormats = (ajv: Ajv2020, formats: string[]) => unknown;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  addFormatsModule) as unknown as AddFormats;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export type EventDecoder = (value: Buffer | null, nowMs: number) => DecodeResult;

/** Compiles the schema once; the returned decoder is pure apart from reading `nowMs`. */
export function createEventDecoder(limits: DecodeLimits): EventDecoder {
  const ajv = new Ajv2020({ allErrors: false, strict: true, strictRequired: false, useDefaults: false });
  addFormats(ajv, ['date-time']);
  const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as object;
  const validate = ajv.compile<WireUsageEvent>(schema);

  return (value, nowMs) => {
    if (value === null || value.length === 0) return reject('empty', 'message has no value');
    if (value.length > limits.maxEventBytes) {
      return reject('oversize', `message is ${value.length} bytes, limit ${limits.maxEventBytes}`);
    }
    let text: string;
    try {
      // JSON exchanged between systems is UTF-8 (RFC 8259); a lenient decode would turn bad bytes into
      // U+FFFD and let two different ids collide.
      text = utf8.decode(value);
    } catch {
      return reject('not_json', 'not valid UTF-8');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      return reject('not_json', `not JSON: ${(err as Error).message}`.slice(0, 200));
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return reject('not_object', `JSON value is ${Array.isArray(parsed) ? 'an array' : typeof parsed}, not an object`);
    }
    if (!validate(parsed)) return reject('schema', describeSchemaError(validate.errors));
    // Ids become Redis keys and Kafka keys as UTF-8: a lone surrogate escape would not survive that.
    for (const field of ['event_id', 'account_id', 'org_id'] as const) {
      const v = parsed[field];
      if (typeof v === 'string' && LONE_SURROGATE.test(v))
        return reject('schema', `${field} is not well-formed Unicode (lone surrogate)`);
    }
    const tsMs = typeof parsed.ts === 'number' ? parsed.ts : Date.parse(parsed.ts);
    if (!Number.isSafeInteger(tsMs) || tsMs < 0 || tsMs > 8.64e15) {
      return reject('bad_timestamp', `ts ${JSON.stringify(parsed.ts)} is not a representable time`);
    }
    if (tsMs > nowMs + limits.maxFutureSkewMs) {
      return reject(
        'future_timestamp',
        `ts ${new Date(tsMs).toISOString()} is more than ${limits.maxFutureSkewMs} ms ahead of now`,
      );
    }
    return { ok: true, event: normaliseEvent(parsed, tsMs) };
  };
}

function reject(reason: RejectReason, detail: string): DecodeResult {
  return { ok: false, reason, detail };
}

function describeSchemaError(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'does not match the usage-event schema';
  const where = e.instancePath === '' ? 'event' : e.instancePath;
  const missing =
    e.keyword === 'required' ? ` (${String((e.params as { missingProperty?: string }).missingProperty)})` : '';
  return `${where} ${e.message ?? 'is invalid'}${missing}`.slice(0, 300);
}
