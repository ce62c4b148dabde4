/**
 * Account windows built by hand in the real Redis (under a unique key prefix), for clusterer tests
 * that need exact traffic: each account's requests are folded as the worker would fold them, and its
 * index entries written, then a Clusterer reads them like production.
 */
import { ClusterRegistry } from '../../src/clustering/cluster-registry.ts';
import { Clusterer, type ClustererSettings } from '../../src/clustering/clusterer.ts';
import { backtestSettings } from '../../src/cli/backtest-command.ts';
import { parseConfig } from '../../src/config/config.ts';
import type { Observation } from '../../src/fingerprint/observation.ts';
import { deleteKeysWithPrefix } from '../../src/redis/delete-prefix.ts';
import { KeySpace } from '../../src/redis/keys.ts';
import { registerScripts } from '../../src/redis/scripts.ts';
import { emptyState, foldObservation, type AccountState, type IndexEntry } from '../../src/windows/account-state.ts';
import { encodeState } from '../../src/windows/state-codec.ts';
import { WindowReader } from '../../src/windows/window-reader.ts';
import { testRedis, uniqueName } from './services.ts';

export type HandBuiltRequest = Partial<Observation> & { tsMs: number };

const TOPIC = 'usage';

export class HandBuiltWindows {
  static readonly MIN = 60_000;
  static readonly HOUR = 3_600_000;
  static readonly END = Date.parse('2026-11-20T12:00:00Z');

  readonly redis = testRedis();
  readonly keys: KeySpace;
  readonly settings = backtestSettings(parseConfig({}));

  constructor(name: string) {
    registerScripts(this.redis);
    this.keys = new KeySpace(uniqueName(name));
  }

  /**
   * Folds an account's requests (and its sign-up, and a card it was given) into a window and writes it and its index
   * entries.
   */
  async writeAccount(
    accountId: string,
    createdMs: number | null,
    requests: readonly HandBuiltRequest[],
    cardAdded?: { readonly tsMs: number; readonly payment: string },
  ): Promise<void> {
    const state: AccountState = emptyState();
    const entries: IndexEntry[] = [];
    const fold = (o: Observation, k: number) =>
      foldObservation(state, o, {
        settings: this.settings.windows,
        watermarkMs: 0,
        eventIdHash: k + 1,
        index: (e) => entries.push(e),
      });
    const base = {
      accountId,
      inputTokens: 200,
      outputTokens: 500,
      reasoningTokens: 0,
      bands: [],
      elicitsReasoning: false,
      reasoningKnown: true,
    };
    if (createdMs !== null)
      fold({ ...base, eventId: `${accountId}:c`, tsMs: createdMs, type: 'account', action: 'created' }, 0);
    if (cardAdded !== undefined)
      fold(
        {
          ...base,
          eventId: `${accountId}:p`,
          tsMs: cardAdded.tsMs,
          type: 'account',
          action: 'payment_method_added',
          payment: cardAdded.payment,
        },
        requests.length + 1,
      );
    [...requests]
      .sort((a, b) => a.tsMs - b.tsMs)
      .forEach((r, k) =>
        fold(
          { ...base, eventId: `${accountId}:${k}`, type: 'request', status: 'ok', model: 'model-small', ...r },
          k + 1,
        ),
      );
    await this.redis.set(this.keys.account(TOPIC, 0, accountId), encodeState(state));
    await this.redis.zadd(this.keys.active(TOPIC, 0), state.lastSec, accountId);
    for (const e of entries) await this.redis.hset(this.keys.index(e.kind, e.value), `0|${accountId}`, e.day);
  }

  /** An ordinary account's five requests: its own network, card and device, chat templates (`i` numbers it). */
  static ordinaryRequests(i: number): HandBuiltRequest[] {
    return Array.from({ length: 5 }, (_, k) => ({
      tsMs: HandBuiltWindows.END - (k * 97 + i * 13) * HandBuiltWindows.MIN,
      network: `172.16.${i}.0/24`,
      payment: `card-person-${i}`,
      device: `dev-person-${i}`,
      template: `chat-${(i * 5 + k) % 60}`,
    }));
  }

  /** A plain maths problem from a drip operator's `template`, on the account's own address, card and device. */
  static dripRequest(id: string, tsMs: number, template: string): HandBuiltRequest {
    return {
      tsMs,
      network: `198.18.${id.length}.${id.charCodeAt(id.length - 1)}/32`,
      payment: `card-${id}`,
      device: `dev-${id}`,
      template,
      task: 'math',
      model: 'model-reasoning',
      reasoningTokens: 1500,
    };
  }

  /**
   * A farm account's requests from `from` to `to`: a reasoning template on one of three cards, through four proxy
   * /24s, a wave every 10 minutes (`i` numbers it).
   */
  static farmRequests(i: number, from: number, to: number): HandBuiltRequest[] {
    const { MIN } = HandBuiltWindows;
    const requests: HandBuiltRequest[] = [];
    for (let t = from; t < to; t += 10 * MIN)
      requests.push({
        tsMs: t + (i % 7) * 1000,
        network: `10.9.${(i + Math.floor(t / MIN)) % 4}.0/24`,
        payment: `card-farm-${i % 3}`,
        device: `dev-farm-${i}`,
        template: 'farm-template',
        elicitsReasoning: true,
        reasoningTokens: 1500,
        model: 'model-reasoning',
      });
    return requests;
  }

  /** Registers the partition (with its newest event time, for a watermark) and gives a reader of it. */
  async reader(): Promise<WindowReader> {
    await this.redis.sadd(this.keys.partitions(), `${TOPIC}|0`);
    await this.redis.hset(this.keys.partitionMeta(TOPIC, 0), 'maxts', String(HandBuiltWindows.END));
    return new WindowReader(this.redis, this.keys, TOPIC);
  }

  clustererSettings(): ClustererSettings {
    const s = this.settings;
    return {
      windowMs: s.clusterWindowMs,
      bucketMs: s.windows.bucketMs,
      slotMs: s.windows.slotMs,
      minClusterSize: s.minClusterSize,
      scoring: s.scoring,
      emittedAt: (t) => new Date(t).toISOString(),
      latenessMs: s.windows.latenessMs,
    };
  }

  async clusterer(): Promise<Clusterer> {
    return new Clusterer(await this.reader(), this.clustererSettings(), new ClusterRegistry());
  }

  async close(): Promise<void> {
    await deleteKeysWithPrefix(this.redis, this.keys.prefix);
    this.redis.disconnect();
  }
}
