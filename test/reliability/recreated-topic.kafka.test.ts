/**
 * A topic deleted and recreated under a running worker: its new log starts again at offset 0, below
 * the offset Redis says was applied. Before 2026-12-02 the worker skipped every new event as
 * "already applied" (seen live: 300 of 300 counted as duplicates, nothing above info in the log).
 * Now it holds the partition, says so (error log, metric, alert), and applies the new log once an
 * operator runs `farmwatch reset-offsets`. No event of the new topic is skipped in between.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../../src/cli/worker-command.ts';
import { resetOffsets } from '../../src/cli/reset-offsets-command.ts';
import { createLogger } from '../../src/logging/logger.ts';
import type { Config } from '../../src/config/config.ts';
import { requestsByAccount, snapshotWindows } from '../support/snapshot.ts';
import {
  cleanUp,
  createTopic,
  produce,
  testConfig,
  testKafka,
  waitFor as waitForOrThrow,
} from '../support/services.ts';
import { validEvent } from '../support/events.ts';

describe('a recreated input topic (real Kafka and Redis)', () => {
  let running: RunningWorker | undefined;
  let config: Config | undefined;

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    if (config) await cleanUp(config);
  });

  it('is held and reported, not skipped, until an operator resets the offsets', async () => {
    config = testConfig();
    const c = config;
    const kafka = testKafka();
    await createTopic(kafka, c.inputTopic, 1);
    const first = Array.from({ length: 400 }, (_, i) => validEvent(i, 40));
    await produce(kafka, c.inputTopic, first);
    const lines: string[] = [];
    const log = createLogger('info', (line) => lines.push(line));
    running = await startWorker(c, log);
    const w = running;
    await waitForOrThrow('the first 400 events applied', () => w.worker.stats().accepted === 400);

    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [c.inputTopic] });
    // The running consumer's metadata requests may recreate the topic at once (kafkajs consumers may
    // auto-create what they subscribe to): gone, or back with an empty log, is the state wanted here.
    await waitForOrThrow('the topic to be gone or back empty', async () => {
      if (!(await admin.listTopics()).includes(c.inputTopic)) return true;
      const ends = await admin.fetchTopicOffsets(c.inputTopic).catch(() => null);
      return ends !== null && ends.every((e) => e.high === '0');
    });
    await admin.disconnect();
    await createTopic(kafka, c.inputTopic, 1);
    // New accounts and event ids: if any were skipped they would be missing from the windows.
    const second = Array.from({ length: 300 }, (_, i) =>
      validEvent(10_000 + i, 30, { account_id: `new-${i % 30}`, event_id: `new-${i}` }),
    );
    await produce(kafka, c.inputTopic, second);

    // On a failure, the worker's own account of what it was doing (a broker-side topic deletion makes
    // kafkajs rejoin the group, which can take a while on a loaded machine).
    const waitFor = (what: string, check: () => boolean | Promise<boolean>, ms?: number) =>
      waitForOrThrow(what, check, ms).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\nworker log (last 40 lines):\n${lines.slice(-40).join('\n')}`);
      });
    const metrics = async () => (await fetch(`http://127.0.0.1:${w.ops.port}/metrics`)).text();
    await waitFor(
      'the partition to be reported as awaiting a reset',
      async () => /farmwatch_partitions_awaiting_offset_reset 1\b/.test(await metrics()),
      90_000,
    );
    expect(
      lines.some(
        (l) =>
          l.includes('"level":"error"') &&
          l.includes('recreated or truncated') &&
          l.includes('farmwatch reset-offsets'),
      ),
    ).toBe(true);
    expect(w.worker.stats().duplicates).toBe(0);
    expect(w.worker.stats().accepted).toBe(400);
    expect((await fetch(`http://127.0.0.1:${w.ops.port}/readyz`)).status).toBe(503);

    const results = await resetOffsets(c, createLogger('warn'), 'all', false);
    expect(results).toEqual([{ partition: 0, applied: 399n, end: 300n, reset: true }]);
    await waitFor('the new topic applied', () => w.worker.stats().accepted === 700, 90_000);
    expect(w.worker.stats().duplicates).toBe(0);
    expect(await metrics()).toMatch(/farmwatch_partitions_awaiting_offset_reset 0\b/);
    const counts = requestsByAccount(await snapshotWindows(c));
    for (let i = 0; i < 30; i++) expect(counts.get(`new-${i}`)).toBe(10);
    // A second reset finds nothing to do: the log now reaches past what was applied.
    expect((await resetOffsets(c, createLogger('warn'), 'all', false))[0]?.reset).toBe(false);
  }, 240_000);
});
