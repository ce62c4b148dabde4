/**
 * No prompt may cost more than a bounded, linear amount of work: farm operators write the prompts,
 * and a slow one stalls its partition (a 1,000,000-space prompt once took minutes in the template
 * masks). Every crafted text of fixtures/adversarial-text.ts is decoded and fingerprinted at 64 KiB and
 * at 1 MiB, in the prompt and in the system prompt, with every other string field of the event filled
 * to its limit in the contract with the same characters. The bounds are loose enough for a loaded CI
 * machine (measured: ~10-15 ms at 1 MiB, prose included) and tight enough to fail any quadratic step.
 */
import { describe, expect, it } from 'vitest';
import { ADVERSARIAL_CASES, proseOfBytes, repeatToBytes } from '../../fixtures/adversarial-text.ts';
import { observe } from '../../src/fingerprint/observation.ts';
import { createEventDecoder } from '../../src/ingest/decode-event.ts';
import { median } from '../../bench/support.ts';

const MAX_BYTES = 1_048_576;
const decode = createEventDecoder({ maxEventBytes: MAX_BYTES, maxFutureSkewMs: 86_400_000 });
const NOW = Date.parse('2026-11-21T00:00:00Z');

/** Each free-text string field of the contract filled to its maximum length with `unit`. */
function eventWith(
  unit: string,
  field: 'text' | 'system_text',
  fill: (bytes: number) => string,
  bytes: number,
): Buffer {
  const f = (max: number) =>
    unit
      .repeat(Math.ceil(max / unit.length))
      .slice(0, max)
      .replace(/[\ud800-\udbff]$/, 'x') || 'x';
  const body = (long: string) =>
    JSON.stringify({
      schema_version: 1,
      type: 'request',
      event_id: f(128),
      ts: '2026-11-20T00:00:00Z',
      account_id: f(128),
      org_id: f(128),
      api_key_id: f(128),
      surface: f(32),
      model: f(128),
      client: { ip: f(45), country: 'DE', user_agent: f(512), sdk: f(64), tls_fingerprint: f(128), device_id: f(128) },
      prompt: { [field]: long, language: f(16), task: f(32) },
      email_domain: f(253),
      payment_fingerprint: f(128),
    });
  return Buffer.from(body(fill(bytes - Buffer.byteLength(body('')))));
}

function msToFingerprint(value: Buffer): number {
  const once = () => {
    const t0 = performance.now();
    const d = decode(value, NOW);
    if (d.ok) observe(d.event);
    return performance.now() - t0;
  };
  once();
  return median([once(), once(), once()]);
}

describe('decoding and fingerprinting one event', () => {
  for (const field of ['text', 'system_text'] as const) {
    it.each(ADVERSARIAL_CASES.map((c) => [c.name, c.unit] as const))(
      `grows linearly on %s in prompt.${field}`,
      (_name, unit) => {
        const fill = (bytes: number) => repeatToBytes(unit, bytes);
        const small = msToFingerprint(eventWith(unit, field, fill, 65_536));
        const large = eventWith(unit, field, fill, MAX_BYTES);
        expect(large.length).toBeLessThanOrEqual(MAX_BYTES);
        const ms = msToFingerprint(large);
        // 16 times the bytes: a linear cost grows ~16x, a quadratic one ~256x.
        expect(ms).toBeLessThan(Math.max(48 * Math.max(small, 1), 250));
        expect(ms).toBeLessThan(1000);
      },
    );
  }

  it('costs about what ordinary prose of the same size costs', () => {
    const prose = msToFingerprint(eventWith('x', 'text', (b) => proseOfBytes(b), MAX_BYTES));
    const worst = Math.max(
      ...ADVERSARIAL_CASES.map((c) =>
        msToFingerprint(eventWith(c.unit, 'text', (b) => repeatToBytes(c.unit, b), MAX_BYTES)),
      ),
    );
    expect(worst).toBeLessThan(Math.max(5 * prose, 100));
  });
});
