/**
 * The kafkajs implementation of the port in port.ts. Everything kafkajs-specific stays here:
 * manual commits (autoCommit off, offsets resolved by hand) so that an offset is committed only after
 * the handler's writes are acknowledged; heartbeats during long batches; kafkajs logs routed to ours.
 */
import {
  Kafka,
  Partitioners,
  logLevel as KafkaLogLevel,
  type Consumer,
  type EachBatchPayload,
  type Producer,
  type Transaction,
  type Admin,
  type LogEntry,
} from 'kafkajs';
import { createRequire } from 'node:module';
import type { Logger } from '../logging/logger.ts';
import type {
  BatchConsumer,
  BatchHandler,
  InboundMessage,
  MessageProducer,
  OutboundMessage,
  PartitionAssignment,
  TickEmitter,
  TopicAdmin,
  TopicSpec,
} from './port.ts';

export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
}

/**
 * Messages of the protocol errors kafkajs itself retries (coordinator moving or loading, leader
 * election, rebalance), from its own error table. kafkajs logs each at error level as it retries: on a
 * fresh broker "The group coordinator is not available" appeared in the demo's output though nothing
 * was wrong. They go to debug; an error that is not retried stays an error.
 */
const RETRIABLE_MESSAGES: ReadonlySet<string> = new Set(
  (
    createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as {
      errorCodes: readonly { message: string; retriable: boolean }[];
    }
  ).errorCodes
    .filter((e) => e.retriable)
    .map((e) => e.message),
);

/** Whether a kafkajs line reports an error it retries: in its `error` field, or as the end of a "Crash: …" message. */
function retried(error: unknown, message: string): boolean {
  // Said at every clusterer takeover: exactly-once there rests on the outbox and the transaction's
  // recorded tick (clusterer-service.ts), not on the producer retrying forever.
  if (message.startsWith('Limiting retries for the idempotent producer')) return true;
  if (typeof error === 'string' && RETRIABLE_MESSAGES.has(error)) return true;
  const colon = message.startsWith('Crash: ') ? message.indexOf(': ', 7) : -1;
  return colon > 0 && RETRIABLE_MESSAGES.has(message.slice(colon + 2));
}

/** kafkajs log entries as our log lines, at our levels. */
export function routeKafkaLog(kafkaLog: Logger): (entry: Pick<LogEntry, 'level' | 'log'>) => void {
  return ({ level, log: entry }) => {
    const {
      message,
      timestamp: _t,
      logger: _l,
      ...rest
    } = entry as { message: string; timestamp?: string; logger?: string } & Record<string, unknown>;
    const fields = Object.fromEntries(
      Object.entries(rest).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : (v as string)]),
    );
    if (retried(rest.error, message)) kafkaLog.debug(message, fields);
    else if (level <= KafkaLogLevel.ERROR) kafkaLog.error(message, fields);
    else if (level === KafkaLogLevel.WARN) kafkaLog.warn(message, fields);
    else kafkaLog.debug(message, fields);
  };
}

export function createKafka(conn: KafkaConnection, log: Logger): Kafka {
  const kafkaLog = log.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: conn.clientId,
    brokers: [...conn.brokers],
    connectionTimeout: 3_000,
    // Retries stay short so that a broker restart shows as a paused worker, not a hang.
    retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 5_000 },
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => routeKafkaLog(kafkaLog),
  });
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** How many partitions' batches are handled at once. */
  readonly concurrency: number;
  readonly maxBytesPerPartition?: number;
  readonly fromBeginning?: boolean;
  /** How long the group waits for a silent member (a killed worker) before moving its partitions. */
  readonly sessionTimeoutMs: number;
}

/** Delays before starting a new consumer after kafkajs gave up on one, doubling up to the last. */
const RELAUNCH_DELAYS_MS = { first: 500, max: 10_000 };

/**
 * kafkajs restarts a crashed consumer only when the error is retriable. A broker that goes away while
 * the group is rebalancing ends in "Failed to find group coordinator", which is not: kafkajs stops for
 * good and the worker would sit idle with the broker back (seen in the kafka-restart test). So when
 * kafkajs gives up, a new consumer joins the group in its place, retrying until the broker answers.
 */
