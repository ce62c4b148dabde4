/**
 * The ingest path against the real broker and Redis: every valid event reaches Redis exactly once,
 * every invalid one is in the dead-letter topic with its reason, and the group's committed offsets
 * end at the end of the topic.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../../src/cli/worker-command.ts';
import { DLQ_HEADERS } from '../../src/ingest/dead-letter.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { requestsByAccount, snapshotWindows } from '../support/snapshot.ts';
import {
  cleanUp,
  createTopic,
  groupCaughtUp,
  produce,
  readTopic,
  testConfig,
  testKafka,
  waitFor,
  TEST_KAFKA_BROKERS,
} from '../support/services.ts';
import { invalidMessage, validEvent } from '../support/events.ts';
import type { Config } from '../../src/config/config.ts';

const run = promisify(execFile);

describe('worker ingest path (real Kafka and Redis)', () => {
  let running: RunningWorker | undefined;
  let config: Config | undefined;

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    if (config) await cleanUp(config);
  });

  async function accountCounts(c: Config): Promise<Map<string, number>> {
    return requestsByAccount(await snapshotWindows(c));
  }

  it('applies 10,000 events once each and dead-letters the 1% invalid with their reasons', async () => {
    config = testConfig({ FARMWATCH_MAX_EVENT_BYTES: '4096' });
    const kafka = testKafka();
    await createTopic(kafka, config.inputTopic, 3);
    const messages: { key: string; value: string }[] = [];
    const expected = new Map<string, number>();
    const expectedDead = new Map<string, string>();
    let valid = 0;
    for (let i = 0; i < 10_000; i++) {
      if (i % 100 === 37) {
        const bad = invalidMessage(i, 4096);
        messages.push(bad);
        expectedDead.set(bad.key, bad.reason);
      } else {
        const ev = validEvent(i, 500);
        messages.push(ev);
        expected.set(ev.accountId, (expected.get(ev.accountId) ?? 0) + 1);
        valid++;
      }
    }
    expect(expectedDead.size).toBe(100);
    await produce(kafka, config.inputTopic, messages);

    running = await startWorker(config, createLogger('warn'));
    const c = config;
    await waitFor('the group to commit the end of the topic', () => groupCaughtUp(kafka, c.workerGroup, c.inputTopic));

    const counts = await accountCounts(c);
    expect(counts).toEqual(expected);
    expect(running.worker.stats().accepted).toBe(valid);
    const base = `http://127.0.0.1:${running.ops.port}`;
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain(`farmwatch_events_total{outcome="accepted"} ${valid}`);
    expect(metrics).toContain('farmwatch_events_total{outcome="invalid"} 100');
    expect(metrics).toMatch(/farmwatch_dead_letter_messages_total\{reason="schema"\} \d+/);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    const dead = await readTopic(kafka, c.deadLetterTopic);
    expect(dead).toHaveLength(100);
    const seen = new Map(dead.map((d) => [d.key ?? '', d.headers[DLQ_HEADERS.reason]]));
    expect(seen).toEqual(expectedDead);
    for (const d of dead) {
      // The original bytes travel unchanged, with where they came from.
      const original = messages.find((m) => m.key === d.key);
      expect(d.value?.toString()).toBe(original?.value);
      expect(d.headers[DLQ_HEADERS.topic]).toBe(c.inputTopic);
      expect(d.headers[DLQ_HEADERS.detail]?.length).toBeGreaterThan(0);
    }
  });

  it('consumes a message produced by kcat, a Kafka client that is not ours', async () => {
    config = testConfig();
    const kafka = testKafka();
    await createTopic(kafka, config.inputTopic, 3);
    running = await startWorker(config, createLogger('warn'));
    const event = validEvent(1, 1, { account_id: 'kcat-account', event_id: 'kcat-1' });
    const c = config;
    // kcat reads one message per line from a file; -K sets the key delimiter.
    await new Promise<void>((resolve, reject) => {
      const child = execFile(
        'kcat',
        ['-P', '-b', TEST_KAFKA_BROKERS.join(','), '-t', c.inputTopic, '-K', '\t'],
        (err) => (err ? reject(err) : resolve()),
      );
      child.stdin?.end(`kcat-account\t${event.value}\n`);
    });
    await waitFor('the kcat message in Redis', async () => (await accountCounts(c)).get('kcat-account') === 1, 30_000);
    expect((await run('kcat', ['-V'])).stdout).toMatch(/kcat/);
  });
});
