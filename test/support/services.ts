/** Addresses of the real services the integration tests use, and per-test isolation helpers. */
import { randomBytes } from 'node:crypto';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { configToEnv, parseConfig, type Config } from '../../src/config/config.ts';
import { createTopicsAndWait } from '../../src/kafka/kafkajs-adapter.ts';
import { deleteKeysWithPrefix } from '../../src/redis/delete-prefix.ts';

export const TEST_KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A loopback port nothing listens on right now (for a test's own Redis, broker or HTTP server). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Whether something on loopback could listen on `port` right now. */
async function canListen(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  const srv = createServer();
  const ok = await new Promise<boolean>((r) => {
    srv.once('error', () => r(false));
    srv.listen(port, '127.0.0.1', () => r(true));
  });
  if (ok) await new Promise((r) => srv.close(r));
  return ok;
}

/** A loopback port that is free together with the next one (a broker and its controller). */
export async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port < 60_000 && (await canListen(port + 1))) return port;
  }
}

export function uniqueName(kind: string): string {
  return `fwtest-${kind}-${randomBytes(5).toString('hex')}`;
}

/** A config whose topics, group and key prefix are this test's alone. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  const id = randomBytes(5).toString('hex');
  return parseConfig({
    KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
    REDIS_URL: TEST_REDIS_URL,
    FARMWATCH_INPUT_TOPIC: `fwtest-usage-${id}`,
    FARMWATCH_DLQ_TOPIC: `fwtest-dlq-${id}`,
    FARMWATCH_VERIFICATION_TOPIC: `fwtest-verification-${id}`,
    FARMWATCH_CLUSTERS_TOPIC: `fwtest-clusters-${id}`,
    FARMWATCH_WORKER_GROUP: `fwtest-group-${id}`,
    FARMWATCH_REDIS_PREFIX: `fwtest-${id}`,
    FARMWATCH_INPUT_PARTITIONS: '3',
    FARMWATCH_LOG_LEVEL: 'warn',
    FARMWATCH_HTTP_PORT: '0',
    ...overrides,
  });
}

/** Environment for a child `farmwatch` process with the same config. */
export const configEnv = configToEnv;

export function testKafka(): Kafka {
  return new Kafka({ clientId: 'fwtest', brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING });
}

export function testRedis(): Redis {
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 3 });
}

export async function produce(
  kafka: Kafka,
  topic: string,
  messages: { key: string; value: string | Buffer }[],
  batch = 1000,
): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += batch) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + batch) });
    }
  } finally {
    await producer.disconnect();
  }
}

export async function createTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsAndWait(admin, [{ topic, numPartitions: partitions }]);
  } finally {
    await admin.disconnect();
  }
}

/** Deletes this test's keys and topics. */
export async function cleanUp(c: Config): Promise<void> {
  const redis = testRedis();
  try {
    await deleteKeysWithPrefix(redis, c.redisPrefix);
  } finally {
    redis.disconnect();
  }
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const mine = [c.inputTopic, c.deadLetterTopic, c.verificationTopic, c.clustersTopic].filter((t) => existing.has(t));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Committed offsets of a group summed over partitions vs the topic's end offsets. A retriable broker error (the group's
 * coordinator moving while members join and leave: "This is not the correct coordinator for this group") is a "not
 * yet": `waitFor` asks again until its deadline. It failed the rebalance test now and then before.
 */
export async function groupCaughtUp(kafka: Kafka, groupId: string, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    return ends.every((e) => {
      const c = committed?.partitions.find((p) => p.partition === e.partition);
      return c !== undefined && BigInt(c.offset) === BigInt(e.high);
    });
  } catch (err) {
    if ((err as { retriable?: unknown }).retriable === true) return false;
    throw err;
  } finally {
    await admin.disconnect();
  }
}

export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Reads a whole topic from the beginning, until the end offsets seen at the start, as a consumer
 * reading committed messages sees it. Transaction markers take offsets too, so the end is reached by
 * position (kafkajs reports a batch's last offset including them), not by a count of messages.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
): Promise<{ key: string | null; value: Buffer | null; headers: Record<string, string>; partition: number }[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(
    ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high)] as const),
  );
  const out: { key: string | null; value: Buffer | null; headers: Record<string, string>; partition: number }[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: uniqueName('reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
          out.push({ key: message.key?.toString() ?? null, value: message.value, headers, partition: batch.partition });
        }
        const end = remaining.get(batch.partition);
        if (end !== undefined && BigInt(batch.lastOffset()) + 1n >= end) remaining.delete(batch.partition);
        if (remaining.size === 0) resolve();
      },
    });
  });
  await Promise.race([
    done,
    new Promise((_, rej) =>
      setTimeout(
        () =>
          rej(
            new Error(`read ${out.length} messages of ${topic}; not at their end: partitions ${[...remaining.keys()]}`),
          ),
        30_000,
      ),
    ),
  ]);
  await consumer.disconnect();
  return out;
}
