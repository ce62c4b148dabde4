/**
 * `farmwatch reset-offsets`: the operator's decision after the input topic was deleted and recreated
 * (or truncated). Workers hold such a partition, applying nothing from it, because its log ends before
 * the offset Redis says was applied (FarmwatchTopicRecreated); this forgets that offset, so the new
 * log's events are applied from its first offset. Only partitions whose log really ends at or before
 * their applied offset are reset, unless --force.
 */
import type { Config } from '../config/config.ts';
import { FarmwatchError } from '../errors/farmwatch-error.ts';
import { createKafka, createTopicAdmin } from '../kafka/kafkajs-adapter.ts';
import type { Logger } from '../logging/logger.ts';
import { connectRedis, requireReachable } from '../redis/connect.ts';
import { KeySpace } from '../redis/keys.ts';
import { WindowStore } from '../windows/window-store.ts';
import type { Command } from './command.ts';
import { windowSettings } from './worker-command.ts';

export interface ResetResult {
  readonly partition: number;
  readonly applied: bigint | null;
  readonly end: bigint;
  readonly reset: boolean;
}

/** Resets the applied offset of the partitions whose log ends at or before it (all named ones with `force`). */
export async function resetOffsets(
  config: Config,
  log: Logger,
  partitions: 'all' | number,
  force: boolean,
): Promise<ResetResult[]> {
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: `${config.kafkaClientId}-reset-offsets` }, log);
  const admin = createTopicAdmin(kafka);
  const redis = connectRedis(config, log.child({ component: 'redis' }), { quietUntilReady: true });
  try {
    await requireReachable(redis, config);
    const ends = await admin.endOffsets(config.inputTopic);
    const keys = new KeySpace(config.redisPrefix);
    const store = new WindowStore(redis.redis, keys, windowSettings(config));
    const wanted = partitions === 'all' ? [...ends.keys()].sort((a, b) => a - b) : [partitions];
    const out: ResetResult[] = [];
    for (const p of wanted) {
      const end = ends.get(p);
      if (end === undefined)
        throw new FarmwatchError(
          'USAGE',
          `--partition ${p}: topic ${config.inputTopic} has partitions 0 to ${ends.size - 1}`,
        );
      const raw = await redis.redis.hget(keys.partitionMeta(config.inputTopic, p), 'offset');
      const applied = raw == null ? null : BigInt(raw);
      const reset = applied !== null && (end <= applied || force);
      if (reset) await store.resetAppliedOffset(config.inputTopic, p);
      out.push({ partition: p, applied, end, reset });
    }
    return out;
  } finally {
    await admin.disconnect();
    redis.redis.disconnect();
  }
}

export function resetOffsetsCommand(config: () => Config, log: (c: Config) => Logger): Command {
  return {
    name: 'reset-offsets',
    summary:
      'After the input topic was recreated: forget the applied offsets its new log ends before, so workers apply its ' +
      'events.',
    options: {
      partition: { type: 'string', description: 'A partition number, or all.', default: 'all' },
      force: {
        type: 'boolean',
        description:
          'Reset the named partitions even where the log reaches past the applied offset (their events are applied ' +
          'again).',
        default: false,
      },
    },
    async run(opts) {
      const raw = String(opts.partition);
      const partition = raw === 'all' ? 'all' : /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (Number.isNaN(partition))
        throw new FarmwatchError(
          'USAGE',
          `--partition ${JSON.stringify(raw)} is invalid: expected a partition number or all`,
        );
      const cfg = config();
      const results = await resetOffsets(cfg, log(cfg), partition, opts.force === true);
      for (const r of results) {
        const applied = r.applied === null ? 'none' : String(r.applied);
        console.log(
          `${cfg.inputTopic} partition ${r.partition}: log ends at ${r.end}, applied offset ${applied}: ` +
            `${r.reset ? 'reset (its events will be applied)' : 'left as it is'}`,
        );
      }
      return 0;
    },
  };
}
