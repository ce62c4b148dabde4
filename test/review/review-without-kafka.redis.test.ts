/**
 * `farmwatch review` needs only Redis to read: without Kafka it starts at once and serves the queue,
 * and confirming (which sends verification requests) answers 503 saying why, with nothing recorded.
 * It used to wait 27.8 s for Kafka and exit with a stack trace.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BackgroundProducer } from '../../src/kafka/background-producer.ts';
import type { MessageProducer, OutboundMessage } from '../../src/kafka/port.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { startReview } from '../../src/cli/review-command.ts';
import { deleteKeysWithPrefix } from '../../src/redis/delete-prefix.ts';
import { testConfig, testRedis } from '../support/services.ts';
import { TOKEN_ENTRIES, TOKENS, writeLargeCluster } from '../support/review-fixture.ts';

const redis = testRedis();
afterAll(() => redis.disconnect());

describe('review without Kafka', () => {
  it('starts at once and serves the queue read-only; confirming answers 503 and records nothing', async () => {
    const lines: string[] = [];
    const config = testConfig({
      KAFKA_BROKERS: '127.0.0.1:1',
      FARMWATCH_REVIEW_TOKENS: TOKEN_ENTRIES.join(','),
      FARMWATCH_REVIEW_PORT: '0',
    });
    const record = await writeLargeCluster(redis, config.redisPrefix, 5, config.inputTopic);
    const started = Date.now();
    const review = await startReview(
      config,
      createLogger('info', (l) => lines.push(l)),
    );
    try {
      expect(Date.now() - started).toBeLessThan(5_000);
      const get = await fetch(`${review.server.url}api/clusters`, {
        headers: { authorization: `Bearer ${TOKENS.viewer}` },
      });
      expect(get.status).toBe(200);
      expect(((await get.json()) as { total: number }).total).toBe(1);

      const confirm = await fetch(`${review.server.url}api/clusters/${record.id}/confirm`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKENS.analyst}`, 'content-type': 'application/json' },
        body: JSON.stringify({ note: 'farm' }),
      });
      expect(confirm.status).toBe(503);
      expect(((await confirm.json()) as { error: string }).error).toMatch(/Kafka is unavailable.*confirm again/);
      const after = await fetch(`${review.server.url}api/clusters/${record.id}`, {
        headers: { authorization: `Bearer ${TOKENS.viewer}` },
      });
      expect(((await after.json()) as { cluster: { status: string }; decision: unknown }).cluster.status).toBe('open');
    } finally {
      await review.stop();
      await deleteKeysWithPrefix(redis, config.redisPrefix);
    }
  });
});

describe('BackgroundProducer', () => {
  it('refuses to send until the connection succeeds, retrying in the background, then sends', async () => {
    const sent: OutboundMessage[] = [];
    let attempts = 0;
    const lines: string[] = [];
    const producer = new BackgroundProducer({
      log: createLogger('info', (l) => lines.push(l)),
      retryDelayMs: { min: 20, max: 40 },
      open: async (): Promise<MessageProducer> => {
        if (++attempts < 3) throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
        return {
          connect: async () => undefined,
          disconnect: async () => undefined,
          send: async (_t, m) => void sent.push(...m),
        };
      },
    });
    await producer.connect();
    await expect(producer.send('v', [{ key: 'a', value: '1' }])).rejects.toThrow(/Kafka is unavailable/);
    for (let i = 0; i < 100 && !producer.isConnected(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(attempts).toBe(3);
    await producer.send('v', [{ key: 'a', value: '1' }]);
    expect(sent).toHaveLength(1);
    // One warning when Kafka is first found away, one line when it is back; not one per attempt.
    expect(lines.filter((l) => l.includes('unreachable'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('is reachable'))).toHaveLength(1);
    await producer.disconnect();
  });
});
