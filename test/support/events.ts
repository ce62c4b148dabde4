/** Hand-made input messages for ingest tests: valid ones, and invalid ones of every kind. */
import type { RejectReason } from '../../src/ingest/decode-event.ts';

export const BASE_TS = Date.parse('2026-11-20T00:00:00Z');

export function validEvent(
  i: number,
  accounts: number,
  extra: Record<string, unknown> = {},
): { key: string; value: string; accountId: string; eventId: string } {
  const accountId = `acct-${i % accounts}`;
  const eventId = `evt-${i}`;
  const body = {
    schema_version: 1,
    type: 'request',
    event_id: eventId,
    ts: i % 2 === 0 ? BASE_TS + i * 1000 : new Date(BASE_TS + i * 1000).toISOString(),
    account_id: accountId,
    model: 'model-a',
    input_tokens: 100 + (i % 50),
    output_tokens: 300,
    status: 'ok',
    client: { ip: `203.0.113.${i % 200}`, user_agent: 'sdk/1.0' },
    prompt: { template_hash: `tpl-${i % 7}`, chars: 240 },
    ...extra,
  };
  return { key: accountId, value: JSON.stringify(body), accountId, eventId };
}

/** Invalid messages cycling through every way a message can be bad; `reason` is the expected DLQ reason. */
export function invalidMessage(i: number, maxBytes: number): { key: string; value: string; reason: RejectReason } {
  const key = `bad-${i}`;
  const ok = { event_id: `bad-${i}`, ts: BASE_TS, account_id: key };
  switch (i % 8) {
    case 0:
      return { key, value: '{"event_id": "x", ts: oops', reason: 'not_json' };
    case 1:
      return { key, value: JSON.stringify({ ...ok, input_tokens: 'many' }), reason: 'schema' };
    case 2:
      return { key, value: JSON.stringify({ ts: BASE_TS, account_id: key }), reason: 'schema' };
    case 3:
      return { key, value: JSON.stringify({ ...ok, ts: Date.now() + 3 * 86_400_000 }), reason: 'future_timestamp' };
    case 4:
      return { key, value: JSON.stringify({ ...ok, prompt: { text: 'x'.repeat(maxBytes) } }), reason: 'oversize' };
    case 5:
      return { key, value: JSON.stringify([ok]), reason: 'not_object' };
    case 6:
      return { key, value: JSON.stringify({ ...ok, type: 'account' }), reason: 'schema' };
    default:
      return { key, value: JSON.stringify({ ...ok, ts: '26/11/2026 08:00' }), reason: 'schema' };
  }
}
