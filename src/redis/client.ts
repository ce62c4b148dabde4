/**
 * A single Redis or a Redis Cluster, behind one type. Every multi-key script and every pipeline of
 * farmwatch stays within what a cluster allows: a script's keys share a hash tag (keys.ts), and
 * pipelines that span tags go through `pipelineBySlot`, which on a cluster sends one pipeline per
 * node that owns the keys (ioredis refuses a pipeline whose keys live on several nodes).
 */
import calculateSlot from 'cluster-key-slot';
import { Cluster, type ChainableCommander, type Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;

export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster;
}

export type PipelineResult = [Error | null, unknown];

/**
 * Runs one command per item in pipelines and returns the results in item order. `keyOf` names the
 * key an item's command touches (for multi-key commands, any of them: they share a slot).
 */
export async function pipelineBySlot<T>(
  redis: RedisClient,
  items: readonly T[],
  keyOf: (item: T) => string,
  add: (pipe: ChainableCommander, item: T) => void,
): Promise<PipelineResult[]> {
  if (items.length === 0) return [];
  const groups = new Map<string, number[]>();
  if (isCluster(redis)) {
    for (let i = 0; i < items.length; i++) {
      const slot = calculateSlot(keyOf(items[i] as T));
      // Group by the node that serves the slot; before the slot map is known, by slot.
      const node = redis.slots[slot]?.[0] ?? `slot:${slot}`;
      const list = groups.get(node);
      if (list) list.push(i);
      else groups.set(node, [i]);
    }
  } else {
    groups.set(
      '',
      items.map((_, i) => i),
    );
  }
  const out = new Array<PipelineResult>(items.length);
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const pipe = redis.pipeline();
      for (const i of indexes) add(pipe, items[i] as T);
      const res = (await pipe.exec()) ?? [];
      indexes.forEach((i, j) => (out[i] = (res[j] ?? [new Error('missing pipeline reply'), null]) as PipelineResult));
    }),
  );
  return out;
}

/** The nodes that hold data: the single Redis, or every master of a cluster (for SCAN). */
export function dataNodes(redis: RedisClient): Redis[] {
  return isCluster(redis) ? redis.nodes('master') : [redis];
}
