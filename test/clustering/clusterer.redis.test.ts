/**
 * The clusterer on hand-built windows in the real Redis: a farm and a class of students that are
 * only joined through ordinary accounts must come out as two groups, so the students are judged on
 * their own evidence and not sent to verification with the farm.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterRegistry } from '../../src/clustering/cluster-registry.ts';
import { Clusterer } from '../../src/clustering/clusterer.ts';
import { backtestSettings } from '../../src/cli/backtest-command.ts';
import { parseConfig } from '../../src/config/config.ts';
import type { Observation } from '../../src/fingerprint/observation.ts';
import { deleteKeysWithPrefix } from '../../src/redis/delete-prefix.ts';
import { KeySpace } from '../../src/redis/keys.ts';
import { registerScripts } from '../../src/redis/scripts.ts';
import { emptyState, foldObservation, type AccountState, type IndexEntry } from '../../src/windows/account-state.ts';
import { encodeState } from '../../src/windows/state-codec.ts';
import { WindowReader } from '../../src/windows/window-reader.ts';
import { testRedis, uniqueName } from '../support/services.ts';

const redis = testRedis();
registerScripts(redis);
const keys = new KeySpace(uniqueName('clusterer'));
const TOPIC = 'usage';
const settings = backtestSettings(parseConfig({}));
const MIN = 60_000;
const HOUR = 60 * MIN;
const END = Date.parse('2026-11-20T12:00:00Z');

afterAll(async () => {
  await deleteKeysWithPrefix(redis, keys.prefix);
  redis.disconnect();
});

type Request = Partial<Observation> & { tsMs: number };

/** Folds an account's requests (and its sign-up) into a window and writes it and its index entries. */
async function writeAccount(accountId: string, createdMs: number | null, requests: readonly Request[]): Promise<void> {
  const state: AccountState = emptyState();
  const entries: IndexEntry[] = [];
  const fold = (o: Observation, k: number) => foldObservation(state, o, { settings: settings.windows, watermarkMs: 0, eventIdHash: k + 1, index: (e) => entries.push(e) });
  const base = { accountId, inputTokens: 200, outputTokens: 500, reasoningTokens: 0, bands: [], elicitsReasoning: false, reasoningKnown: true };
  if (createdMs !== null) fold({ ...base, eventId: `${accountId}:c`, tsMs: createdMs, type: 'account', action: 'created' }, 0);
  requests.forEach((r, k) => fold({ ...base, eventId: `${accountId}:${k}`, type: 'request', status: 'ok', model: 'model-small', ...r }, k + 1));
  await redis.set(keys.account(TOPIC, 0, accountId), encodeState(state));
  await redis.zadd(keys.active(TOPIC, 0), state.lastSec, accountId);
  for (const e of entries) await redis.hset(keys.index(e.kind, e.value), `0|${accountId}`, e.day);
}

describe('Clusterer (real Redis)', () => {
  it('does not let a class of students ride into a farm they are only joined to through ordinary accounts', async () => {
    // The farm: 30 accounts on 3 cards and 4 proxy /24s, one reasoning template, a wave every 10 minutes.
    for (let i = 0; i < 30; i++) {
      const requests: Request[] = [];
      for (let t = END - 10 * HOUR; t < END; t += 10 * MIN) {
        requests.push({ tsMs: t + (i % 7) * 1000, network: `10.9.${(i + t / MIN) % 4}.0/24`, payment: `card-farm-${i % 3}`, device: `dev-farm-${i}`, template: 'farm-template', elicitsReasoning: true, reasoningTokens: 1500, model: 'model-reasoning' });
      }
      await writeAccount(`farm-${i}`, END - 12 * HOUR, requests);
    }
    // Ordinary accounts, each with its own network, device and card, 30 of them joined by three
    // popular questions asked with "step by step"; three of those once used a farm proxy's /24 and
    // the students' campus network (a café's NAT, a visit to campus).
    for (let i = 0; i < 40; i++) {
      const requests: Request[] = [];
      for (let k = 0; k < 5; k++) requests.push({ tsMs: END - (k * 97 + i * 13) * MIN, network: `172.16.${i}.0/24`, payment: `card-person-${i}`, device: `dev-person-${i}`, template: `chat-${(i * 5 + k) % 60}` });
      if (i < 30) requests.push({ tsMs: END - (i * 17 + 5) * MIN, network: `172.16.${i}.0/24`, device: `dev-person-${i}`, template: `popular-${i % 3}`, elicitsReasoning: true });
      if (i < 3) {
        requests.push({ tsMs: END - 3 * HOUR + i * MIN, network: '10.9.0.0/24', device: `dev-person-${i}`, template: `chat-${i}` });
        requests.push({ tsMs: END - 2 * HOUR + i * MIN, network: '192.0.2.0/24', device: `dev-person-${i}`, template: `chat-${i + 1}` });
      }
      await writeAccount(`person-${i}`, null, requests.sort((a, b) => a.tsMs - b.tsMs));
    }
    // The class: 8 accounts created in the same minutes on the campus network, each asking for a
    // worked solution of the same assignment once or twice — in the farm's busy hours.
    for (let i = 0; i < 8; i++) {
      const created = END - 2 * HOUR + i * MIN;
      const requests: Request[] = [{ tsMs: created + 5 * MIN, network: '192.0.2.0/24', device: `dev-student-${i}`, template: 'assignment-7', elicitsReasoning: true }];
      if (i % 2 === 0) requests.push({ tsMs: created + 30 * MIN, network: '192.0.2.0/24', device: `dev-student-${i}`, template: 'assignment-7', elicitsReasoning: true });
      await writeAccount(`student-${i}`, created, requests);
    }
    await redis.sadd(keys.partitions(), `${TOPIC}|0`);

    const clusterer = new Clusterer(
      new WindowReader(redis, keys, TOPIC),
      { windowMs: settings.clusterWindowMs, bucketMs: settings.windows.bucketMs, slotMs: settings.windows.slotMs, minClusterSize: settings.minClusterSize, scoring: settings.scoring, emittedAt: (t) => new Date(t).toISOString() },
      new ClusterRegistry(),
    );
    const res = await clusterer.tick(END);

    // All three kinds are one candidate component.
    expect(res.candidates).toBe(30 + 30 + 8);
    const requested = new Set(res.requests.map((r) => r.account_id));
    expect([...requested].filter((a) => a.startsWith('farm-')).length).toBe(30);
    expect([...requested].filter((a) => !a.startsWith('farm-'))).toEqual([]);
    const farmCluster = [...clusterer.registry.clusters.values()].find((c) => c.members.includes('farm-0'));
    expect(farmCluster?.members.filter((m) => !m.startsWith('farm-'))).toEqual([]);
  });
});
