/**
 * The clusterer's tick emitter against a real broker: the instance that takes over fences the one
 * before it, whatever that one still holds in hand (a paused process wakes up and tries to send), and
 * learns the last tick that reached the topic. What a consumer reads is each tick's messages once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka, createTickEmitter, createTopicAdmin } from '../../src/kafka/kafkajs-adapter.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { readTopic, TEST_KAFKA_BROKERS, testKafka, uniqueName } from '../support/services.ts';

const topic = uniqueName('ticks');
const kafka = createKafka({ brokers: TEST_KAFKA_BROKERS, clientId: 'fwtest-emitter' }, createLogger('error'));
const opts = { transactionalId: `${topic}-txn`, progressGroup: `${topic}-progress`, progressTopic: topic };
const msg = (v: string) => ({ topic, message: { key: v, value: v } });

afterAll(async () => {
  const admin = testKafka().admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

describe('tick emitter (real Kafka)', () => {
  it('fences the earlier holder, which can no longer send, and resumes from the last tick sent', async () => {
    const admin = createTopicAdmin(kafka);
    await admin.ensureTopics([{ topic, partitions: 1 }]);
    await admin.disconnect();

    const a = createTickEmitter(kafka, opts);
    expect(await a.takeOver()).toBeNull();
    await a.emit(1_000, [msg('t1-a'), msg('t1-b')]);

    const b = createTickEmitter(kafka, opts);
    expect(await b.takeOver()).toBe(1_000);
    // `a` wakes up with tick 2 in hand: refused by the broker, nothing of it readable.
    await expect(a.emit(2_000, [msg('t2-zombie')])).rejects.toThrow(/epoch|fenced/i);
    await b.emit(2_000, [msg('t2')]);
    const c = createTickEmitter(kafka, opts);
    expect(await c.takeOver()).toBe(2_000);
    await c.disconnect();
    await a.disconnect().catch(() => undefined);
    await b.disconnect();

    const read = (await readTopic(testKafka(), topic)).map((m) => m.key);
    expect(read).toEqual(['t1-a', 't1-b', 't2']);
  });
});
