/**
 * The live clusterer: one active instance at a time (a Redis lease; a standby polls and takes over
 * within about one lease time when the holder dies), ticking on event time — every tick of the
 * watermark (the newest event time in the windows; events up to the allowed lateness behind it are
 * read at the next tick). Per tick it commits its state and the tick's messages (verification
 * requests, cluster records) to an outbox in Redis, fenced by its token, then sends the outbox
 * through a Kafka transaction that also records the tick as sent (tick-emitter: one transactional id
 * for every instance). A new holder fences the old one at the broker before anything else, so a
 * holder paused for any length of time can neither commit nor send when it wakes, and sends what is
 * left in the outbox: every request reaches the topic once.
 *
 * The lease is renewed from a timer while a pass runs, not only between passes: a pass can take
 * longer than the lease (a million active accounts take about a minute), and a lease that lapsed
 * mid-pass let a standby take over and both emit the same requests, again and again (the fencing
 * token climbed to 11-13 in 40 s in one trial). An instance that finds the lease gone or taken after
 * a pass drops the pass unsent.
 */
import type { RedisClient } from '../redis/client.ts';
import type { TickEmitter, TopicMessage } from '../kafka/port.ts';
import type { Logger } from '../logging/logger.ts';
import type { KeySpace } from '../redis/keys.ts';
import type { WindowReader } from '../windows/window-reader.ts';
import { loadReviewPolicy, ReviewStore } from '../review/review-store.ts';
import { ClusterRegistry, type ClusterRecord } from './cluster-registry.ts';
import { Clusterer, type ClustererSettings, type TickResult } from './clusterer.ts';

export interface ClustererServiceDeps {
  readonly redis: RedisClient;
  readonly keys: KeySpace;
  readonly reader: WindowReader;
  readonly emitter: TickEmitter;
  readonly verificationTopic: string;
  readonly clustersTopic: string;
  readonly settings: ClustererSettings;
  readonly tickMs: number;
  readonly leaseMs: number;
  readonly instanceId: string;
  readonly log: Logger;
  /** Called after each committed tick, with the pass's duration in seconds. */
  readonly onTick?: (r: TickResult, seconds: number) => void;
  readonly pollMs?: number;
}

export class ClustererService {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private token = 0;
  private clusterer: Clusterer | null = null;
  private nextTick: number | null = null;
  private lastSuccessMs = 0;
  private watermark = 0;
  /** Set by the renewal timer when the lease lapsed or passed to another instance during a pass. */
  private leaseLost = false;
  /** The last tick whose messages are committed in Kafka, as the broker said at takeover and since. */
  private emittedThrough: number | null = null;

  constructor(private readonly d: ClustererServiceDeps) {}

  isLeader(): boolean {
    return this.token > 0;
  }

  lastSuccess(): number {
    return this.lastSuccessMs;
  }

  watermarkMs(): number {
    return this.watermark;
  }

  /** The clusters this instance knows (empty while standing by). */
  clusters(): Iterable<ClusterRecord> {
    return this.clusterer?.registry.clusters.values() ?? [];
  }

  start(): void {
    this.running = true;
    const step = () => {
      if (!this.running) return;
      this.loop = this.poll()
        .catch((err: unknown) =>
          this.d.log.warn('clusterer step failed; retrying', {
            error: err instanceof Error ? err.message : String(err),
          }),
        )
        .finally(() => {
          if (this.running) this.timer = setTimeout(step, this.d.pollMs ?? 500);
        });
    };
    step();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.loop;
    if (this.token > 0) {
      // Ticks committed but not yet sent (a send that failed and waits for the next poll) go out now
      // rather than wait for the next holder, which may be a while when there is no standby.
      await this.sendOutbox().catch(async (err: unknown) =>
        this.d.log.warn('stopping with ticks unsent in the outbox: the next holder sends them', {
          ticks: await this.d.redis.hlen(this.d.keys.clustererOutbox()).catch(() => -1),
          error: err instanceof Error ? err.message : String(err),
        }),
      );
      // Hand over at once instead of making the standby wait out the lease; compare-and-delete, so a
      // lease another instance took meanwhile is not deleted under it.
      await this.d.redis.fwClustererReleaseV1(1, this.d.keys.clustererLease(), this.d.instanceId);
      this.token = 0;
    }
  }

  /** Extends the lease if this instance still holds it under its token; otherwise marks it lost. */
  private async extendLease(): Promise<void> {
    const k = this.d.keys;
    const token = await this.d.redis.fwClustererLeaseV1(
      2,
      k.clustererLease(),
      k.clustererFence(),
      this.d.instanceId,
      this.d.leaseMs,
    );
    // A different token means the lease lapsed and was taken again, by us or another: this pass's
    // state is not the newest any more.
    if (token !== this.token) this.leaseLost = true;
  }

  /** Renews the lease every third of its length until the returned function is called. */
  private keepLeaseDuringPass(): () => void {
    this.leaseLost = false;
    const timer = setInterval(
      () => {
        this.extendLease().catch((err: unknown) =>
          this.d.log.warn('could not renew the clusterer lease', {
            error: err instanceof Error ? err.message : String(err),
          }),
        );
      },
      Math.max(50, Math.floor(this.d.leaseMs / 3)),
    );
    return () => clearInterval(timer);
  }

