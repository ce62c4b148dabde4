/** Hand-made observations (what the worker makes of a valid event) at an offset, for the window store's tests. */
import type { Observation } from '../../src/fingerprint/observation.ts';
import type { OffsetObservation } from '../../src/windows/window-store.ts';

/** A plain request of `accountId` at `tsMs` with event id `e<offset>`; `extra` sets any other field. */
export function offsetObservation(
  offset: number,
  accountId: string,
  tsMs: number,
  extra: Partial<Observation> = {},
): OffsetObservation {
  return {
    offset: BigInt(offset),
    observation: {
      eventId: `e${offset}`,
      tsMs,
      accountId,
      type: 'request',
      inputTokens: 10,
      outputTokens: 20,
      reasoningTokens: 0,
      bands: [],
      elicitsReasoning: false,
      reasoningKnown: true,
      ...extra,
    } as Observation,
  };
}
