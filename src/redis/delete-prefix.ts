/** Removes every key of a key prefix (backtests, demos, tests, benchmarks clean up after themselves). */
import type { Redis } from 'ioredis';

export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  let n = 0;
  for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 2000 }) as AsyncIterable<string[]>) {
    if (keys.length === 0) continue;
    n += await redis.unlink(...keys);
  }
  return n;
}