  private async renew(): Promise<boolean> {
    const k = this.d.keys;
    const token = await this.d.redis.fwClustererLeaseV1(
      2,
      k.clustererLease(),
      k.clustererFence(),
      this.d.instanceId,
      this.d.leaseMs,
    );
    if (token === 0) {
      if (this.token > 0) this.d.log.warn('clusterer lease lost; standing by');
      this.token = 0;
      this.clusterer = null;
      return false;
    }
    if (token !== this.token) await this.takeOver(token);
    return true;
  }

  private async takeOver(token: number): Promise<void> {
    const k = this.d.keys;
    const [records, lastTick] = await Promise.all([
      this.d.redis.hvals(k.clusterRecords()),
      this.d.redis.hget(k.clustererState(), 'last_tick'),
    ]);
    const registry = new ClusterRegistry(records.map((r) => JSON.parse(r) as ClusterRecord));
    this.clusterer = new Clusterer(this.d.reader, this.d.settings, registry);
    this.nextTick = null;
    if (lastTick !== null) {
      this.clusterer.resumeAfter(Number(lastTick));
      this.nextTick = Number(lastTick) + this.d.tickMs;
    }
    // Fence every earlier holder at the broker before sending anything, then finish what it left. Only
    // then is this instance the holder: if either step fails, the next poll takes over again.
    this.emittedThrough = await this.d.emitter.takeOver();
    await this.sendOutbox();
    this.token = token;
    this.d.log.info('clusterer is active', {
      fencing_token: token,
      clusters: registry.clusters.size,
      resumes_after: lastTick ?? 'start',
    });
  }

  private async poll(): Promise<void> {
    if (!(await this.renew()) || this.clusterer === null) return;
    // What a failed send left in the outbox goes out before anything new.
    await this.sendOutbox();
    const newest = await this.d.reader.maxEventTimeMs();
    if (newest === 0) return;
    // A tick runs once event time reaches it; events that arrive later with an earlier time are read at the next one
    // (the clusterer reads the accounts written since its last tick, late ones included), so no flag waits for the
    // lateness.
    const watermark = newest;
    this.watermark = watermark;
    if (this.nextTick === null) this.nextTick = Math.floor(watermark / this.d.tickMs) * this.d.tickMs;
    if (this.nextTick <= watermark) {
      // Analysts' verdicts and allowlists take effect from the next tick on.
      const { verdicts, policy } = await loadReviewPolicy(new ReviewStore(this.d.redis, this.d.keys), Date.now());
      this.clusterer.registry.applyVerdicts(verdicts);
      this.clusterer.setPolicy(policy);
    }
    while (this.running && this.nextTick <= watermark) {
      const started = performance.now();
      const stopRenewing = this.keepLeaseDuringPass();
      let r: TickResult;
      try {
        r = await this.clusterer.tick(this.nextTick, newest);
        await this.extendLease();
      } finally {
        stopRenewing();
      }
      if (this.leaseLost) {
        this.d.log.warn('the clusterer lease lapsed during the pass; dropping it unsent', {
          tick: new Date(this.nextTick).toISOString(),
        });
        this.token = 0;
        this.clusterer = null;
        return;
      }
      const k = this.d.keys;
      const pairs = r.changed.flatMap((c) => [c.id, JSON.stringify(c)]);
      const messages = this.messagesOf(r);
      const ok = await this.d.redis.fwClustererCommitV2(
        4,
        k.clustererFence(),
        k.clusterRecords(),
        k.clustererState(),
        k.clustererOutbox(),
        this.token,
        this.nextTick,
        messages.length > 0 ? JSON.stringify(messages) : '',
        ...pairs,
      );
      if (ok !== 1) {
        this.d.log.warn('a newer clusterer holds the lease; dropping this tick', {
          tick: new Date(this.nextTick).toISOString(),
        });
        this.token = 0;
        this.clusterer = null;
        return;
      }
      // Committed, so never run again: its messages are in the outbox and go out now (or, if this fails
      // or the process dies, at the next poll or the next holder's takeover).
      this.nextTick += this.d.tickMs;
      await this.sendOutbox();
      this.lastSuccessMs = Date.now();
      this.d.onTick?.(r, (performance.now() - started) / 1000);
      if (!(await this.renew())) return;
    }
  }

  private messagesOf(r: TickResult): TopicMessage[] {
    return [
      ...r.requests.map((q) => ({
        topic: this.d.verificationTopic,
        message: { key: q.account_id, value: JSON.stringify(q) },
      })),
      ...r.changed.map((c) => ({ topic: this.d.clustersTopic, message: { key: c.id, value: JSON.stringify(c) } })),
    ];
  }

  /**
   * Sends the outbox's ticks in order, each in one transaction with its tick, and removes them. Ticks
   * the broker already has (sent before a crash that left them in the outbox) are only removed.
   */
  private async sendOutbox(): Promise<void> {
    const k = this.d.keys;
    const entries = await this.d.redis.hgetall(k.clustererOutbox());
    const ticks = Object.keys(entries)
      .map(Number)
      .sort((a, b) => a - b);
    for (const tick of ticks) {
      if (this.emittedThrough === null || tick > this.emittedThrough) {
        await this.d.emitter.emit(tick, JSON.parse(entries[String(tick)] as string) as TopicMessage[]);
        this.emittedThrough = tick;
      }
      await this.d.redis.hdel(k.clustererOutbox(), String(tick));
    }
  }
}
