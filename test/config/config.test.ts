import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, configToEnv, parseConfig } from '../../src/config/config.ts';
import { DEFAULT_SERVER_LIMITS } from '../../src/review/http-api.ts';

describe('parseConfig', () => {
  it('gives the documented defaults for an empty environment, frozen', () => {
    const c = parseConfig({});
    expect(c.kafkaBrokers).toEqual(['127.0.0.1:9092']);
    expect(c.inputTopic).toBe('farmwatch.usage');
    expect(c.deadLetterTopic).toBe('farmwatch.usage.dlq');
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.maxFutureSkewMs).toBe(86_400_000);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('parses durations with units and broker lists', () => {
    const c = parseConfig({ FARMWATCH_MAX_FUTURE_SKEW: '2h', KAFKA_BROKERS: 'a:1, b:2' });
    expect(c.maxFutureSkewMs).toBe(7_200_000);
    expect(c.kafkaBrokers).toEqual(['a:1', 'b:2']);
  });

  it.each([
    ['KAFKA_BROKERS', 'localhost'],
    ['KAFKA_BROKERS', 'host:99999'],
    ['REDIS_URL', 'localhost:6379'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['FARMWATCH_INPUT_TOPIC', 'has space'],
    ['FARMWATCH_REDIS_PREFIX', 'a:b'],
    ['FARMWATCH_MAX_EVENT_BYTES', '12abc'],
    ['FARMWATCH_MAX_EVENT_BYTES', '10'],
    ['FARMWATCH_MAX_FUTURE_SKEW', '1 week'],
    ['FARMWATCH_LOG_LEVEL', 'verbose'],
    ['FARMWATCH_WORKER_CONCURRENCY', '0'],
  ])('stops on %s=%s with a message naming the variable', (name, value) => {
    expect(() => parseConfig({ [name]: value })).toThrow(
      new RegExp(`${name}(=| is invalid \\(value not shown).*expected`),
    );
  });

  it('reports every bad variable at once', () => {
    expect(() => parseConfig({ KAFKA_BROKERS: 'x', FARMWATCH_LOG_LEVEL: 'y' })).toThrow(
      /KAFKA_BROKERS[\s\S]*FARMWATCH_LOG_LEVEL/,
    );
  });

  it('the README table lists every variable with its default, and nothing else', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\| `([A-Z0-9_]+)` \| `([^`]*)` \|/gm)].map(
      (m) => [m[1] ?? '', m[2] ?? ''] as const,
    );
    const declared = Object.values(CONFIG_VARIABLES).map((v) => [v.name, v.default] as const);
    expect(new Map(rows)).toEqual(new Map(declared));
  });
});

describe('secrets in configuration errors', () => {
  it('never echoes a REDIS_URL, which may hold a password', () => {
    for (const bad of ['http://:hunter2-secret@redis:6379', 'redis//:hunter2-secret@redis']) {
      let message = '';
      try {
        parseConfig({ REDIS_URL: bad });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/REDIS_URL is invalid \(value not shown/);
      expect(message).not.toContain('hunter2');
    }
  });

  it('refuses one token given to two users, without showing it', () => {
    const token = 'a-long-enough-token-0123';
    let message = '';
    try {
      parseConfig({ FARMWATCH_REVIEW_TOKENS: `alice:viewer:${token},bob:admin:${token}` });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/FARMWATCH_REVIEW_TOKENS gives the same token to two users/);
    expect(message).not.toContain(token);
    expect(() => parseConfig({ FARMWATCH_REVIEW_TOKENS: `alice:viewer:${token},bob:admin:${token}x` })).not.toThrow();
  });
});

describe('configToEnv', () => {
  it('gives back the same config through parseConfig', () => {
    const c = parseConfig({
      KAFKA_BROKERS: 'a:1,b:2',
      FARMWATCH_TICK: '10m',
      FARMWATCH_DETECTOR_WEIGHTS: 'lockstep-timing=0.7',
      FARMWATCH_BAND_VERIFY: '0.6',
    });
    expect(parseConfig(configToEnv(c))).toEqual(c);
  });

  it('the review server limits are settings, with the server defaults', () => {
    const d = parseConfig({});
    expect({
      headersMs: d.reviewHeadersTimeoutMs,
      requestMs: d.reviewRequestTimeoutMs,
      idleMs: d.reviewIdleTimeoutMs,
      maxConnections: d.reviewMaxConnections,
    }).toEqual(DEFAULT_SERVER_LIMITS);
    const c = parseConfig({ FARMWATCH_REVIEW_HEADERS_TIMEOUT: '2s', FARMWATCH_REVIEW_MAX_CONNECTIONS: '16' });
    expect([c.reviewHeadersTimeoutMs, c.reviewMaxConnections]).toEqual([2_000, 16]);
    expect(() => parseConfig({ FARMWATCH_REVIEW_MAX_CONNECTIONS: '0' })).toThrow(/FARMWATCH_REVIEW_MAX_CONNECTIONS/);
  });
});
