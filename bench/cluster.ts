/**
 * `npm run bench:cluster`: a first clustering pass over N active accounts whose windows are written
 * straight into Redis, then steady ticks in which 5% of them have new activity. Two kinds of data:
 * - `--data realistic` (default): ordinary accounts where real users are — a tenth behind carrier NATs
 *   (hundreds of strangers on one /24), households sharing a card and a home network, VPN users on the
 *   exits farms rent, users of maths and code who ask for worked answers, an agent framework's system
 *   prompt shared by strangers, SimHash bands, clients (six common ones, and twenty niche ones that 8% of
 *   accounts use and that link their users) — beside farms of 30–80 accounts whose members differ
 *   (cards and devices shared by some, proxies drawn per request, several templates, loose waves);
 * - `--data simple`: the synthetic states used until 2026-12-02 (every ordinary account on its own
 *   network, device and card; farms of 50 identical clones), kept to compare with older figures.
 * Prints progress and, per size and run,
 *   cluster accounts=… run=… seconds=… peak_rss_mb=… candidates=… flagged=… ordinary_flagged=… steady_tick_s=…
 *   loop_ms=…
 * (`seconds` is the first pass; `steady_tick_s` the median of the steady ticks; when ordinary accounts
 * are flagged, `ordinary_flagged_by_kind=…` says which kinds: carrier-nat, household, vpn, …; `steady_ticks_s` lists
 * every steady tick; `loop_ms` is how fast the machine ran just before the pass, `machineLoopMs` in support.ts). With
 * BENCH_CPU_PROFILE=P, each timed tick writes a CPU profile P-<accounts>-<run>-<tick>.cpuprofile; with
 * BENCH_HEAP_PROFILE=P a sampling heap profile of all it allocated, P-<accounts>-<run>-<tick>.heapprofile. The npm
 * script runs it with the GC flag every farmwatch process runs with (bin/farmwatch.js): without it a third of the pass
 * was collection.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Random } from '../fixtures/random.ts';
import { hash32 } from '../src/fingerprint/hash.ts';
import { ClusterRegistry } from '../src/clustering/cluster-registry.ts';
import { Clusterer } from '../src/clustering/clusterer.ts';
import { REMEMBER_MIN_MEMBERS } from '../src/clustering/component-memo.ts';
import { parseConfig } from '../src/config/config.ts';
import { scoringConfig } from '../src/clustering/scoring.ts';
import { KeySpace } from '../src/redis/keys.ts';
import { deleteKeysWithPrefix } from '../src/redis/delete-prefix.ts';
import { registerScripts } from '../src/redis/scripts.ts';
import { emptyState, foldObservation, type IndexEntry, type WindowSettings } from '../src/windows/account-state.ts';
import { encodeState } from '../src/windows/state-codec.ts';
import { WindowReader } from '../src/windows/window-reader.ts';
import type { Observation } from '../src/fingerprint/observation.ts';
import { boundClustererHeapGrowth } from '../src/cli/node-flags.ts';
import { benchArgs, machineLoopMs, median, profiled, profileRequest, progress } from './support.ts';

// As `farmwatch clusterer` runs.
boundClustererHeapGrowth();
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
  data: { default: 'realistic', text: true, description: 'realistic or simple (see the file header)' },
  steady: {
    default: '3',
    description: 'Steady ticks after each first pass, each with 5% of the accounts active anew.',
  },
});
if (args.data !== 'realistic' && args.data !== 'simple') {
  console.error(`--data ${JSON.stringify(args.data)}: expected realistic or simple`);
  process.exit(2);
}
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
const { refitDrift } = parseConfig(process.env);
const settings: WindowSettings = {
  bucketMs: 3_600_000,
  slotMs: 60_000,
  retentionMs: 7 * 86_400_000,
  latenessMs: 600_000,
};
const TOPIC = 'bench';
const PARTITIONS = 12;
const END = Date.parse('2026-11-20T00:00:00Z');
/** Size of a farm in the simple data. */
const FARM = 50;

const { file: profile, kind: profileKind } = profileRequest();
const profileExt = profileKind === 'cpu' ? 'cpuprofile' : 'heapprofile';

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

/** What one account did, and what it is: `farm`, or the kind of ordinary account (carrier-nat, household, …). */
interface Synthetic {
  readonly obs: Observation[];
  readonly kind: string;
}

