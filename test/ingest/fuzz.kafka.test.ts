/**
 * Poison and fuzz: 100,000 generated malformed messages mixed into a valid stream (with duplicate
 * event ids among the valid ones) through a worker process. The worker must neither crash nor
 * stall; every bad message must be in the dead-letter topic with a reason it can have; every good
 * event must be counted exactly once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Random } from '../../fixtures/random.ts';
import { DLQ_HEADERS } from '../../src/ingest/dead-letter.ts';
import type { Config } from '../../src/config/config.ts';
import {
  cleanUp,
  configEnv,
  createTopic,
  groupCaughtUp,
  produce,
  testConfig,
  testKafka,
  uniqueName,
  waitFor,
} from '../support/services.ts';
import { requestsByAccount, snapshotWindows } from '../support/snapshot.ts';
import { spawnFarmwatch, waitForOutput, type FarmwatchProcess } from '../support/process.ts';
import { fuzzMessage, type FuzzMessage } from '../support/fuzz.ts';
import { validEvent } from '../support/events.ts';

const BAD = 100_000;
const GOOD = 20_000;
const DUPLICATES = 4_000;
const MAX_BYTES = 8_192;
let config: Config;
let worker: FarmwatchProcess | undefined;

afterAll(async () => {
  if (worker && worker.child.exitCode === null) worker.child.kill('SIGKILL');
  if (config) await cleanUp(config);
});

/** Reads a whole topic by batches (100,000 messages in seconds, where one at a time takes minutes). */
async function readAll(topic: string, expected: number): Promise<{ key: string; reason: string; detail: string }[]> {
  const kafka = testKafka();
  const consumer = kafka.consumer({ groupId: uniqueName('dlq-reader'), maxBytes: 64 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const out: { key: string; reason: string; detail: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${out.length}/${expected} of ${topic}`)), 180_000);
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages)
          out.push({
            key: m.key?.toString() ?? '',
            reason: String(m.headers?.[DLQ_HEADERS.reason] ?? ''),
            detail: String(m.headers?.[DLQ_HEADERS.detail] ?? ''),
          });
        if (out.length >= expected) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return out;
}

describe('poison and fuzz (real Kafka and Redis, worker process)', () => {
  it('dead-letters 100,000 malformed messages with their reasons and counts every valid event once', async () => {
    config = testConfig({
      FARMWATCH_MAX_EVENT_BYTES: String(MAX_BYTES),
      FARMWATCH_INPUT_PARTITIONS: '3',
      FARMWATCH_LOG_LEVEL: 'info',
    });
    const kafka = testKafka();
    await createTopic(kafka, config.inputTopic, 3);
    const r = new Random(20261126);
    const bad = new Map<string, FuzzMessage>();
    const expected = new Map<string, number>();
    const goods: { key: string; value: string }[] = [];
    for (let i = 0; i < GOOD; i++) {
      const ev = validEvent(i, 2_000);
      goods.push(ev);
      expected.set(ev.accountId, (expected.get(ev.accountId) ?? 0) + 1);
    }
    const messages: { key: string; value: string | Buffer }[] = [];
    let g = 0;
    for (let i = 0; i < BAD; i++) {
      const m = fuzzMessage(r, i, MAX_BYTES);
      bad.set(m.key, m);
      messages.push({ key: m.key, value: m.value });
      if (i % 5 === 0 && g < GOOD) messages.push(goods[g++] as { key: string; value: string });
    }
    while (g < GOOD) messages.push(goods[g++] as { key: string; value: string });
    // Redeliveries of valid events by the producer: same event ids, never counted twice.
    for (let i = 0; i < DUPLICATES; i++) messages.push(goods[r.int(0, GOOD - 1)] as { key: string; value: string });
    // Small requests: the broker refuses a produce request over 1 MB, and some of these are 10 KB.
    await produce(kafka, config.inputTopic, messages, 50);

    worker = spawnFarmwatch(['worker'], configEnv(config));
    await waitForOutput(worker, /worker consuming/, 60_000);
    const started = Date.now();
    const c = config;
    await waitFor(
      'the worker to commit the whole topic',
      () => groupCaughtUp(kafka, c.workerGroup, c.inputTopic),
      300_000,
      500,
    );
    const seconds = (Date.now() - started) / 1000;
    expect(worker.child.exitCode, 'the worker is still running').toBeNull();

    const dead = await readAll(c.deadLetterTopic, BAD);
    expect(dead).toHaveLength(BAD);
    const wrong: string[] = [];
    const byKind = new Map<string, Map<string, number>>();
    for (const d of dead) {
      const m = bad.get(d.key);
      if (!m) {
        wrong.push(`${d.key}: not a fuzz message`);
        continue;
      }
      if (!m.reasons.includes(d.reason as FuzzMessage['reasons'][number]))
        wrong.push(`${d.key} (${m.kind}): reason ${d.reason} (${d.detail})`);
      const kinds = byKind.get(m.kind) ?? new Map<string, number>();
      kinds.set(d.reason, (kinds.get(d.reason) ?? 0) + 1);
      byKind.set(m.kind, kinds);
      expect(d.detail.length).toBeGreaterThan(0);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(new Set(dead.map((d) => d.key)).size).toBe(BAD);

    const counts = requestsByAccount(await snapshotWindows(c));
    expect(counts).toEqual(expected);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    console.log(
      `fuzz: ${BAD} malformed + ${GOOD} valid + ${DUPLICATES} duplicates in ${seconds.toFixed(1)} s; dead letters by ` +
        `kind and reason: ` +
        `${JSON.stringify(Object.fromEntries([...byKind].map(([k, v]) => [k, Object.fromEntries(v)])))}`,
    );
  }, 600_000);
});
