/** Removes every key of a key prefix (backtests, demos, tests, benchmarks clean up after themselves). */
import { dataNodes, type RedisClient } from './client.ts';

export async function deleteKeysWithPrefix(redis: RedisClient, prefix: string): Promise<number> {
  let n = 0;
  for (const node of dataNodes(redis)) {
    for await (const keys of node.scanStream({ match: `${prefix}:*`, count: 2000 }) as AsyncIterable<string[]>) {
      if (keys.length === 0) continue;
      // One UNLINK per key in a pipeline to the node: on a cluster, a page's keys live in different slots.
      const pipe = node.pipeline();
      for (const key of keys) pipe.unlink(key);
      for (const [err, removed] of (await pipe.exec()) ?? []) {
        if (err) throw err;
        n += removed as number;
      }
    }
  }
  return n;
}