export function createBatchConsumer(
  kafka: Pick<Kafka, 'consumer'>,
  opts: ConsumerOptions,
  log: Logger,
  delays = RELAUNCH_DELAYS_MS,
): BatchConsumer {
  let consumer: Consumer | null = null;
  let assigned = 0;
  let stopping = false;
  let relaunch: NodeJS.Timeout | undefined;

  const eachBatch =
    (handler: BatchHandler) =>
    async ({
      batch,
      resolveOffset,
      heartbeat,
      isRunning,
      isStale,
      commitOffsetsIfNecessary,
    }: EachBatchPayload): Promise<void> => {
      if (batch.messages.length === 0) return;
      const messages: InboundMessage[] = batch.messages.map((m) => ({
        topic: batch.topic,
        partition: batch.partition,
        offset: m.offset,
        key: m.key,
        value: m.value,
        headers: m.headers ?? {},
      }));
      const control = { heartbeat, isActive: () => !stopping && isRunning() && !isStale() };
      await handler(
        { topic: batch.topic, partition: batch.partition, messages, highWatermark: batch.highWatermark },
        control,
      );
      const last = batch.lastOffset();
      resolveOffset(last);
      // Not consumer.commitOffsets(): kafkajs drops that call silently once disconnect() has begun,
      // which left the last batch of every SIGTERM applied but uncommitted. The batch's own
      // commit goes straight to the group.
      await commitOffsetsIfNecessary({
        topics: [
          { topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] },
        ],
      });
    };

  let onAssigned: ((partitions: readonly PartitionAssignment[]) => void) | undefined;
  const launch = async (handler: BatchHandler): Promise<void> => {
    const c = kafka.consumer({
      groupId: opts.groupId,
      sessionTimeout: opts.sessionTimeoutMs,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: opts.maxBytesPerPartition ?? 4 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
      maxWaitTimeInMs: 200,
    });
    consumer = c;
    c.on(c.events.GROUP_JOIN, (e) => {
      assigned = Object.values(e.payload.memberAssignment).reduce((n, parts) => n + parts.length, 0);
      log.info('joined consumer group', { group: opts.groupId, partitions: assigned });
      onAssigned?.(
        Object.entries(e.payload.memberAssignment).flatMap(([topic, parts]) =>
          parts.map((partition) => ({ topic, partition })),
        ),
      );
    });
    c.on(c.events.CRASH, (e) => {
      assigned = 0;
      if (e.payload.restart) log.warn('consumer crashed; kafkajs restarts it', { error: String(e.payload.error) });
      else if (!stopping && consumer === c) {
        log.error('consumer crashed and kafkajs gave up on it; starting a new one', { error: String(e.payload.error) });
        later(handler, delays.first);
      }
    });
    await c.connect();
    for (const topic of opts.topics) await c.subscribe({ topic, fromBeginning: opts.fromBeginning ?? true });
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: opts.concurrency,
      eachBatch: eachBatch(handler),
    });
  };

  const later = (handler: BatchHandler, delayMs: number): void => {
    relaunch = setTimeout(() => {
      if (stopping) return;
      const old = consumer;
      void (async () => {
        await old?.disconnect().catch(() => undefined);
        if (stopping) return;
        try {
          await launch(handler);
          log.info('a new consumer is running', { group: opts.groupId });
        } catch (err) {
          const next = Math.min(delayMs * 2, delays.max);
          log.error('could not start a new consumer; trying again', { error: String(err), retry_in_ms: next });
          later(handler, next);
        }
      })();
    }, delayMs);
  };

  return {
    start: (handler: BatchHandler, assignedHook?: (partitions: readonly PartitionAssignment[]) => void) => {
      onAssigned = assignedHook;
      return launch(handler);
    },
    async stop() {
      stopping = true;
      clearTimeout(relaunch);
      await consumer?.disconnect();
      assigned = 0;
    },
    assignedPartitions: () => assigned,
  };
}

export function createProducer(kafka: Kafka): MessageProducer {
  const producer: Producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  return {
    connect: () => producer.connect(),
    send: (topic: string, messages: readonly OutboundMessage[]) => sendInChunks(producer, topic, messages),
    disconnect: () => producer.disconnect(),
  };
}

const SEND_BUDGET_BYTES = 512 * 1024;

/**
 * Sends through a producer or a transaction in requests under the budget: the broker refuses a request
 * over its message size limit (1 MB by default), and a batch of dead letters of large messages would
 * otherwise fail forever, and stall the worker with it.
 */
async function sendInChunks(
  sender: Pick<Producer, 'send'> | Pick<Transaction, 'send'>,
  topic: string,
  messages: readonly OutboundMessage[],
): Promise<void> {
  for (const chunk of chunksUnder(messages, SEND_BUDGET_BYTES)) {
    await sender.send({
      topic,
      acks: -1,
      messages: chunk.map((m) => ({ key: m.key, value: m.value, ...(m.headers ? { headers: { ...m.headers } } : {}) })),
    });
  }
}

function sizeOf(m: OutboundMessage): number {
  let n = 64 + (m.key?.length ?? 0) + m.value.length;
  for (const [k, v] of Object.entries(m.headers ?? {})) n += k.length + v.length + 8;
  return n;
}

