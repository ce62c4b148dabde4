/** kafkajs's log lines reach ours at the right level: errors it retries by itself are not errors to an operator. */
import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { routeKafkaLog } from '../../src/kafka/kafkajs-adapter.ts';
import { createLogger } from '../../src/logging/logger.ts';

function route(level: logLevel, log: Record<string, unknown>): { level: string; msg: string; error?: string }[] {
  const lines: string[] = [];
  routeKafkaLog(createLogger('debug', (l) => lines.push(l)))({
    level,
    log: { timestamp: 'x', logger: 'kafkajs', ...log } as never,
  });
  return lines.map((l) => JSON.parse(l) as { level: string; msg: string; error?: string });
}

describe('kafkajs logs', () => {
  it('puts a coordinator that is not available yet (retried by kafkajs) at debug', () => {
    const [line] = route(logLevel.ERROR, {
      message: 'Response GroupCoordinator(key: 10, version: 2)',
      error: 'The group coordinator is not available',
      correlationId: 2,
    });
    expect(line).toMatchObject({
      level: 'debug',
      msg: 'Response GroupCoordinator(key: 10, version: 2)',
      error: 'The group coordinator is not available',
    });
  });

  it('puts the crash of a consumer on a coordinator that is still loading (kafkajs restarts it) at debug', () => {
    const [line] = route(logLevel.ERROR, {
      message:
        "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group",
      groupId: 'g',
      retryCount: 0,
    });
    expect(line?.level).toBe('debug');
  });

  it('keeps errors kafkajs does not retry at error, and warnings at warn', () => {
    expect(
      route(logLevel.ERROR, {
        message: 'Response Produce(key: 0, version: 7)',
        error: 'The request included a message larger than the max message size the server will accept',
      })[0]?.level,
    ).toBe('error');
    expect(route(logLevel.ERROR, { message: 'Crash: KafkaJSNumberOfRetriesExceeded' })[0]?.level).toBe('error');
    expect(route(logLevel.WARN, { message: 'Connection timeout' })[0]?.level).toBe('warn');
  });
});
