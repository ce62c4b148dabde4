/**
 * The Redis adapter of the windows stage: applies one partition batch in one script call, atomically
 * with the partition's applied offset (see apply-batch.lua for the contract).
 */
import type { Redis } from 'ioredis';
import type { UsageEvent } from '../ingest/usage-event.ts';
import type { KeySpace } from '../redis/keys.ts';
import { aggregateByAccount } from './aggregate.ts';

export interface OffsetEvent {
  readonly offset: bigint;
  readonly event: UsageEvent;
}

export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
  /** Valid events of the batch; invalid ones are gone to the dead-letter topic but still covered by the offsets. */
  readonly events: readonly OffsetEvent[];
}

export interface ApplyOutcome {
  /** Events whose effect this call wrote. */
  readonly applied: number;
  /** Events skipped because an earlier delivery had applied them. */
  readonly duplicates: number;
}

export interface EventSink {
  applyBatch(batch: PartitionBatch): Promise<ApplyOutcome>;
}

export class WindowStore implements EventSink {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
  ) {}

  async applyBatch(batch: PartitionBatch): Promise<ApplyOutcome> {
    let first = batch.firstOffset;
    let events = batch.events;
    let duplicates = 0;
    // At most two rounds: the second only after an overlapping redelivery was trimmed.
    for (let round = 0; round < 3; round++) {
      const [status, appliedRaw] = await this.runScript(batch.topic, batch.partition, first, batch.lastOffset, events);
      if (status === 1) return { applied: events.length, duplicates };
      if (status === 0) return { applied: 0, duplicates: duplicates + events.length };
      const applied = BigInt(appliedRaw);
      const kept = events.filter((e) => e.offset > applied);
      duplicates += events.length - kept.length;
      events = kept;
      first = applied + 1n;
    }
    throw new Error(`apply-batch did not converge for ${batch.topic}/${batch.partition}`);
  }

  private runScript(topic: string, partition: number, first: bigint, last: bigint, events: readonly OffsetEvent[]) {
    const updates = aggregateByAccount(events.map((e) => e.event));
    const keys: string[] = [this.keys.appliedOffset(topic, partition)];
    const args: (string | number)[] = [first.toString(), last.toString()];
    for (const u of updates.values()) {
      keys.push(this.keys.account(topic, partition, u.accountId));
      args.push(u.events, u.minTs, u.maxTs);
    }
    return this.redis.fwApplyBatchV1(keys.length, ...keys, ...args);
  }
}
