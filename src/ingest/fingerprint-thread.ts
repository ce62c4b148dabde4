/**
 * The body of a fingerprint thread (fingerprint-threads.ts): answers each batch of packed values with their outcomes,
 * or with the error that stopped it (the main thread then does the batch itself, and meets the same error there).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createEventDecoder, type DecodeLimits } from './decode-event.ts';
import { fingerprintValues, unpackValues, type PackedValues } from './fingerprint-batch.ts';

export interface ThreadRequest {
  readonly id: number;
  readonly nowMs: number;
  readonly packed: PackedValues;
}

export type ThreadReply =
  | { readonly id: number; readonly outcomes: ReturnType<typeof fingerprintValues> }
  | { readonly id: number; readonly error: string };

const port = parentPort;
if (port === null) throw new Error('fingerprint-thread.ts runs as a worker thread');
const decode = createEventDecoder(workerData as DecodeLimits);
port.on('message', (req: ThreadRequest) => {
  let reply: ThreadReply;
  try {
    reply = { id: req.id, outcomes: fingerprintValues(decode, unpackValues(req.packed), req.nowMs) };
  } catch (err) {
    reply = { id: req.id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