/** The data until 2026-12-02: ordinary accounts on their own everything, farms of 50 identical clones. */
function simpleAccount(i: number, n: number, r: Random): Synthetic {
  const id = `acct-${i}`;
  const farms = Math.floor(n / 100 / FARM); // 1% of accounts in farms
  // Ordinary accounts' reasoning templates come from a pool that grows with the population, so that
  // how many unrelated accounts share one is the same at every size (with a fixed pool, a million
  // accounts would all be chained together by templates ten strangers happen to share).
  const templates = Math.max(5_001, Math.floor(n / 20));
  const farm = i < farms * FARM ? Math.floor(i / FARM) : -1;
  const events = farm >= 0 ? 30 : 1 + Math.floor(r.exponential(6));
  const obs: Observation[] = [];
  for (let k = 0; k < events; k++) {
    const ts =
      farm >= 0 ? END - 20 * 3_600_000 + k * 40 * 60_000 + (i % 5) * 1000 : END - Math.floor(r.next() * 20 * 3_600_000);
    obs.push({
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
    });
  }
  return { obs, kind: farm < 0 ? 'ordinary' : 'farm' };
}

const HOUR_MS = 3_600_000;
/** The exits of the VPN provider farms rent from; a few ordinary users leave through them too. */
const VPN_EXITS = 400;
const NAT_SIZE = 300;
const AGENT_PROMPT = 'system:agent-framework-default';

/** Farms in the realistic data: 1% of the accounts, 30–80 members each, numbered from account 0. */
function farmOf(i: number, n: number): { farm: number; size: number } | null {
  const total = Math.floor(n / 100);
  if (i >= total) return null;
  let start = 0;
  for (let f = 0; ; f++) {
    const size = 30 + (hash32(`farm-size-${f}`) % 51);
    if (i < start + size || start + size >= total) return { farm: f, size };
    start += size;
  }
}

/**
 * One account of the realistic data, drawn from its own generator (so its new activity in a steady
 * tick extends the same history). `extra` events fall in the `extraFromMs` minutes after END.
 */
function realisticAccount(i: number, n: number, extra: number, extraFromMs: number): Synthetic {
  const r = new Random(hash32(`acct-${i}`) ^ n);
  const id = `acct-${i}`;
  const obs: Observation[] = [];
  const farm = farmOf(i, n);
  const templates = Math.max(5_001, Math.floor(n / 20));
  const bandPool = n * 20;
  const push = (k: number, ts: number, o: Partial<Observation>) =>
    obs.push({
      eventId: `${id}:${k}`,
      tsMs: ts,
      accountId: id,
      type: 'request',
      inputTokens: 150 + r.int(0, 300),
      outputTokens: 300 + r.int(0, 900),
      reasoningTokens: 0,
      bands: [],
      elicitsReasoning: false,
      reasoningKnown: true,
      ...o,
    });
  if (farm !== null) {
    // Members differ: a card shared with a few others, a device of its own or the farm's, proxies per
    // request (some of them the VPN exits ordinary users share), several operator templates, and the
    // operator's waves joined at random.
    const f = farm.farm;
    const cards = Math.max(2, Math.round(farm.size / 6));
    const card = `card-f${f}-${r.int(0, cards - 1)}`;
    const device = r.chance(0.4) ? `dev-f${f}-${r.int(0, 2)}` : `dev-${i}`;
    const proxies = Math.max(4, Math.round(farm.size / 4));
    const waveMs = (20 + (f % 3) * 10) * 60_000;
    const events: number[] = [];
    for (let w = END - 20 * HOUR_MS + (f % 7) * 60_000; w < END; w += waveMs)
      if (r.chance(0.3)) events.push(w + r.int(0, 90_000));
    for (let k = 0; k < extra; k++) events.push(extraFromMs + r.int(0, 240_000));
    events.forEach((ts, k) => {
      const p = r.int(0, proxies - 1);
      const template = r.int(0, 7);
      push(k, ts, {
        network: p % 4 === 0 ? `172.16.${(f * 7 + p) % VPN_EXITS}.0/24` : `10.${f % 256}.${p}.0/24`,
        tls: `tls-common-${f % 6}`,
        device,
        payment: card,
        template: `farm-template-${f}-${template}`,
        bands: [`b-f${f}-${template}-0`, `b-f${f}-${template}-1`, `b-${r.int(0, bandPool)}`],
        elicitsReasoning: r.chance(0.7),
        reasoningTokens: 1500 + r.int(0, 1500),
        model: 'model-reasoning',
        task: r.chance(0.6) ? 'math' : 'code',
      });
    });
    return { obs, kind: 'farm' };
  }
  // Ordinary: where real users are.
  const u = hash32(`role-${i}`) % 1000;
  const carrier = u < 100; // behind a carrier NAT /24 with ~300 strangers
  const household = u >= 100 && u < 250; // shares card and home network with the account before it
  const vpn = u >= 250 && u < 270; // leaves through the VPN exits farms rent
  const capability = u >= 270 && u < 470; // asks maths and code, often for worked answers
  const agent = u >= 470 && u < 490; // an agent framework's default system prompt
  const home = household ? homeNetwork(i - 1) : homeNetwork(i);
  // A client of its own choosing, drawn apart from the generator so the rest of the data is as before.
  const c = hash32(`client-${i}`) % 1000;
  const tls = c < 80 ? `tls-niche-${c % 20}` : `tls-common-${c % 6}`;
  const card = household ? `card-${i - 1}` : r.chance(0.6) ? `card-${i}` : undefined;
  const events = 1 + Math.floor(r.exponential(6)) + extra;
  for (let k = 0; k < events; k++) {
    const ts = k >= events - extra ? extraFromMs + r.int(0, 240_000) : END - Math.floor(r.next() * 20 * HOUR_MS);
    const elicits = r.chance(capability ? 0.3 : 0.04);
    const network = carrier
      ? `100.64.${Math.floor(i / NAT_SIZE) % 65_536}.0/24`
      : vpn
        ? `172.16.${r.int(0, VPN_EXITS - 1)}.0/24`
        : home;
    push(k, ts, {
      network,
      tls,
      asn: carrier ? 64_512 + (Math.floor(i / NAT_SIZE) % 100) : undefined,
      device: `dev-${i}`,
      ...(card !== undefined ? { payment: card } : {}),
      ...(elicits ? { template: `t-${r.int(0, templates - 1)}` } : {}),
      ...(agent ? { systemPrompt: AGENT_PROMPT } : {}),
      bands: r.chance(0.03)
        ? [`b-trending-${r.int(0, 19)}`, `b-${r.int(0, bandPool)}`]
        : [`b-${r.int(0, bandPool)}`, `b-${r.int(0, bandPool)}`],
      elicitsReasoning: elicits,
      reasoningTokens: r.chance(0.3) ? 800 : 0,
      task: capability ? (r.chance(0.5) ? 'math' : 'code') : r.chance(0.5) ? 'chat' : 'writing',
    });
  }
  const kind = carrier
    ? 'carrier-nat'
    : household
      ? 'household'
      : vpn
        ? 'vpn'
        : capability
          ? 'maths-code'
          : agent
            ? 'agent-framework'
            : 'ordinary';
  return { obs, kind };
}

