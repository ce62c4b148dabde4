/**
 * When kafkajs gives up on a consumer (a crash it will not restart, as "Failed to find group
 * coordinator" when the broker goes away mid-rebalance), the adapter starts a new one in its place.
 * kafkajs is replaced by a fake that records what the adapter asks of it.
 */
import { describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { createBatchConsumer } from '../../src/kafka/kafkajs-adapter.ts';
import type { InboundBatch } from '../../src/kafka/port.ts';
import { createLogger } from '../../src/logging/logger.ts';

type Listener = (e: { payload: Record<string, unknown> }) => void;

class FakeConsumer {
  readonly events = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' };
  readonly listeners = new Map<string, Listener>();
  runConfig: { eachBatch: (p: unknown) => Promise<void> } | null = null;
  disconnected = false;
  constructor(private readonly failConnect: boolean) {}
  on(event: string, fn: Listener): void {
    this.listeners.set(event, fn);
  }
  async connect(): Promise<void> {
    if (this.failConnect) throw new Error('connect ECONNREFUSED');
  }
  async subscribe(): Promise<void> {}
  async run(config: { eachBatch: (p: unknown) => Promise<void> }): Promise<void> {
    this.runConfig = config;
  }
  async disconnect(): Promise<void> {
    this.disconnected = true;
  }
  crash(restart: boolean): void {
    this.listeners.get(this.events.CRASH)?.({
      payload: { error: new Error('KafkaJSNonRetriableError: Failed to find group coordinator'), restart },
    });
  }
}

function fakeKafka(failConnects = 0): { kafka: Pick<Kafka, 'consumer'>; made: FakeConsumer[] } {
  const made: FakeConsumer[] = [];
  const kafka = {
    consumer: () => made[made.push(new FakeConsumer(made.length > 0 && made.length <= failConnects)) - 1],
  } as unknown as Pick<Kafka, 'consumer'>;
  return { kafka, made };
}

const opts = { groupId: 'g', topics: ['t'], concurrency: 1, sessionTimeoutMs: 30_000 };
const lines: string[] = [];
const log = createLogger('info', (l) => lines.push(l));
const delays = { first: 5, max: 20 };
const settle = (predicate: () => boolean) =>
  new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 2_000;
    const poll = () =>
      predicate() ? resolve() : Date.now() > deadline ? reject(new Error('timed out')) : setTimeout(poll, 2);
    poll();
  });

describe('consumer relaunch', () => {
  it(
    'starts a new consumer when kafkajs gives up on one, retrying while the broker is away, and the new one ' +
      'delivers batches',
    async () => {
      const { kafka, made } = fakeKafka(2);
      const batches: InboundBatch[] = [];
      const consumer = createBatchConsumer(kafka, opts, log, delays);
      await consumer.start(async (b) => void batches.push(b));
      made[0]?.crash(false);
      // Two attempts fail to connect; the third runs.
      await settle(() => made.length === 4 && made[3]?.runConfig !== null);
      expect(made[0]?.disconnected).toBe(true);
      expect(lines.some((l) => l.includes('could not start a new consumer; trying again'))).toBe(true);
      const committed: unknown[] = [];
      await made[3]?.runConfig?.eachBatch({
        batch: {
          topic: 't',
          partition: 0,
          highWatermark: '2',
          messages: [{ offset: '1', key: null, value: Buffer.from('{}'), headers: {} }],
          lastOffset: () => '1',
        },
        resolveOffset: () => undefined,
        heartbeat: async () => undefined,
        isRunning: () => true,
        isStale: () => false,
        commitOffsetsIfNecessary: async (o: unknown) => void committed.push(o),
      });
      expect(batches.map((b) => b.messages.map((m) => m.offset))).toEqual([['1']]);
      expect(committed).toEqual([{ topics: [{ topic: 't', partitions: [{ partition: 0, offset: '2' }] }] }]);
      await consumer.stop();
    },
  );

  it('leaves a crash kafkajs restarts itself to kafkajs, and starts nothing once stopping', async () => {
    const { kafka, made } = fakeKafka();
    const consumer = createBatchConsumer(kafka, opts, log, delays);
    await consumer.start(async () => undefined);
    made[0]?.crash(true);
    await new Promise((r) => setTimeout(r, 30));
    expect(made).toHaveLength(1);
    await consumer.stop();
    made[0]?.crash(false);
    await new Promise((r) => setTimeout(r, 30));
    expect(made).toHaveLength(1);
  });
});
