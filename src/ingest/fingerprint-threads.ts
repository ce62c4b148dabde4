/**
 * Decoding and fingerprinting beside the worker's main thread. They are two fifths of the worker's CPU per event with
 * raw prompt text (bench:ingest), pure and per message; on their own threads they use a core the main thread, busy
 * folding states and talking to Redis and Kafka, leaves idle. The partitions a worker handles at once
 * (FARMWATCH_WORKER_CONCURRENCY) keep both busy: one batch is fingerprinted while another is folded and written.
 *
 * A thread that fails never loses a batch: the batch is done on the main thread instead, with the same outcome. A
 * thread that dies is started again for the next batch; after three deaths in a row with no batch done between
 * them, the worker stays on its main thread and says so.
 */
import { Worker } from 'node:worker_threads';
import { createEventDecoder, type DecodeLimits, type EventDecoder } from './decode-event.ts';
import {
  fingerprintValues,
  packValues,
  type BatchFingerprinter,
  type FingerprintOutcome,
} from './fingerprint-batch.ts';
import type { ThreadReply, ThreadRequest } from './fingerprint-thread.ts';
import type { Logger } from '../logging/logger.ts';
import { errorFields } from '../logging/logger.ts';

const THREAD_MODULE = new URL('./fingerprint-thread.mjs', import.meta.url);
const MAX_DEATHS_IN_A_ROW = 3;

interface Pending {
  resolve(outcomes: FingerprintOutcome[]): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker | null;
  readonly pending: Map<number, Pending>;
}

export interface FingerprintThreadOptions {
  readonly threads: number;
  readonly limits: DecodeLimits;
  readonly log: Logger;
  /** Called for each batch done on the main thread because its thread failed (a metric counts them). */
  readonly onFallback?: () => void;
  /** What a thread runs (tests give one that fails). */
  readonly threadModule?: URL;
}

export function threadFingerprinter(opts: FingerprintThreadOptions): BatchFingerprinter {
  const { threads, limits, log } = opts;
  const threadModule = opts.threadModule ?? THREAD_MODULE;
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer: ${threads}`);
  const slots: Slot[] = Array.from({ length: threads }, () => ({ worker: null, pending: new Map() }));
  let nextId = 0;
  let deathsInARow = 0;
  let closed = false;
  let inline: EventDecoder | null = null;

  const onMainThread = (values: readonly (Buffer | null)[], nowMs: number): FingerprintOutcome[] => {
    inline ??= createEventDecoder(limits);
    return fingerprintValues(inline, values, nowMs);
  };

  const failAll = (slot: Slot, err: Error): void => {
    const pending = [...slot.pending.values()];
    slot.pending.clear();
    for (const p of pending) p.reject(err);
  };

  const start = (slot: Slot): Worker => {
    const w = new Worker(threadModule, { workerData: limits });
    w.unref(); // referenced only while a batch waits on it (below): an idle thread keeps no process alive
    w.on('message', (reply: ThreadReply) => {
      const p = slot.pending.get(reply.id);
      if (p === undefined) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) w.unref();
      if ('error' in reply) p.reject(new Error(reply.error));
      else {
        deathsInARow = 0;
        p.resolve(reply.outcomes);
      }
    });
    w.on('error', (err) => failAll(slot, err));
    w.on('exit', (code) => {
      if (slot.worker === w) slot.worker = null;
      if (closed) return;
      deathsInARow++;
      log.warn('a fingerprint thread stopped; its batches are done on the main thread', { exit_code: code });
      if (deathsInARow === MAX_DEATHS_IN_A_ROW)
        log.error(
          `fingerprint threads stopped ${MAX_DEATHS_IN_A_ROW} times in a row: fingerprinting on the main thread from ` +
            'now on (FARMWATCH_FINGERPRINT_THREADS=0 does so from the start)',
        );
      failAll(slot, new Error(`fingerprint thread exited with code ${code}`));
    });
    slot.worker = w;
    return w;
  };

  const onThread = (values: readonly (Buffer | null)[], nowMs: number): Promise<FingerprintOutcome[]> => {
    let slot = slots[0] as Slot;
    for (const s of slots) if (s.pending.size < slot.pending.size) slot = s;
    const w = slot.worker ?? start(slot);
    const id = nextId++;
    const packed = packValues(values);
    return new Promise<FingerprintOutcome[]>((resolve, reject) => {
      const req: ThreadRequest = { id, nowMs, packed };
      // Posted first: if posting throws, nothing waits on a reply that never comes (the reply itself cannot arrive
      // before this function returns).
      w.postMessage(req, [packed.bytes, packed.lengths.buffer as ArrayBuffer]);
      if (slot.pending.size === 0) w.ref();
      slot.pending.set(id, { resolve, reject });
    });
  };

  return {
    async fingerprint(values, nowMs) {
      if (closed || deathsInARow >= MAX_DEATHS_IN_A_ROW || values.length === 0) return onMainThread(values, nowMs);
      try {
        return await onThread(values, nowMs);
      } catch (err) {
        log.warn('a fingerprint thread failed a batch; doing it on the main thread', errorFields(err));
        opts.onFallback?.();
        return onMainThread(values, nowMs);
      }
    },
    async close() {
      closed = true;
      await Promise.all(
        slots.map(async (s) => {
          const w = s.worker;
          s.worker = null;
          if (w !== null) await w.terminate();
          failAll(s, new Error('fingerprint threads closed'));
        }),
      );
    },
  };
}
