/**
 * The Redis connection: ioredis with our scripts registered, short per-command retries (the worker's
 * own loop waits for a restarted Redis; queued commands should not pile up unseen), and status logs.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logging/logger.ts';
import type { RedisClient } from './client.ts';
import { registerScripts } from './scripts.ts';

/** Where Redis is: a URL, or the seed nodes of a Redis Cluster (which then wins). */
export interface RedisTarget {
  readonly redisUrl: string;
  readonly redisClusterNodes: readonly string[];
}

export interface RedisConnection {
  readonly redis: RedisClient;
  isReady(): boolean;
  close(): Promise<void>;
}

export function connectRedis(target: RedisTarget, log: Logger, opts: { lazy?: boolean } = {}): RedisConnection {
  const options: RedisOptions = {
    maxRetriesPerRequest: 2,
    enableAutoPipelining: false,
    lazyConnect: opts.lazy ?? false,
    connectTimeout: 3_000,
    retryStrategy: (attempt) => Math.min(200 * attempt, 2_000),
  };
  const redis: RedisClient =
    target.redisClusterNodes.length > 0
      ? new Cluster(
          target.redisClusterNodes.map((n) => {
            const i = n.lastIndexOf(':');
            return { host: n.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(n.slice(i + 1)) };
          }),
          { redisOptions: options, lazyConnect: opts.lazy ?? false, clusterRetryStrategy: (attempt) => Math.min(200 * attempt, 2_000), enableAutoPipelining: false },
        )
      : new Redis(target.redisUrl, options);
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
