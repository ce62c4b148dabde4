/**
 * The live clusterer: one active instance at a time (a Redis lease; a standby polls and takes over
 * within about one lease time when the holder dies), ticking on event time — every tick of the
 * watermark (newest event time in the windows less the allowed lateness) — and, per tick, emitting
 * verification requests and cluster records to Kafka before committing its state, fenced by its
 * token. A crash between the two re-runs the tick on the next holder, which re-emits the same
 * request ids (deterministic from account and cluster): consumers de-duplicate on them.
 *
 * The lease is renewed from a timer while a pass runs, not only between passes: a pass can take
 * longer than the lease (a million active accounts take about a minute), and a lease that lapsed
 * mid-pass let a standby take over and both emit the same requests, again and again (the fencing
 * token climbed to 11-13 in 40 s in one trial). An instance that finds the lease gone or taken after
 * a pass drops the pass unsent.
 */
import type { RedisClient } from '../redis/client.ts';
import type { MessageProducer } from '../kafka/port.ts';
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
  readonly producer: MessageProducer;
  readonly verificationTopic: string;
  readonly clustersTopic: string;
  readonly settings: ClustererSettings;
  readonly tickMs: number;
  readonly latenessMs: number;
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
    this.token = token;
    this.d.log.info('clusterer is active', {
      fencing_token: token,
      clusters: registry.clusters.size,
      resumes_after: lastTick ?? 'start',
    });
  }

  private async poll(): Promise<void> {
    if (!(await this.renew()) || this.clusterer === null) return;
    const newest = await this.d.reader.maxEventTimeMs();
    if (newest === 0) return;
    const watermark = newest - this.d.latenessMs;
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
      await this.emit(r);
      const k = this.d.keys;
      const pairs = r.changed.flatMap((c) => [c.id, JSON.stringify(c)]);
      const ok = await this.d.redis.fwClustererCommitV1(
        3,
        k.clustererFence(),
        k.clusterRecords(),
        k.clustererState(),
        this.token,
        this.nextTick,
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
      this.lastSuccessMs = Date.now();
      this.d.onTick?.(r, (performance.now() - started) / 1000);
      this.nextTick += this.d.tickMs;
      if (!(await this.renew())) return;
    }
  }

  private async emit(r: TickResult): Promise<void> {
    if (r.requests.length > 0) {
      await this.d.producer.send(
        this.d.verificationTopic,
        r.requests.map((q) => ({ key: q.account_id, value: JSON.stringify(q) })),
      );
    }
    if (r.changed.length > 0) {
      await this.d.producer.send(
        this.d.clustersTopic,
        r.changed.map((c) => ({ key: c.id, value: JSON.stringify(c) })),
      );
    }
  }
}
