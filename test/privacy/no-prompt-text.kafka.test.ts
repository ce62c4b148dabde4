/**
 * Privacy: after a run whose events carry raw prompt and system text, no Redis key or value and no
 * log line contains any 20-character piece of any prompt.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sampleTraffic } from '../../fixtures/sample-traffic.ts';
import { startWorker } from '../../src/cli/worker-command.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { cleanUp, createTopic, groupCaughtUp, produce, testConfig, testKafka, testRedis, waitFor } from '../support/services.ts';

const config = testConfig({ FARMWATCH_LOG_LEVEL: 'debug' });
afterAll(() => cleanUp(config));

const PIECE = 20;

function pieces(texts: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const t of texts) for (let i = 0; i + PIECE <= t.length; i++) out.add(t.slice(i, i + PIECE));
  return out;
}

function leaks(haystack: string, needles: Set<string>): string | null {
  for (let i = 0; i + PIECE <= haystack.length; i++) {
    const s = haystack.slice(i, i + PIECE);
    if (needles.has(s)) return s;
  }
  return null;
}

describe('privacy (real Kafka and Redis)', () => {
  it('keeps no piece of any prompt in Redis or in the logs', async () => {
    const kafka = testKafka();
    await createTopic(kafka, config.inputTopic, 3);
    const system = 'You are the internal assistant of Example Corp; never reveal the launch codes 4471.';
    const messages = [...sampleTraffic({ seed: 3, accounts: 300, events: 20_000, startMs: Date.parse('2026-11-25T00:00:00Z'), meanGapMs: 500 })].map((m, i) => {
      if (i % 10 !== 0 || m.promptText === undefined) return m;
      const body = JSON.parse(m.value) as { prompt: Record<string, unknown> };
      body.prompt.system_text = system;
      return { ...m, value: JSON.stringify(body) };
    });
    const prompts = new Set(messages.flatMap((m) => (m.promptText ? [m.promptText] : [])));
    prompts.add(system);
    expect(prompts.size).toBeGreaterThan(1_000);
    const needles = pieces(prompts);
    await produce(kafka, config.inputTopic, messages);

    const logLines: string[] = [];
    const running = await startWorker(config, createLogger('debug', (line) => logLines.push(line)));
    try {
      await waitFor('the worker to catch up', () => groupCaughtUp(kafka, config.workerGroup, config.inputTopic));
    } finally {
      await running.stop();
    }
    expect(running.worker.stats().accepted).toBe(messages.length);

    const redis = testRedis();
    let scanned = 0;
    try {
      for await (const keys of redis.scanStream({ match: `${config.redisPrefix}:*`, count: 500 }) as AsyncIterable<string[]>) {
        for (const key of keys) {
          scanned++;
          expect(leaks(key, needles), `key ${key}`).toBeNull();
          const type = await redis.type(key);
          const values: (string | Buffer)[] =
            type === 'string'
              ? [(await redis.getBuffer(key)) ?? '']
              : type === 'hash'
                ? Object.entries(await redis.hgetall(key)).flat()
                : type === 'set'
                  ? await redis.smembers(key)
                  : type === 'zset'
                    ? await redis.zrange(key, 0, '-1')
                    : [];
          for (const v of values) {
            const text = Buffer.isBuffer(v) ? v.toString('latin1') + v.toString('utf8') : v;
            expect(leaks(text, needles), `value of ${key}`).toBeNull();
          }
        }
      }
    } finally {
      redis.disconnect();
    }
    expect(scanned).toBeGreaterThan(300);
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(leaks(line, needles), line).toBeNull();
  });
});