let writeSeq = 0;

/** Writes accounts' windows and index entries; returns the ordinary ones' ids and kinds. */
async function write(
  keys: KeySpace,
  accounts: Iterable<[number, Synthetic]>,
  total: number,
  label: string,
): Promise<Map<string, string>> {
  const ordinary = new Map<string, string>();
  let pipe = redis.pipeline();
  let queued = 0;
  let done = 0;
  const newestSec = new Array<number>(PARTITIONS).fill(0);
  writeSeq++;
  for (const [i, a] of accounts) {
    const id = `acct-${i}`;
    const p = i % PARTITIONS;
    if (a.kind !== 'farm') ordinary.set(id, a.kind);
    const s = emptyState();
    const entries: IndexEntry[] = [];
    a.obs.sort((x, y) => x.tsMs - y.tsMs);
    a.obs.forEach((o, k) =>
      foldObservation(s, o, { settings, watermarkMs: 0, eventIdHash: k + 1, index: (e) => entries.push(e) }),
    );
    pipe.set(keys.account(TOPIC, p, id), encodeState(s), 'EX', 86_400);
    pipe.zadd(keys.active(TOPIC, p), s.lastSec, id);
    pipe.zadd(keys.written(TOPIC, p), writeSeq, id);
    newestSec[p] = Math.max(newestSec[p] as number, s.lastSec);
    for (const e of entries) pipe.hset(keys.index(e.kind, e.value), `${p}|${id}`, e.day);
    queued++;
    done++;
    if (queued >= 2_000) {
      await pipe.exec();
      pipe = redis.pipeline();
      queued = 0;
    }
    if (done % 100_000 === 0) progress(`${label}: wrote ${done}/${total} account windows`);
  }
  await pipe.exec();
  for (let p = 0; p < PARTITIONS; p++) {
    await redis.sadd(keys.partitions(), `${TOPIC}|${p}`);
    // As window-store.ts keeps them: the partition's newest event, and its written set complete from the start, each
    // call to this function standing for one batch (its number for an offset).
    const meta = keys.partitionMeta(TOPIC, p);
    const before = Number((await redis.hget(meta, 'maxts')) ?? 0);
    await redis.hset(
      meta,
      'maxts',
      Math.max(before, (newestSec[p] as number) * 1000),
      'offset',
      writeSeq,
      'wseq',
      writeSeq,
      'wsince',
      -1,
    );
  }
  return ordinary;
}

