/** Logs read by a person at a terminal, and by a collector everywhere else. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.ts';
import { createLogger, resolveLogFormat } from '../../src/logging/logger.ts';

describe('logger', () => {
  it('writes one JSON object per line by default, with the fields of its parents', () => {
    const lines: string[] = [];
    createLogger('info', (l) => lines.push(l))
      .child({ component: 'worker' })
      .warn('partition held', { partition: 3 });
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'warn',
      msg: 'partition held',
      component: 'worker',
      partition: 3,
    });
  });

  it('writes a readable line in text format: time of day, level, message, fields quoted when they hold spaces', () => {
    const lines: string[] = [];
    const log = createLogger('debug', (l) => lines.push(l), {}, 'text').child({ component: 'kafkajs' });
    log.error('consumer crashed', { error: 'The coordinator is loading', retries: 2, skipped: undefined });
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR consumer crashed {2}/);
    expect(lines[0]?.slice(13)).toBe(
      'ERROR consumer crashed  component=kafkajs  error="The coordinator is loading"  retries=2',
    );
  });

  it('keeps what is below its level out, in both formats', () => {
    const lines: string[] = [];
    createLogger('warn', (l) => lines.push(l), {}, 'text').info('joined consumer group');
    createLogger('warn', (l) => lines.push(l)).debug('fetch');
    expect(lines).toEqual([]);
  });

  it('picks text on a terminal and JSON elsewhere unless FARMWATCH_LOG_FORMAT says', () => {
    expect(resolveLogFormat('auto', true)).toBe('text');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('text', false)).toBe('text');
    expect(parseConfig({}).logFormat).toBe('auto');
    expect(() => parseConfig({ FARMWATCH_LOG_FORMAT: 'yaml' })).toThrow(
      /FARMWATCH_LOG_FORMAT.*one of auto, json, text/,
    );
  });
});
