/**
 * A batch's messages → what the windows stage applies: each message decoded, validated and fingerprinted into an
 * Observation, or the reason it is invalid. The work is pure and per message, so it can run on the worker's main
 * thread (`inlineFingerprinter`) or beside it (`fingerprint-threads.ts`); both give the same outcomes in one order.
 */
import { observe, type Observation } from '../fingerprint/observation.ts';
import type { EventDecoder, RejectReason } from './decode-event.ts';

export type FingerprintOutcome =
  | { readonly ok: true; readonly observation: Observation }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

export interface BatchFingerprinter {
  /** One outcome per value, in order. `nowMs` bounds how far in the future an event time may be. */
  fingerprint(values: readonly (Buffer | null)[], nowMs: number): Promise<FingerprintOutcome[]>;
  /** Lets go of what it holds (threads); the fingerprinter is not used after. */
  close(): Promise<void>;
}

export function fingerprintValues(
  decode: EventDecoder,
  values: readonly (Buffer | null)[],
  nowMs: number,
): FingerprintOutcome[] {
  const out: FingerprintOutcome[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const res = decode(values[i] ?? null, nowMs);
    // The fingerprint stage: raw prompt text is read here and goes no further.
    out[i] = res.ok ? { ok: true, observation: observe(res.event) } : res;
  }
  return out;
}

/** On the calling thread. */
export function inlineFingerprinter(decode: EventDecoder): BatchFingerprinter {
  return {
    fingerprint: (values, nowMs) => Promise.resolve(fingerprintValues(decode, values, nowMs)),
    close: () => Promise.resolve(),
  };
}

/**
 * Message values packed for a thread: their bytes end to end in one buffer, which is moved to the thread rather than
 * copied (a kafkajs value is a view into the whole fetch response, and cloning a view clones all of it), and their
 * lengths, -1 for a message without a value.
 */
export interface PackedValues {
  readonly bytes: ArrayBuffer;
  readonly lengths: Int32Array;
}

export function packValues(values: readonly (Buffer | null)[]): PackedValues {
  let total = 0;
  for (const v of values) if (v !== null) total += v.length;
  const bytes = new ArrayBuffer(total);
  const view = new Uint8Array(bytes);
  const lengths = new Int32Array(values.length);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? null;
    if (v === null) {
      lengths[i] = -1;
      continue;
    }
    view.set(v, at);
    lengths[i] = v.length;
    at += v.length;
  }
  return { bytes, lengths };
}

export function unpackValues(packed: PackedValues): (Buffer | null)[] {
  const out: (Buffer | null)[] = new Array(packed.lengths.length);
  let at = 0;
  for (let i = 0; i < packed.lengths.length; i++) {
    const n = packed.lengths[i] as number;
    if (n < 0) {
      out[i] = null;
      continue;
    }
    out[i] = Buffer.from(packed.bytes, at, n);
    at += n;
  }
  return out;
}
