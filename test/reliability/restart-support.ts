/**
 * Shared by the restart tests: one sample stream, a clean single-worker run of it on the shared
 * services (the expected state), and helpers to drive a worker process through a fault.
 */
import { sampleTraffic } from '../../fixtures/sample-traffic.ts';
import { startWorker } from '../../src/cli/worker-command.ts';
import type { Config } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { createTopic, groupCaughtUp, produce, testConfig, testKafka, waitFor } from '../support/services.ts';
import { snapshotWindows, type WindowSnapshot } from '../support/snapshot.ts';

export const PARTITIONS = 3;

export function restartStream(events: number): { key: string; value: string }[] {
  return [
    ...sampleTraffic({
      seed: 23,
      accounts: 3_000,
      events,
      startMs: Date.parse('2026-11-19T00:00:00Z'),
      meanGapMs: 1_500,
    }),
  ].map(({ key, value }) => ({ key, value }));
}

/** The state one worker reaches over the stream with nothing going wrong. */
export async function cleanRun(messages: { key: string; value: string }[], configs: Config[]): Promise<WindowSnapshot> {
  const c = testConfig({ FARMWATCH_INPUT_PARTITIONS: String(PARTITIONS) });
  configs.push(c);
  const kafka = testKafka();
  await createTopic(kafka, c.inputTopic, PARTITIONS);
  await produce(kafka, c.inputTopic, messages);
  const w = await startWorker(c, createLogger('warn'));
  try {
    await waitFor(
      'the clean run to commit the whole topic',
      () => groupCaughtUp(kafka, c.workerGroup, c.inputTopic),
      240_000,
      500,
    );
  } finally {
    await w.stop();
  }
  return snapshotWindows(c);
}

export async function readyz(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) })).status;
  } catch {
    return 0;
  }
}
