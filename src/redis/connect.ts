/**
 * The Redis connection: ioredis with our scripts registered, short per-command retries (the worker's
 * own loop waits for a restarted Redis; queued commands should not pile up unseen), and status logs.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { FarmwatchError } from '../errors/farmwatch-error.ts';
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
  /** The last connection error ioredis reported (ECONNREFUSED …), or null. */
  lastError(): string | null;
  close(): Promise<void>;
}

/** Where Redis is, for messages: the URL without user or password (a URL can carry them). */
export function describeRedisTarget(target: RedisTarget): string {
  if (target.redisClusterNodes.length > 0) return `REDIS_CLUSTER_NODES=${target.redisClusterNodes.join(',')}`;
  try {
    const u = new URL(target.redisUrl);
    return `REDIS_URL=${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'REDIS_URL';
  }
}

/**
 * For one-shot commands (backtest, reset-offsets): Redis must answer now, or the command stops with
 * one line naming the variable; services (worker, clusterer) instead wait for it and retry.
 */
export async function requireReachable(conn: RedisConnection, target: RedisTarget, timeoutMs = 5_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      conn.redis.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    conn.redis.disconnect();
    const why = conn.lastError() ?? (err instanceof Error ? err.message.split('\n')[0] : String(err));
    throw new FarmwatchError('REDIS_UNREACHABLE', `cannot reach Redis at ${describeRedisTarget(target)}: ${why}`);
  } finally {
    clearTimeout(timer);
  }
}

export function connectRedis(
  target: RedisTarget,
  log: Logger,
  opts: { lazy?: boolean; quietUntilReady?: boolean } = {},
): RedisConnection {
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
          {
            redisOptions: options,
            lazyConnect: opts.lazy ?? false,
            clusterRetryStrategy: (attempt) => Math.min(200 * attempt, 2_000),
            enableAutoPipelining: false,
          },
        )
      : new Redis(target.redisUrl, options);
  registerScripts(redis);
  let lastState = '';
  let closing = false;
  let wasReady = false;
  let lastError: string | null = null;
  const report = (state: string, fields: Record<string, string> = {}) => {
    if (state === 'ready') wasReady = true;
    // A one-shot command says in one line that Redis is unreachable; ioredis's errors before that are noise.
    if (opts.quietUntilReady === true && !wasReady) return;
    if (state === lastState) return;
    lastState = state;
    (state === 'ready' ? log.info : log.warn)(`redis ${state}`, fields);
  };
  redis.on('ready', () => report('ready'));
  redis.on('error', (err: Error) => {
    lastError = err.message;
    report('error', { error: err.message });
  });
  redis.on('end', () => {
    if (!closing) report('closed');
  });
  return {
    redis,
    isReady: () => redis.status === 'ready',
    lastError: () => lastError,
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
