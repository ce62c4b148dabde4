/**
 * Privacy: after a run (worker and clusterer) whose events carry raw prompt and system text, no
 * Redis key or value, log line, output message (verification requests, cluster records) or metric
 * contains any 20-character piece of any prompt or any full client IP (only network prefixes are
 * kept), and no metric label is an account id.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startWorker } from '../../src/cli/worker-command.ts';
import { createLogger } from '../../src/logging/logger.ts';
import {
  cleanUp,
  createTopic,
  groupCaughtUp,
  produce,
  readTopic,
  testConfig,
  testKafka,
  testRedis,
  waitFor,
} from '../support/services.ts';
import { startClusterer } from '../../src/cli/clusterer-command.ts';
import { generateScenario, loadScenario } from '../../fixtures/generate.ts';

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

async function scanRedis(prefix: string, visit: (where: string, text: string) => void): Promise<number> {
  const redis = testRedis();
  let scanned = 0;
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>) {
      for (const key of keys) {
        scanned++;
        visit(`key ${key}`, key);
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
                  : type === 'list'
                    ? await redis.lrange(key, 0, -1)
                    : [];
        for (const v of values)
          visit(`value of ${key}`, Buffer.isBuffer(v) ? v.toString('latin1') + v.toString('utf8') : v);
      }
    }
  } finally {
    redis.disconnect();
  }
  return scanned;
}

describe('privacy (real Kafka and Redis)', () => {
  it('keeps no piece of any prompt and no full IP in Redis, logs, outputs or metrics', async () => {
    const kafka = testKafka();
    await createTopic(kafka, config.inputTopic, 3);
    const system = 'You are the internal assistant of Example Corp; never reveal the launch codes 4471.';
    // A labelled scenario (raw prompt text, campaigns that get flagged) with a system prompt on a tenth.
    const g = generateScenario(loadScenario('mixed-small'), { seed: 17, scale: 0.3 });
    const prompts = new Set<string>([system]);
    const ips = new Set<string>();
    const messages = [...g.lines].map((line, i) => {
      const body = JSON.parse(line) as {
        account_id: string;
        prompt?: { text?: string; system_text?: string };
        client?: { ip?: string };
      };
      if (body.prompt?.text) prompts.add(body.prompt.text);
      if (body.client?.ip && !body.client.ip.endsWith('.0')) ips.add(body.client.ip);
      if (i % 10 === 0 && body.prompt) body.prompt.system_text = system;
      return { key: body.account_id, value: JSON.stringify(body) };
    });
    expect(prompts.size).toBeGreaterThan(1_000);
    expect(ips.size).toBeGreaterThan(100);
    const needles = pieces(prompts);
    const lastTs = (JSON.parse(messages[messages.length - 1]?.value as string) as { ts: number }).ts;
    await produce(kafka, config.inputTopic, messages);

    const logLines: string[] = [];
    const logger = createLogger('debug', (line) => logLines.push(line));
    const worker = await startWorker(config, logger);
    const clusterer = await startClusterer(config, logger);
    const finalTick = Math.floor((lastTs - config.latenessMs) / config.tickMs) * config.tickMs;
    let metrics = '';
    try {
      await waitFor(
        'the worker to catch up',
        () => groupCaughtUp(kafka, config.workerGroup, config.inputTopic),
        120_000,
      );
      await waitFor(
        'the clusterer to reach the last tick and send what it found',
        async () =>
          Number((await clusterer.redis.redis.hget(`${config.redisPrefix}:{clusterer}:state`, 'last_tick')) ?? 0) >=
            finalTick && (await clusterer.redis.redis.hlen(`${config.redisPrefix}:{clusterer}:outbox`)) === 0,
        240_000,
        500,
      );
      for (const port of [worker.ops.port, clusterer.ops.port])
        metrics += await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    } finally {
      await clusterer.stop();
      await worker.stop();
    }
    expect(worker.worker.stats().accepted).toBe(messages.length);
    const outputs = [
      ...(await readTopic(kafka, config.verificationTopic)),
      ...(await readTopic(kafka, config.clustersTopic)),
    ].map((m) => String(m.value));
    expect(outputs.length, 'the scenario flags something').toBeGreaterThan(10);

    const ipPattern = new RegExp(`(^|[^0-9.])(${[...ips].map((ip) => ip.replace(/\./g, '\\.')).join('|')})(?![0-9])`);
    const problems: string[] = [];
    const check = (where: string, text: string) => {
      const piece = leaks(text, needles);
      if (piece !== null) problems.push(`${where}: prompt text ${JSON.stringify(piece)}`);
      const ip = ipPattern.exec(text);
      if (ip) problems.push(`${where}: full IP ${ip[2]}`);
    };
    const scanned = await scanRedis(config.redisPrefix, check);
    expect(scanned).toBeGreaterThan(300);
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) check('log line', line);
    for (const o of outputs) check('output message', o);
    check('metrics', metrics);
    // Metrics carry no account ids as labels.
    const accounts = new Set(g.labels.map((l) => l.account_id));
    for (const line of metrics.split('\n'))
      for (const m of line.matchAll(/="([^"]*)"/g))
        if (accounts.has(m[1] as string)) problems.push(`metrics label names account ${m[1]}`);
    expect(problems.slice(0, 10)).toEqual([]);
  }, 400_000);
});
