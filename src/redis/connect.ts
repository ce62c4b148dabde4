/**
 * The Redis connection: ioredis with our scripts registered, short per-command retries (the worker's
 * own loop waits for a restarted Redis; queued commands should not pile up unseen), and status logs.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.ts';
import { registerScripts } from './scripts.ts';

export interface RedisConnection {
  readonly redis: Redis;
  isReady(): boolean;
  close(): Promise<void>;
}

export function connectRedis(url: string, log: Logger, opts: { lazy?: boolean } = {}): RedisConnection {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 2,
    enableAutoPipelining: false,
    lazyConnect: opts.lazy ?? false,
    connectTimeout: 3_000,
    retryStrategy: (attempt) => Math.min(200 * attempt, 2_000),
  });
  registerScripts(redis);
  let lastState = '';
  let closing = false;
  const report = (state: string, fields: Record<string, string> = {}) => {
    if (state === lastState) return;
    lastState = state;
    (state === 'ready' ? log.info : log.warn)(`redis ${state}`, fields);
  };
  redis.on('ready', () => report('ready'));
  redis.on('error', (err: Error) => report('error', { error: err.message }));
  redis.on('end', () => {
    if (!closing) report('closed');
  });
  return {
    redis,
    isReady: () => redis.status === 'ready',
    async close() {
      closing = true;
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}
