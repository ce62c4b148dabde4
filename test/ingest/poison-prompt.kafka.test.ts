/**
 * One prompt must not stall a partition: farm operators write the prompts. Before 2026-12-02 a single
 * 120 KB prompt of "ab-" repeated blocked the worker's event loop for ~64 s per attempt, the group
 * dropped the member, the commit failed, and the next attempt took the same batch: lag stuck for
 * minutes. Here a 1 MiB crafted prompt of every slow kind the template masks once had sits among
 * 10,000 ordinary events on a one-partition topic; the worker applies everything, keeps its
 * partition (no rebalance, no failed commit in its log) and its batches stay fast.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ADVERSARIAL_CASES, repeatToBytes } from '../../fixtures/adversarial-text.ts';
import { startWorker, type RunningWorker } from '../../src/cli/worker-command.ts';
import type { Config } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { validEvent } from '../support/events.ts';
import { cleanUp, createTopic, groupCaughtUp, produce, testConfig, testKafka, waitFor } from '../support/services.ts';

describe('a crafted 1 MiB prompt among ordinary events (real Kafka and Redis)', () => {
  let running: RunningWorker | undefined;
  let config: Config | undefined;

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    if (config) await cleanUp(config);
  });

  it('is applied like any other event, without a rebalance', async () => {
    config = testConfig();
    const c = config;
    const kafka = testKafka();
    await createTopic(kafka, c.inputTopic, 1);
    const messages: { key: string; value: string }[] = [];
    const poison = ['spaces', 'letters-dash', 'letter-dot', 'open-quote', 'capital-after-spaces', 'hex-uuid-like'];
    for (let i = 0; i < 10_000; i++) {
      const k = poison.indexOf(poison[Math.floor(i / 1500)] ?? '');
      if (i % 1500 === 700 && k >= 0) {
        const unit = ADVERSARIAL_CASES.find((x) => x.name === poison[k])?.unit as string;
        messages.push(
          validEvent(i, 100, {
            prompt: { text: repeatToBytes(unit, 1_000_000 - 2_000), system_text: repeatToBytes(unit, 1_000) },
          }),
        );
      } else messages.push(validEvent(i, 100));
    }
    expect(messages.filter((m) => Buffer.byteLength(m.value) > 900_000)).toHaveLength(poison.length);
    await produce(kafka, c.inputTopic, messages, 50);
    const lines: string[] = [];
    running = await startWorker(
      c,
      createLogger('info', (l) => lines.push(l)),
    );
    const w = running;
    const started = Date.now();
    await waitFor(
      'every event applied and committed',
      async () => w.worker.stats().accepted === 10_000 && (await groupCaughtUp(kafka, c.workerGroup, c.inputTopic)),
      60_000,
    );
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(w.worker.stats().invalid).toEqual({});
    const log = lines.join('\n');
    expect(log).not.toMatch(/rebalanc|not aware of this member|retrying the batch/i);
  });
});
