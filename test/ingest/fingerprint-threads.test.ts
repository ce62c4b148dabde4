import { afterEach, describe, expect, it } from 'vitest';
import { sampleTraffic } from '../../fixtures/sample-traffic.ts';
import { createEventDecoder } from '../../src/ingest/decode-event.ts';
import {
  fingerprintValues,
  packValues,
  unpackValues,
  type BatchFingerprinter,
} from '../../src/ingest/fingerprint-batch.ts';
import { threadFingerprinter } from '../../src/ingest/fingerprint-threads.ts';
import type { Logger } from '../../src/logging/logger.ts';

const LIMITS = { maxEventBytes: 4096, maxFutureSkewMs: 86_400_000 };
const NOW = Date.parse('2026-12-06T12:00:00Z');

function recordingLog(): Logger & { lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = [];
  const log = {
    lines,
    debug: () => undefined,
    info: (msg: string) => void lines.push({ level: 'info', msg }),
    warn: (msg: string) => void lines.push({ level: 'warn', msg }),
    error: (msg: string) => void lines.push({ level: 'error', msg }),
    child: () => log,
  };
  return log;
}

/**
 * Raw-text sample events (template prompts, several clients and networks) among invalid messages of every kind, each
 * value a view into one shared buffer as kafkajs hands them over.
 */
function batchValues(n: number, seed: number): (Buffer | null)[] {
  const texts: (string | null)[] = [];
  for (const m of sampleTraffic({ seed, accounts: 40, events: n, startMs: NOW - 86_400_000, meanGapMs: 60_000 }))
    texts.push(m.value);
  texts.splice(3, 0, null, '', 'not json', '[1,2]', JSON.stringify({ event_id: 'x' }));
  texts.push(JSON.stringify({ event_id: 'f', ts: '2026-12-09T00:00:00Z', account_id: 'a' }));
  texts.push(JSON.stringify({ event_id: 'big', ts: '2026-12-06T00:00:00Z', account_id: 'a', pad: 'x'.repeat(5000) }));
  const whole = Buffer.from(texts.map((t) => t ?? '').join(''));
  const out: (Buffer | null)[] = [];
  let at = 0;
  for (const t of texts) {
    if (t === null) {
      out.push(null);
      continue;
    }
    const len = Buffer.byteLength(t);
    out.push(whole.subarray(at, at + len));
    at += len;
  }
  return out;
}

const inline = createEventDecoder(LIMITS);

let open: BatchFingerprinter[] = [];
afterEach(async () => {
  await Promise.all(open.map((f) => f.close()));
  open = [];
});

/**
 * Four batches through one thread running `fixture` (a thread that fails), each checked against the main thread's
 * outcomes; returns what was logged and how many batches fell back.
 */
async function fourBatchesOn(fixture: string, seed: number) {
  const log = recordingLog();
  let fallbacks = 0;
  const f = threadFingerprinter({
    threads: 1,
    limits: LIMITS,
    log,
    onFallback: () => fallbacks++,
    threadModule: new URL(fixture, import.meta.url),
  });
  open.push(f);
  for (let i = 0; i < 4; i++) {
    const values = batchValues(30, seed + i);
    expect(await f.fingerprint(values, NOW)).toEqual(fingerprintValues(inline, values, NOW));
  }
  return { log, fallbacks };
}

describe('packed values', () => {
  it('carry each value, empty and missing ones included, and only their own bytes', () => {
    const values = batchValues(20, 1);
    const packed = packValues(values);
    expect(packed.bytes.byteLength).toBe(values.reduce((n, v) => n + (v?.length ?? 0), 0));
    expect(unpackValues(packed)).toEqual(values);
  });
});

describe('threadFingerprinter', () => {
  it('gives the outcomes of fingerprinting on the main thread, valid and invalid, in order', async () => {
    const log = recordingLog();
    const f = threadFingerprinter({ threads: 2, limits: LIMITS, log });
    open.push(f);
    const values = batchValues(300, 2);
    const outcomes = await f.fingerprint(values, NOW);
    expect(outcomes).toEqual(fingerprintValues(inline, values, NOW));
    const reasons = outcomes.flatMap((o) => (o.ok ? [] : [o.reason]));
    expect(reasons).toEqual(['empty', 'empty', 'not_json', 'not_object', 'schema', 'future_timestamp', 'oversize']);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(300);
    expect(log.lines).toEqual([]); // done on a thread, not on the main thread after a failure
  });

  it('answers batches sent at once each with its own outcomes', async () => {
    const log = recordingLog();
    const f = threadFingerprinter({ threads: 2, limits: LIMITS, log });
    open.push(f);
    const batches = Array.from({ length: 8 }, (_, i) => batchValues(20 + 10 * i, 10 + i));
    const answers = await Promise.all(batches.map((b) => f.fingerprint(b, NOW)));
    answers.forEach((a, i) => expect(a).toEqual(fingerprintValues(inline, batches[i] as (Buffer | null)[], NOW)));
    expect(log.lines).toEqual([]);
  });

  it('does a batch on the main thread when its thread dies, and stays there after three deaths in a row', async () => {
    const { log, fallbacks } = await fourBatchesOn('./fixtures/dying-thread.mjs', 20);
    expect(log.lines.filter((l) => l.msg.startsWith('a fingerprint thread stopped'))).toHaveLength(3);
    expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(1);
    expect(fallbacks).toBe(3); // the fourth batch went to the main thread without trying a thread
  });

  it('does a batch on the main thread when its thread answers with an error, and keeps trying the thread', async () => {
    const { log, fallbacks } = await fourBatchesOn('./fixtures/erring-thread.mjs', 40);
    expect(fallbacks).toBe(4); // a thread that answers is not a thread that died: every batch tried it first
    expect(log.lines.map((l) => l.level)).toEqual(['warn', 'warn', 'warn', 'warn']);
  });

  it('still answers after it is closed, on the main thread', async () => {
    const f = threadFingerprinter({ threads: 1, limits: LIMITS, log: recordingLog() });
    const values = batchValues(10, 30);
    await f.fingerprint(values, NOW);
    await f.close();
    expect(await f.fingerprint(values, NOW)).toEqual(fingerprintValues(inline, values, NOW));
  });
});