/** Consecutive runs of messages whose sizes add up to at most `budget` (a larger message goes alone). */
export function chunksUnder(messages: readonly OutboundMessage[], budget: number): OutboundMessage[][] {
  const out: OutboundMessage[][] = [];
  let current: OutboundMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = sizeOf(m);
    if (current.length > 0 && bytes + size > budget) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

export function createTopicAdmin(kafka: Kafka): TopicAdmin {
  const admin: Admin = kafka.admin();
  let connected: Promise<void> | undefined;
  const ready = () => (connected ??= admin.connect());
  return {
    async ensureTopics(topics: readonly TopicSpec[]) {
      await ready();
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t.topic));
      if (missing.length === 0) return;
      await createTopicsAndWait(
        admin,
        missing.map((t) => ({
          topic: t.topic,
          numPartitions: t.partitions,
          replicationFactor: -1,
          ...(t.maxMessageBytes
            ? { configEntries: [{ name: 'max.message.bytes', value: String(t.maxMessageBytes) }] }
            : {}),
        })),
      );
    },
    async committedOffsets(groupId: string, topic: string) {
      await ready();
      const res = await admin.fetchOffsets({ groupId, topics: [topic] });
      const out = new Map<number, bigint>();
      for (const p of res[0]?.partitions ?? []) out.set(p.partition, BigInt(p.offset));
      return out;
    },
    async endOffsets(topic: string) {
      await ready();
      const res = await admin.fetchTopicOffsets(topic);
      return new Map(res.map((p) => [p.partition, BigInt(p.high)]));
    },
    async disconnect() {
      if (connected) await admin.disconnect();
    },
  };
}

/**
 * Creates topics and waits until every partition has a leader. kafkajs's own wait (`waitForLeaders`)
 * retries only "leader not available"; a KRaft broker (Kafka 4.4.0 here, on its first topics) can
 * answer the metadata request that follows with "this server does not host this topic-partition"
 * for a moment, and kafkajs then throws from a creation that succeeded.
 */
export async function createTopicsAndWait(
  admin: Admin,
  topics: Parameters<Admin['createTopics']>[0]['topics'],
  timeoutMs = 30_000,
): Promise<void> {
  await admin.createTopics({ waitForLeaders: false, topics });
  const names = topics.map((t) => t.topic);
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics: names });
      if (
        meta.topics.length === names.length &&
        meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
      )
        return;
    } catch (err) {
      const type = (err as { type?: string }).type;
      if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw err;
    }
    if (Date.now() > deadline)
      throw new Error(`topics ${names.join(', ')} have no leader ${timeoutMs} ms after their creation`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

export interface TickEmitterOptions {
  /** Shared by every clusterer of a deployment: the broker fences all but the newest producer with it. */
  readonly transactionalId: string;
  /** A group whose committed offset on `progressTopic` partition 0 is the last tick emitted. */
  readonly progressGroup: string;
  readonly progressTopic: string;
}

/**
 * Kafka transactions with one transactional id: a new holder's first transaction bumps the producer
 * epoch, which aborts whatever an earlier holder left open and makes every later send of that holder
 * fail (INVALID_PRODUCER_EPOCH), however long it was paused. The tick is recorded in the same
 * transaction as a consumer-group offset (`sendOffsets`), so "sent" and "recorded as sent" are one.
 * Readers of the output topics read committed messages only (kafkajs's default), and see each once.
 */
export function createTickEmitter(kafka: Kafka, opts: TickEmitterOptions): TickEmitter {
  let producer: Producer | null = null;
  const admin = kafka.admin();
  let adminConnected = false;
  return {
    async takeOver() {
      await producer?.disconnect().catch(() => undefined);
      producer = kafka.producer({
        transactionalId: opts.transactionalId,
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
      });
      await producer.connect();
      // The first transaction initialises the producer id: this is what fences the earlier holder.
      await (await producer.transaction()).abort();
      if (!adminConnected) {
        await admin.connect();
        adminConnected = true;
      }
      const [offsets] = await admin.fetchOffsets({ groupId: opts.progressGroup, topics: [opts.progressTopic] });
      const committed = offsets?.partitions.find((p) => p.partition === 0)?.offset;
      return committed === undefined || Number(committed) < 0 ? null : Number(committed);
    },
    async emit(tickMs, messages) {
      if (producer === null) throw new Error('the tick emitter has not taken over');
      const txn = await producer.transaction();
      try {
        const byTopic = new Map<string, OutboundMessage[]>();
        for (const { topic, message } of messages) {
          const list = byTopic.get(topic);
          if (list === undefined) byTopic.set(topic, [message]);
          else list.push(message);
        }
        for (const [topic, list] of byTopic) await sendInChunks(txn, topic, list);
        await txn.sendOffsets({
          consumerGroupId: opts.progressGroup,
          topics: [{ topic: opts.progressTopic, partitions: [{ partition: 0, offset: String(tickMs) }] }],
        });
        await txn.commit();
      } catch (err) {
        await txn.abort().catch(() => undefined);
        throw err;
      }
    },
    async disconnect() {
      await producer?.disconnect();
      producer = null;
      if (adminConnected) await admin.disconnect();
      adminConnected = false;
    },
  };
}
