/**
 * Every Lua script farmwatch runs, registered once per connection with ioredis `defineCommand`.
 * The version is part of the command name, so a rolling deploy never runs a script body that does
 * not match the caller (ioredis loads scripts by SHA of their body).
 * Each script's contract (KEYS, ARGV, return) is in the header of its .lua file.
 */
import { readFileSync } from 'node:fs';
import type { Result } from 'ioredis';
import type { RedisClient } from './client.ts';

const SCRIPTS = {
  fwCommitPartitionV3: new URL('../windows/commit-partition.lua', import.meta.url),
  fwIndexAddV1: new URL('../windows/index-add.lua', import.meta.url),
  fwQuarantineStateV1: new URL('../windows/quarantine-state.lua', import.meta.url),
  fwIndexSizesV1: new URL('../windows/index-sizes.lua', import.meta.url),
  fwClustererLeaseV1: new URL('../clustering/lease.lua', import.meta.url),
  fwClustererCommitV2: new URL('../clustering/commit.lua', import.meta.url),
  fwClustererReleaseV1: new URL('../clustering/release.lua', import.meta.url),
  fwReviewRecordV1: new URL('../review/record-decision.lua', import.meta.url),
} as const;

export type ScriptName = keyof typeof SCRIPTS;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** windows/commit-partition.lua: returns [1] or [0, currentOffset]. */
    fwCommitPartitionV3(
      numKeys: number,
      ...keysAndArgs: (string | number | Buffer)[]
    ): Result<[number, string?], Context>;
    /** windows/index-add.lua: returns how many members were new. */
    fwIndexAddV1(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>;
    /** windows/quarantine-state.lua: 1 when the blob was moved aside, 0 when the key holds another. */
    fwQuarantineStateV1(numKeys: number, ...keysAndArgs: (string | number | Buffer)[]): Result<number, Context>;
    /** windows/index-sizes.lua: the HLEN of each key. */
    fwIndexSizesV1(numKeys: number, ...keys: string[]): Result<number[], Context>;
    /** clustering/lease.lua: the fencing token while this instance holds the lease, else 0. */
    fwClustererLeaseV1(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>;
    /** clustering/commit.lua: 1 when written, 0 when the fencing token is stale. */
    fwClustererCommitV2(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>;
    /** clustering/release.lua: 1 when this instance held the lease and gave it up, else 0. */
    fwClustererReleaseV1(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>;
    /** review/record-decision.lua: the audit entry's sequence number, or 0 when the field had changed. */
    fwReviewRecordV1(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>;
  }
}

const bodies = new Map<ScriptName, string>();

export function registerScripts(redis: RedisClient): void {
  for (const [name, url] of Object.entries(SCRIPTS) as [ScriptName, URL][]) {
    let lua = bodies.get(name);
    if (lua === undefined) {
      lua = readFileSync(url, 'utf8');
      bodies.set(name, lua);
    }
    redis.defineCommand(name, { lua });
  }
}