function* everyAccount(n: number): Generator<[number, Synthetic]> {
  const r = new Random(n);
  for (let i = 0; i < n; i++) yield [i, args.data === 'simple' ? simpleAccount(i, n, r) : realisticAccount(i, n, 0, 0)];
}

/** 5% of the accounts, active again in the five minutes before `tickMs` (their whole history rewritten). */
function* activeAgain(n: number, tick: number, tickMs: number): Generator<[number, Synthetic]> {
  const r = new Random(n + tick * 7919);
  for (let i = 0; i < n; i++) if (r.chance(0.05)) yield [i, realisticAccount(i, n, 1 + r.int(0, 1), tickMs - 300_000)];
}

async function drop(keys: KeySpace): Promise<void> {
  await deleteKeysWithPrefix(redis, keys.prefix);
}

for (const n of sizes) {
  const keys = new KeySpace(`fwbench-cl-${randomBytes(3).toString('hex')}`);
  try {
    progress(`writing ${n} synthetic account windows (${args.data})`);
    const ordinary = await write(keys, everyAccount(n), n, 'first pass');
    const reader = new WindowReader(redis, keys, TOPIC);
    const times: number[] = [];
    const steadyTimes: number[] = [];
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
          // As the clusterer runs (FARMWATCH_REFIT_DRIFT; 0 scores every component at every tick).
          refit: { drift: refitDrift, minMembers: REMEMBER_MIN_MEMBERS },
          latenessMs: settings.latenessMs,
        },
        new ClusterRegistry(),
      );
      const loopMs = machineLoopMs();
      peakRss = process.memoryUsage().rss;
      progress(`clustering ${n} active accounts (run ${run}/${args.runs}; machine loop ${loopMs} ms)`);
      const t0 = performance.now();
      // Each run starts after the previous run's steady ticks, so that its own steady ticks find only
      // their own 5% active anew (the windows are shared by the runs).
      const base = END + (run - 1) * args.steady * 300_000;
      const res = await profiled(
        profile && `${profile}-${n}-${run}-first.${profileExt}`,
        () => clusterer.tick(base),
        profileKind,
      );
      const seconds = (performance.now() - t0) / 1000;
      times.push(seconds);
      const flagged = new Set(res.requests.map((q) => q.account_id));
      // Steady ticks: 5% of the accounts active again in the five minutes before each (the simple data
      // has no steady ticks: its accounts cannot be extended). Written between ticks, not timed.
      const ticks: number[] = [];
      if (args.data === 'realistic') {
        for (let t = 1; t <= args.steady; t++) {
          const tickMs = base + t * 300_000;
          await write(keys, activeAgain(n, t + run * 100, tickMs), Math.round(n * 0.05), `steady tick ${t}`);
          progress(`steady tick ${t}/${args.steady} over ${n} accounts (run ${run}/${args.runs})`);
          const s0 = performance.now();
          const step = await profiled(
            profile && `${profile}-${n}-${run}-steady-${t}.${profileExt}`,
            () => clusterer.tick(tickMs),
            profileKind,
          );
          ticks.push((performance.now() - s0) / 1000);
          for (const q of step.requests) flagged.add(q.account_id);
        }
        steadyTimes.push(median(ticks));
      }
      const wrong = [...flagged].filter((a) => ordinary.has(a));
      const byKind = new Map<string, number>();
      for (const a of wrong) byKind.set(ordinary.get(a) as string, (byKind.get(ordinary.get(a) as string) ?? 0) + 1);
      console.log(
        `cluster accounts=${n} run=${run} seconds=${seconds.toFixed(1)} peak_rss_mb=${Math.round(peakRss / 1048576)} ` +
          `candidates=${res.candidates} flagged=${flagged.size} ordinary_flagged=${wrong.length}` +
          (byKind.size > 0 ? ` ordinary_flagged_by_kind=${[...byKind].map(([k, n]) => `${k}:${n}`).join(',')}` : '') +
          (ticks.length > 0
            ? ` steady_tick_s=${median(ticks).toFixed(2)} steady_ticks_s=${ticks.map((t) => t.toFixed(2)).join(',')}`
            : '') +
          ` loop_ms=${loopMs}`,
      );
    }
    if (args.runs > 1)
      console.log(
        `cluster accounts=${n} runs=${args.runs} median_seconds=${median(times).toFixed(1)}` +
          (steadyTimes.length > 0 ? ` median_steady_tick_s=${median(steadyTimes).toFixed(2)}` : ''),
      );
  } finally {
    await drop(keys);
  }
}
clearInterval(rssTimer);
redis.disconnect();
