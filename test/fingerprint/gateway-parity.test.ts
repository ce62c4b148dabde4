/**
 * Gateway mode must detect as well as raw text (DESIGN.md, "Contracts"): a producer that sends the
 * fingerprints `farmwatch/fingerprint` makes instead of the prompt must give the worker the same
 * Observation, field for field, or every detector downstream would see a different account. Before
 * 2026-12 the reasoning ask was known only from raw text, and gateway traffic scored 0 intent.
 */
import { describe, expect, it } from 'vitest';
import { generateScenario, loadScenario } from '../../fixtures/generate.ts';
import { observe } from '../../src/fingerprint/observation.ts';
import { createEventDecoder } from '../../src/ingest/decode-event.ts';

describe('gateway fingerprints', () => {
  it('give the worker the same observations as raw prompt text, event for event', () => {
    const spec = loadScenario('campaigns');
    const opts = { seed: 5, scale: 0.05, days: 2 };
    const raw = generateScenario(spec, { ...opts, producer: 'raw' }).lines;
    const gateway = generateScenario(spec, { ...opts, producer: 'gateway' }).lines;
    const decode = createEventDecoder({ maxEventBytes: 1_048_576, maxFutureSkewMs: 365 * 86_400_000 });
    const now = Date.parse('2030-01-01T00:00:00Z');
    let n = 0;
    let asks = 0;
    const tasks = new Set<string>();
    for (let r = raw.next(), g = gateway.next(); !r.done; r = raw.next(), g = gateway.next()) {
      expect(g.done).toBe(false);
      const gLine = g.value as string;
      expect(gLine).not.toContain('"text"');
      const a = decode(Buffer.from(r.value), now);
      const b = decode(Buffer.from(gLine), now);
      if (!a.ok || !b.ok) throw new Error('a generated event was rejected');
      const oa = observe(a.event);
      const ob = observe(b.event);
      expect(ob).toEqual(oa);
      if (oa.type === 'request') {
        n++;
        if (oa.elicitsReasoning) asks++;
        if (oa.task) tasks.add(oa.task);
      }
    }
    expect(n).toBeGreaterThan(1000);
    // The comparison means something only if both kinds of prompt and several tasks are in the traffic.
    expect(asks).toBeGreaterThan(n * 0.05);
    expect(asks).toBeLessThan(n * 0.95);
    expect(tasks.size).toBeGreaterThanOrEqual(4);
  });
});
