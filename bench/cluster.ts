/**
 * `npm run bench:cluster`: one clustering pass over N active accounts whose windows are written
 * straight into Redis (synthetic states: ordinary accounts with their own network, device and card,
 * plus farms of 50 accounts sharing cards and a reasoning template; ordinary accounts' templates
 * come from a pool of max(5,001, N/20)). Prints progress and ends with
 *   cluster accounts=… seconds=… peak_rss_mb=… candidates=… flagged=…
 * for each size (default 100,000 and 1,000,000). The npm script runs it with the GC flag every
 * farmwatch process runs with (bin/farmwatch.js): without it a third of the pass was collection.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Random } from '../fixtures/random.ts';
import { hash32 } from '../src/fingerprint/hash.ts';
import { ClusterRegistry } from '../src/clustering/cluster-registry.ts';
import { Clusterer } from '../src/clustering/clusterer.ts';
import { scoringConfig } from '../src/clustering/scoring.ts';
import { KeySpace } from '../src/redis/keys.ts';
import { deleteKeysWithPrefix } from '../src/redis/delete-prefix.ts';
import { registerScripts } from '../src/redis/scripts.ts';
import { emptyState, foldObservation, type IndexEntry, type WindowSettings } from '../src/windows/account-state.ts';
import { encodeState } from '../src/windows/state-codec.ts';
import { WindowReader } from '../src/windows/window-reader.ts';
import type { Observation } from '../src/fingerprint/observation.ts';
import { benchArgs, median, progress } from './support.ts';

const args = benchArgs('cluster', {
  sizes: {
    default: '100000,1000000',
    description: 'Comma-separated numbers of active accounts, one pass each.',
    text: true,
  },
  runs: {
    default: '1',
    description: 'Passes per size over the same windows (a fresh clusterer each); the median is printed too.',
  },
});
const sizes = args.sizes
  .split(',')
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
if (sizes.length === 0 || args.runs < 1) {
  console.error(`--sizes ${JSON.stringify(args.sizes)} --runs ${args.runs}: expected positive integers`);
  process.exit(2);
}
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
registerScripts(redis);
const settings: WindowSettings = {
  bucketMs: 3_600_000,
  slotMs: 60_000,
  retentionMs: 7 * 86_400_000,
  latenessMs: 600_000,
};
const TOPIC = 'bench';
const PARTITIONS = 12;
const END = Date.parse('2026-11-20T00:00:00Z');
const FARM = 50;

let peakRss = 0;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);

/**
 * An ordinary account's home /24, from a hash of its number: strangers share one only by chance, as
 * behind a real NAT. (The previous formula repeated every 65,536 accounts, so at a million accounts
 * every /24 had ~15 strangers on it and every account became a candidate.)
 */
function homeNetwork(i: number): string {
  const h = hash32(`home-${i}`);
  return `${(h >>> 16) & 255}.${(h >>> 8) & 255}.${h & 255}.0/24`;
}

async function populate(keys: KeySpace, n: number): Promise<void> {
  const r = new Random(n);
  let pipe = redis.pipeline();
  let queued = 0;
  const farms = Math.floor(n / 100 / FARM); // 1% of accounts in farms
  // Ordinary accounts' reasoning templates come from a pool that grows with the population, so that
  // how many unrelated accounts share one is the same at every size (with a fixed pool, a million
  // accounts would all be chained together by templates ten strangers happen to share).
  const templates = Math.max(5_001, Math.floor(n / 20));
  for (let i = 0; i < n; i++) {
    const id = `acct-${i}`;
    const p = i % PARTITIONS;
    const farm = i < farms * FARM ? Math.floor(i / FARM) : -1;
    const s = emptyState();
    const entries: IndexEntry[] = [];
    const events = farm >= 0 ? 30 : 1 + Math.floor(r.exponential(6));
    for (let k = 0; k < events; k++) {
      const ts =
        farm >= 0
          ? END - 20 * 3_600_000 + k * 40 * 60_000 + (i % 5) * 1000
          : END - Math.floor(r.next() * 20 * 3_600_000);
      const o: Observation = {
        eventId: `${id}:${k}`,
        tsMs: ts,
        accountId: id,
        type: 'request',
        inputTokens: 200,
        outputTokens: 500,
        reasoningTokens: farm >= 0 ? 1500 : r.chance(0.3) ? 800 : 0,
        network: farm >= 0 ? `10.${farm % 256}.${k % 8}.0/24` : homeNetwork(i),
        device: farm >= 0 ? `dev-f${farm}-${i % 3}` : `dev-${i}`,
        ...(farm >= 0 ? { payment: `card-f${farm}-${i % 4}` } : r.chance(0.5) ? { payment: `card-${i}` } : {}),
        template: farm >= 0 ? `farm-template-${farm}` : `t-${r.int(0, templates - 1)}`,
        bands: [],
        elicitsReasoning: farm >= 0 || r.chance(0.05),
        reasoningKnown: true,
      };
      foldObservation(s, o, { settings, watermarkMs: 0, eventIdHash: k + 1, index: (e) => entries.push(e) });
    }
    pipe.set(keys.account(TOPIC, p, id), encodeState(s), 'EX', 86_400);
    pipe.zadd(keys.active(TOPIC, p), s.lastSec, id);
    for (const e of entries) pipe.hset(keys.index(e.kind, e.value), `${p}|${id}`, e.day);
    queued++;
    if (queued >= 2_000) {
      await pipe.exec();
      pipe = redis.pipeline();
      queued = 0;
    }
    if ((i + 1) % 100_000 === 0) progress(`wrote ${i + 1}/${n} account windows`);
  }
  await pipe.exec();
  for (let p = 0; p < PARTITIONS; p++) await redis.sadd(keys.partitions(), `${TOPIC}|${p}`);
}

async function drop(keys: KeySpace): Promise<void> {
  await deleteKeysWithPrefix(redis, keys.prefix);
}

for (const n of sizes) {
  const keys = new KeySpace(`fwbench-cl-${randomBytes(3).toString('hex')}`);
  try {
    progress(`writing ${n} synthetic account windows`);
    await populate(keys, n);
    const reader = new WindowReader(redis, keys, TOPIC);
    const times: number[] = [];
    for (let run = 1; run <= args.runs; run++) {
      const clusterer = new Clusterer(
        reader,
        {
          windowMs: 86_400_000,
          bucketMs: settings.bucketMs,
          slotMs: settings.slotMs,
          minClusterSize: 3,
          scoring: scoringConfig({}, 0.5, 0.25),
          emittedAt: (t) => new Date(t).toISOString(),
        },
        new ClusterRegistry(),
      );
      peakRss = process.memoryUsage().rss;
      progress(`clustering ${n} active accounts (run ${run}/${args.runs})`);
      const t0 = performance.now();
      const res = await clusterer.tick(END);
      const seconds = (performance.now() - t0) / 1000;
      times.push(seconds);
      console.log(
        `cluster accounts=${n} run=${run} seconds=${seconds.toFixed(1)} peak_rss_mb=${Math.round(peakRss / 1048576)} ` +
          `candidates=${res.candidates} flagged=${res.requests.length}`,
      );
    }
    if (args.runs > 1)
      console.log(`cluster accounts=${n} runs=${args.runs} median_seconds=${median(times).toFixed(1)}`);
  } finally {
    await drop(keys);
  }
}
clearInterval(rssTimer);
redis.disconnect();
