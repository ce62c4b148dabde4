/**
 * Reads the windows stage's state back: for the clusterer, the review API and tests. Reads are
 * pipelined in chunks (per partition, so per cluster slot on Redis Cluster), never one round trip
 * per account.
 */
import { dataNodes, pipelineBySlot, type RedisClient } from '../redis/client.ts';
import type { KeySpace } from '../redis/keys.ts';
import type { AttrKind } from './account-state.ts';
import type { AccountSnapshot } from './account-snapshot.ts';
import { decodeSnapshotOrNull, type SnapshotParts } from './state-codec.ts';

export interface PartitionRef {
  readonly topic: string;
  readonly partition: number;
}

export interface AccountRef extends PartitionRef {
  readonly accountId: string;
}

/** A value's index: its members' keys (`partition|accountId`) and, beside them, the day each last used it. */
export interface IndexMembers {
  readonly members: readonly string[];
  readonly days: Int32Array;
}

export interface PartitionMeta {
  readonly appliedOffset: bigint | null;
  readonly maxEventTimeMs: number;
}

const CHUNK = 1_000;
/** Index keys per index-sizes.lua call (all under one hash tag). */
const SIZES_PER_CALL = 500;
const MIN_SCRIPT_SIZES = 16;

export class WindowReader {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
    /** Index members name only the partition: they belong to this (the deployment's) input topic. */
    private readonly inputTopic: string,
  ) {}

  async partitions(): Promise<PartitionRef[]> {
    const members = await this.redis.smembers(this.keys.partitions());
    return members
      .map((m) => {
        const i = m.lastIndexOf('|');
        return { topic: m.slice(0, i), partition: Number(m.slice(i + 1)) };
      })
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  async meta(p: PartitionRef): Promise<PartitionMeta> {
    const [offset, maxts] = await this.redis.hmget(this.keys.partitionMeta(p.topic, p.partition), 'offset', 'maxts');
    return { appliedOffset: offset == null ? null : BigInt(offset), maxEventTimeMs: maxts == null ? 0 : Number(maxts) };
  }

  /** The watermark over all partitions: the newest event time seen anywhere, less the lateness. */
  async maxEventTimeMs(): Promise<number> {
    const metas = (await this.partitions()).map((p) => this.keys.partitionMeta(p.topic, p.partition));
    let max = 0;
    for (const [err, v] of await pipelineBySlot(
      this.redis,
      metas,
      (k) => k,
      (pipe, k) => pipe.hget(k, 'maxts'),
    )) {
      if (err) throw err;
      if (v != null) max = Math.max(max, Number(v));
    }
    return max;
  }

  /**
   * Accounts written since `cursors` were taken (late events' accounts too), and the cursors to pass next time (each
   * partition's applied offset). A partition without a cursor, or whose written set cannot answer from it (`wsince`:
   * a partition new to it, an older writer during a rolling deploy, offsets forgotten by an operator), gives its
   * accounts whose last event is at or after `fallbackSinceMs` instead.
   *
   * Either way, the accounts whose last event is at or after `activeSinceMs` are given too (once). The written set says
   * what was written, not when its events happened: a tick behind the worker (a standby catching up after a takeover,
   * a slow pass) takes accounts whose events come after it, and without this they were never read by the ticks those
   * events fall in (a takeover test's second half went unflagged while the worker applied it during the catch-up).
   */
  async changedAccounts(
    cursors: ReadonlyMap<string, number>,
    fallbackSinceMs: number,
    activeSinceMs = Number.POSITIVE_INFINITY,
  ): Promise<{ accounts: AccountRef[]; cursors: Map<string, number> }> {
    const accounts: AccountRef[] = [];
    const next = new Map<string, number>();
    for (const p of await this.partitions()) {
      const pid = `${p.topic}|${p.partition}`;
      const meta = this.keys.partitionMeta(p.topic, p.partition);
      const [offset, wsince, wseq] = await this.redis.hmget(meta, 'offset', 'wsince', 'wseq');
      // Read before the accounts: a batch committed after this one has a greater offset, so the next tick reads it.
      if (offset != null) next.set(pid, Number(offset));
      const cursor = cursors.get(pid);
      // The last batch must be this version's too: an older writer's since the cursor left its accounts out.
      const answers =
        cursor !== undefined &&
        offset != null &&
        wseq === offset &&
        wsince != null &&
        Number(wsince) <= cursor &&
        cursor <= Number(offset);
      if (!answers) await this.activeIn(p, Math.min(fallbackSinceMs, activeSinceMs), accounts);
      else {
        const [written, active] = await Promise.all([
          this.redis.zrangebyscore(this.keys.written(p.topic, p.partition), `(${cursor}`, '+inf'),
          activeSinceMs === Number.POSITIVE_INFINITY ? [] : this.activeIds(p, activeSinceMs),
        ]);
        addRefs(p, written, accounts);
        // Mostly the same accounts: in step with the worker, those written since the last tick are those active since.
        if (active.length > 0) {
          const seen = new Set(written);
          addRefs(
            p,
            active.filter((id) => !seen.has(id)),
            accounts,
          );
        }
      }
    }
    return { accounts, cursors: next };
  }

  /** Accounts whose last event is at or after `sinceMs` (event time). */
  async activeAccounts(sinceMs: number): Promise<AccountRef[]> {
    const out: AccountRef[] = [];
    for (const p of await this.partitions()) await this.activeIn(p, sinceMs, out);
    return out;
  }

  /** Adds to `out` the partition's accounts whose last event is at or after `sinceMs`. */
  private async activeIn(p: PartitionRef, sinceMs: number, out: AccountRef[]): Promise<void> {
    addRefs(p, await this.activeIds(p, sinceMs), out);
  }

  /** The ids of the partition's accounts whose last event is at or after `sinceMs` (its active set, in seconds). */
  private activeIds(p: PartitionRef, sinceMs: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.active(p.topic, p.partition), Math.floor(sinceMs / 1000), '+inf');
  }

  /** `parts` and `kinds`: what of each state is decoded (`decodeSnapshot`). */
  async states(
    refs: readonly AccountRef[],
    parts: SnapshotParts = 'activity',
    kinds?: ReadonlySet<AttrKind>,
  ): Promise<Map<AccountRef, AccountSnapshot>> {
    const out = new Map<AccountRef, AccountSnapshot>();
    await this.eachBlob(refs, (ref, blob) => {
      const state = decodeSnapshotOrNull(blob, parts, kinds);
      if (state !== null) out.set(ref, state);
    });
    return out;
  }

  /**
   * Hands `use` the encoded state of each account that has one (what `states` decodes; a cache compares these), with
   * its place in `refs`, in their order, a round at a time as the rounds arrive: a round is decoded while Redis serves
   * the next, where a read fetched every blob before decoding any (and held every blob of the 480,000-account component
   * of a first pass over a million accounts at once).
   * One MGET per partition in each round: a partition's account keys share a hash tag, so one slot on a cluster. A GET
   * per account cost ioredis a command object, a promise and its reply handling each: ~2 kB of garbage per account,
   * and a first pass reads every active account.
   */
  async eachBlob(refs: readonly AccountRef[], use: (ref: AccountRef, blob: Buffer, at: number) => void): Promise<void> {
    const round = async (from: number): Promise<(Buffer | null)[]> => {
      const to = Math.min(from + CHUNK, refs.length);
      const found = new Array<Buffer | null>(to - from).fill(null);
      const byPartition = new Map<string, number[]>();
      for (let j = from; j < to; j++) {
        const r = refs[j] as AccountRef;
        const partition = `${r.topic}|${r.partition}`;
        const list = byPartition.get(partition);
        if (list) list.push(j);
        else byPartition.set(partition, [j]);
      }
      const groups = [...byPartition.values()];
      const res = await pipelineBySlot(
        this.redis,
        groups.map((g) =>
          g.map((j) => {
            const r = refs[j] as AccountRef;
            return this.keys.account(r.topic, r.partition, r.accountId);
          }),
        ),
        (keys) => keys[0] as string,
        (pipe, keys) => pipe.mgetBuffer(...keys),
      );
      res.forEach(([err, blobs], g) => {
        if (err) throw err;
        (groups[g] as number[]).forEach((j, k) => (found[j - from] = (blobs as (Buffer | null)[])[k] ?? null));
      });
      return found;
    };
    // The next round is asked for before this one's replies are handled, so that Redis serves it while this process
    // decodes; two at most, so Redis never holds more than a round's replies for us.
    let pending = refs.length > 0 ? round(0) : null;
    for (let i = 0; i < refs.length; i += CHUNK) {
      const next = i + CHUNK < refs.length ? round(i + CHUNK) : null;
      // Its failure is reported when it is awaited, after this round's.
      next?.catch(() => undefined);
      const found = await (pending as Promise<(Buffer | null)[]>);
      found.forEach((blob, k) => {
        if (blob !== null) use(refs[i + k] as AccountRef, blob, i + k);
      });
      pending = next;
    }
  }

  async state(ref: AccountRef): Promise<AccountSnapshot | null> {
    return (await this.states([ref])).get(ref) ?? null;
  }

  /** Accounts that used a linking value, and how many there are (the value's rarity). */
  async linked(kind: AttrKind, value: string): Promise<{ accounts: AccountRef[]; count: number }> {
    const members = await this.redis.hkeys(this.keys.index(kind, value));
    return { accounts: members.map((m) => this.memberRef(m)), count: members.length };
  }

  /** How many accounts used each value: one index-sizes.lua call per hash tag and chunk, pipelined. */
  async indexSizes(entries: readonly { kind: AttrKind; value: string }[]): Promise<number[]> {
    const byTag = new Map<string, number[]>();
    entries.forEach((e, i) => {
      const tag = this.keys.indexTag(e.kind, e.value);
      const list = byTag.get(tag);
      if (list) list.push(i);
      else byTag.set(tag, [i]);
    });
    // A tag with few values asks with plain HLENs: a script call costs more than a few commands.
    const calls: number[][] = [];
    for (const list of byTag.values()) {
      if (list.length < MIN_SCRIPT_SIZES) for (const i of list) calls.push([i]);
      else for (let i = 0; i < list.length; i += SIZES_PER_CALL) calls.push(list.slice(i, i + SIZES_PER_CALL));
    }
    const out = new Array<number>(entries.length);
    for (let c = 0; c < calls.length; c += CHUNK) {
      const batch = calls.slice(c, c + CHUNK);
      const keysOf = batch.map((idx) =>
        idx.map((i) =>
          this.keys.index((entries[i] as { kind: AttrKind }).kind, (entries[i] as { value: string }).value),
        ),
      );
      const res = await pipelineBySlot(
        this.redis,
        keysOf,
        (ks) => ks[0] as string,
        (pipe, ks) => (ks.length === 1 ? pipe.hlen(ks[0] as string) : pipe.fwIndexSizesV1(ks.length, ...ks)),
      );
      res.forEach(([err, sizes], j) => {
        if (err) throw err;
        const idx = batch[j] as number[];
        if (typeof sizes === 'number') out[idx[0] as number] = sizes;
        else idx.forEach((i, k) => (out[i] = (sizes as number[])[k] as number));
      });
    }
    return out;
  }

  /** The account an index member names (the index's field, `partition|accountId`). */
  memberRef(m: string): AccountRef {
    const i = m.indexOf('|');
    return { topic: this.inputTopic, partition: Number(m.slice(0, i)), accountId: m.slice(i + 1) };
  }

  /**
   * Members of each value's index (fields `partition|accountId`, what `memberRef` reads) with their last day of use
   * (HGETALL, pipelined). The fields are left as they are: a clusterer knows most members already by that key, and
   * built a ref of each member at every lookup. (Read as HGETALL's flat reply through a script instead of the object
   * ioredis builds, a value of 30,000 users took 56-58 ms against 64-68, but the first passes over a million accounts,
   * whose values mostly have a few users, took 98-99 s against 87-91 s: taken out on 2026-12-06.)
   */
  async indexMembers(entries: readonly { kind: AttrKind; value: string }[]): Promise<IndexMembers[]> {
    const out: IndexMembers[] = [];
    for (let i = 0; i < entries.length; i += CHUNK) {
      const keys = entries.slice(i, i + CHUNK).map((e) => this.keys.index(e.kind, e.value));
      for (const [err, h] of await pipelineBySlot(
        this.redis,
        keys,
        (k) => k,
        (pipe, k) => pipe.hgetall(k),
      )) {
        if (err) throw err;
        const fields = Object.keys(h as Record<string, string>);
        const days = new Int32Array(fields.length);
        fields.forEach((m, j) => (days[j] = Number((h as Record<string, string>)[m])));
        out.push({ members: fields, days });
      }
    }
    return out;
  }

  /** Every index key of this key space with its members (tests and exports only: it scans). */
  async allIndexes(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const node of dataNodes(this.redis)) {
      for await (const batch of node.scanStream({
        match: `${this.keys.prefix}:{ix.*}:ix:*`,
        count: 1000,
      }) as AsyncIterable<string[]>) {
        for (const key of batch) {
          const h = await node.hgetall(key);
          out.set(
            key.slice(this.keys.prefix.length + 1),
            Object.keys(h)
              .sort()
              .map((m) => `${m}@${h[m]}`),
          );
        }
      }
    }
    return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
  }
}

/** Adds to `out` a ref of each of the partition's accounts `ids` names. */
function addRefs(p: PartitionRef, ids: readonly string[], out: AccountRef[]): void {
  // A literal, not `{ ...p, accountId }`: a spread object takes ~250 bytes here against ~40, and a first pass holds a
  // million of them.
  for (const accountId of ids) out.push({ topic: p.topic, partition: p.partition, accountId });
}
