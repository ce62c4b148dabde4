/**
 * `npm run bench:ingest`: ingest throughput and Redis memory per account on the real broker and Redis.
 * Produces N realistic events (raw prompt text, ~100,000 accounts, one week of event time) once, then
 * measures in the same run, on the same topic: (a) raw kafkajs consumption doing nothing with the
 * messages, the ceiling; (b) the full worker path into Redis; and, to show where the worker's time
 * goes, two consumers that only do its per-event CPU work in one process: (c) decoding (UTF-8, JSON,
 * schema) and (d) decoding plus fingerprinting. Prints progress, and ends with
 * ingest events_per_s=… raw_events_per_s=… ratio=… redis_bytes_per_account=… decode_only_events_per_s=…
 * decode_fingerprint_events_per_s=… floor_ratio=… worker_cpu_us_per_event=… redis_cpu_us_per_event=…
 * decode_fingerprint_cpu_us_per_event=… loop_ms=…
 * (floor_ratio: the worker's rate over the decode + fingerprint consumer's in the same run, the median of the runs' own
 * ratios; the worker decodes and fingerprints on a thread of its own (--fingerprint-threads, 1 by default) and may use
 * a second core, the consumer uses one)
 * (medians over --runs runs; the bytes are Redis's used_memory growth over the accounts made active; the CPU figures
 * are the worker processes' and Redis's CPU time over the whole worker run per event, the workers' start-up included
 * (~1.8 s of CPU, 6 µs per event at 300,000 events): on a shared machine they move less than the rates, which count
 * the time taken by neighbours; loop_ms, the median of a fixed loop's time before each run, is how fast the machine
 * ran: `machineLoopMs` in support.ts).
 */
import { createTopicsAndWait } from '../src/kafka/kafkajs-adapter.ts';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sampleTraffic } from '../fixtures/sample-traffic.ts';
import { observe } from '../src/fingerprint/observation.ts';
import { createEventDecoder } from '../src/ingest/decode-event.ts';
import { configToEnv, parseConfig, type Config } from '../src/config/config.ts';
import { startWorker } from '../src/cli/worker-command.ts';
import { createLogger } from '../src/logging/logger.ts';
import { NODE_FLAGS } from '../src/cli/node-flags.ts';
import { KeySpace } from '../src/redis/keys.ts';
import { deleteKeysWithPrefix } from '../src/redis/delete-prefix.ts';
import { ensureKafka, ensureRedis } from '../src/local/local-services.ts';
import { benchArgs, machineLoopMs, median, profiled, profileRequest, progress } from './support.ts';

const args = benchArgs('ingest', {
  events: { default: '1000000', description: 'events to produce' },
  accounts: { default: '100000', description: 'distinct accounts' },
  partitions: { default: '6', description: 'partitions of the benchmark topic' },
  runs: { default: '3', description: 'measurements of each path (the median is reported)' },
  workers: { default: '1', description: 'worker processes in the consumer group' },
  'worker-concurrency': {
    default: '3',
    description: "each worker's FARMWATCH_WORKER_CONCURRENCY (partitions it handles at once)",
  },
  'fingerprint-threads': {
    default: '1',
    description: "each worker's FARMWATCH_FINGERPRINT_THREADS (0: decoding and fingerprinting on its main thread)",
  },
  'raw-text': {
    default: '1',
    description: '1: events carry raw prompt text (fingerprinted by the worker); 0: fingerprints made at the gateway',
  },
});

/** Where the worker's profile goes (CPU or heap), if one is asked for. */
const { file: profileFile, kind: profileKind } = profileRequest();
const BIN = fileURLToPath(new URL('../bin/farmwatch.js', import.meta.url));
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const id = randomBytes(4).toString('hex');
const topic = `fwbench-ingest-${id}`;
const kafka = new Kafka({ clientId: 'fwbench', brokers, logLevel: logLevel.NOTHING });
const redis = new Redis(redisUrl);

function configFor(run: number): Config {
  return parseConfig({
    KAFKA_BROKERS: brokers.join(','),
    REDIS_URL: redisUrl,
    FARMWATCH_INPUT_TOPIC: topic,
    FARMWATCH_DLQ_TOPIC: `${topic}-dlq`,
    FARMWATCH_WORKER_GROUP: `fwbench-worker-${id}-${run}`,
    FARMWATCH_REDIS_PREFIX: `fwbench-${id}-${run}`,
    FARMWATCH_HTTP_PORT: '0',
    FARMWATCH_LOG_LEVEL: 'warn',
    FARMWATCH_FINGERPRINT_THREADS: String(args['fingerprint-threads']),
    FARMWATCH_WORKER_CONCURRENCY: String(args['worker-concurrency']),
  });
}

async function produceAll(): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsAndWait(admin, [{ topic, numPartitions: args.partitions }]);
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const weekMs = 7 * 86_400_000;
  let batch: { key: string; value: string }[] = [];
  let sent = 0;
  let bytes = 0;
  const inflight: Promise<unknown>[] = [];
  for (const m of sampleTraffic({
    seed: 42,
    accounts: args.accounts,
    events: args.events,
    startMs: Date.now() - weekMs,
    meanGapMs: weekMs / args.events,
    gatewayFingerprints: args['raw-text'] === 0,
  })) {
    batch.push({ key: m.key, value: m.value });
    bytes += m.value.length;
    if (batch.length === 2_000) {
      inflight.push(producer.send({ topic, acks: 1, messages: batch }));
      batch = [];
      if (inflight.length >= 8) await Promise.all(inflight.splice(0));
      sent += 2_000;
      if (sent % 100_000 === 0) progress(`produced ${sent}/${args.events}`);
    }
  }
  if (batch.length > 0) inflight.push(producer.send({ topic, acks: 1, messages: batch }));
  await Promise.all(inflight);
  await producer.disconnect();
  return bytes / args.events;
}

interface Rate {
  readonly eventsPerS: number;
  /** CPU time of the consuming process per event, group joins and connection included. */
  readonly cpuUsPerEvent: number;
}

/** Consumes the whole topic in a group of its own, calling `each` on every message's value. */
async function consumeOnly(run: number, what: string, each: (value: Buffer | null) => number): Promise<Rate> {
  const cpuBefore = process.cpuUsage();
  const consumer = kafka.consumer({
    groupId: `fwbench-${what}-${id}-${run}`,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let started = 0;
  let checksum = 0;
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: 2,
      eachBatch: async ({ batch }) => {
        if (started === 0) started = performance.now();
        for (const m of batch.messages) checksum += each(m.value);
        seen += batch.messages.length;
        if (seen >= args.events) resolve(performance.now());
      },
    });
  });
  const timer = setInterval(() => progress(`${what} run ${run}: consumed ${seen}/${args.events}`), 5_000);
  const end = await done;
  clearInterval(timer);
  await consumer.disconnect();
  if (checksum === 0) throw new Error(`${what} consumer saw nothing`);
  const cpu = process.cpuUsage(cpuBefore);
  return { eventsPerS: args.events / ((end - started) / 1000), cpuUsPerEvent: (cpu.user + cpu.system) / args.events };
}

// Touch every value so the baseline pays for what the worker minimally must: reading the bytes.
const rawConsume = (run: number) => consumeOnly(run, 'raw', (v) => v?.length ?? 0);

const decoder = createEventDecoder({ maxEventBytes: 1 << 20, maxFutureSkewMs: Number.MAX_SAFE_INTEGER });
const decodeOnly = (run: number) =>
  consumeOnly(run, 'decode', (v) => {
    const r = decoder(v, Date.now());
    return r.ok ? 1 : 0;
  });
const decodeAndFingerprint = (run: number) =>
  consumeOnly(run, 'fingerprint', (v) => {
    const r = decoder(v, Date.now());
    return r.ok ? observe(r.event).bands.length + 1 : 0;
  });

async function usedMemory(): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

async function committed(groupId: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (res?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The full path, as deployed: `--workers` farmwatch worker processes in one consumer group. The rate
 * is measured between the first and the last commit, so process start-up and group joins are out.
 * With BENCH_CPU_PROFILE or BENCH_HEAP_PROFILE set, one worker runs in this process instead, so it can be profiled.
 */
async function workerPath(run: number): Promise<{
  eventsPerS: number;
  bytesPerAccount: number;
  accounts: number;
  workerCpuUs: number;
  redisCpuUs: number;
}> {
  const config = configFor(run);
  const before = await usedMemory();
  const redisCpuBefore = await redisCpuSeconds();
  const stop: (() => Promise<void>)[] = [];
  /** CPU seconds of the worker processes, read just before each is stopped. */
  const cpu: number[] = [];
  if (profileFile !== undefined) {
    const cpuBefore = process.cpuUsage();
    const w = await startWorker(config, createLogger('warn'));
    stop.push(async () => {
      const used = process.cpuUsage(cpuBefore);
      cpu.push((used.user + used.system) / 1e6);
      await w.stop();
    });
  } else {
    for (let i = 0; i < args.workers; i++) {
      const child = spawn(process.execPath, [...NODE_FLAGS, BIN, 'worker'], {
        env: { ...process.env, ...configToEnv(config) },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      stop.push(async () => {
        cpu.push(processCpuSeconds(child.pid));
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      });
    }
  }
  let firstAt = 0;
  let firstCount = 0;
  let last = 0;
  const t0 = performance.now();
  for (;;) {
    const done = await committed(config.workerGroup);
    if (firstAt === 0 && done > 0) {
      firstAt = performance.now();
      firstCount = done;
    }
    if (Math.floor(done / 100_000) !== Math.floor(last / 100_000))
      progress(`worker run ${run}: committed ${done}/${args.events}`);
    last = done;
    if (done >= args.events) break;
    if (performance.now() - t0 > 30 * 60_000) throw new Error(`workers stalled at ${done}/${args.events}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const end = performance.now();
  for (const s of stop) await s();
  const redisCpu = (await redisCpuSeconds()) - redisCpuBefore;
  const accounts = await activeAccounts(config);
  const after = await usedMemory();
  await deletePrefix(config.redisPrefix);
  return {
    eventsPerS: (args.events - firstCount) / ((end - firstAt) / 1000),
    bytesPerAccount: (after - before) / accounts,
    accounts,
    workerCpuUs: (cpu.reduce((a, b) => a + b, 0) * 1e6) / args.events,
    redisCpuUs: (redisCpu * 1e6) / args.events,
  };
}

/** User plus system CPU seconds of a process so far (Linux /proc; NaN elsewhere). */
function processCpuSeconds(pid: number | undefined): number {
  try {
    // Fields after the command name (which is in parentheses and may hold spaces): utime and stime are 14th and 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks; 100 per second on Linux
  } catch {
    return Number.NaN;
  }
}

async function redisCpuSeconds(): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? Number.NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

async function activeAccounts(c: Config): Promise<number> {
  let n = 0;
  const keys = new KeySpace(c.redisPrefix);
  for (let p = 0; p < args.partitions; p++) n += await redis.zcard(keys.active(topic, p));
  return n;
}

async function deletePrefix(prefix: string): Promise<void> {
  await deleteKeysWithPrefix(redis, prefix);
}

async function main(): Promise<void> {
  const say = (l: string) => progress(l);
  const services = [await ensureRedis(redisUrl, say), await ensureKafka(brokers, say)];
  try {
    progress(
      `producing ${args.events} events for ${args.accounts} accounts to ${topic} (${args.partitions} partitions)`,
    );
    const avgBytes = await produceAll();
    progress(`produced; mean event size ${avgBytes.toFixed(0)} bytes`);
    const raw: number[] = [];
    const decoded: number[] = [];
    const fingerprinted: number[] = [];
    const full: number[] = [];
    const bytes: number[] = [];
    const workerCpu: number[] = [];
    const fingerprintCpu: number[] = [];
    const redisCpu: number[] = [];
    /** Per run, the worker's rate over the decode + fingerprint consumer's, measured minutes apart. */
    const floorRatios: number[] = [];
    const loops: number[] = [];
    for (let run = 1; run <= args.runs; run++) {
      loops.push(machineLoopMs());
      progress(`run ${run}: machine loop ${loops[run - 1]} ms`);
      for (const [rates, cpus, consume, what] of [
        [raw, null, rawConsume, 'raw'],
        [decoded, null, decodeOnly, 'decode-only'],
        [fingerprinted, fingerprintCpu, decodeAndFingerprint, 'decode+fingerprint'],
      ] as const) {
        const r = await consume(run);
        rates.push(r.eventsPerS);
        cpus?.push(r.cpuUsPerEvent);
        progress(
          `${what} run ${run}: ${r.eventsPerS.toFixed(0)} events/s, CPU ${r.cpuUsPerEvent.toFixed(1)} µs per event`,
        );
      }
      const w = await profiled(profileFile, () => workerPath(run), profileKind);
      full.push(w.eventsPerS);
      floorRatios.push(w.eventsPerS / (fingerprinted[fingerprinted.length - 1] as number));
      bytes.push(w.bytesPerAccount);
      workerCpu.push(w.workerCpuUs);
      redisCpu.push(w.redisCpuUs);
      progress(
        `worker run ${run}: ${w.eventsPerS.toFixed(0)} events/s (${(floorRatios[run - 1] as number).toFixed(2)} × ` +
          `decode+fingerprint), ${w.bytesPerAccount.toFixed(0)} Redis bytes per ` +
          `account (${w.accounts} accounts), CPU per event: workers ${w.workerCpuUs.toFixed(1)} µs, Redis ` +
          `${w.redisCpuUs.toFixed(1)} µs`,
      );
    }
    const eps = median(full);
    const reps = median(raw);
    console.log(
      `ingest events_per_s=${eps.toFixed(0)} raw_events_per_s=${reps.toFixed(0)} ratio=${(eps / reps).toFixed(2)} ` +
        `redis_bytes_per_account=${median(bytes).toFixed(0)} decode_only_events_per_s=${median(decoded).toFixed(0)} ` +
        `decode_fingerprint_events_per_s=${median(fingerprinted).toFixed(0)} ` +
        `floor_ratio=${median(floorRatios).toFixed(2)} ` +
        `worker_cpu_us_per_event=${median(workerCpu).toFixed(1)} ` +
        `redis_cpu_us_per_event=${median(redisCpu).toFixed(1)} ` +
        `decode_fingerprint_cpu_us_per_event=${median(fingerprintCpu).toFixed(1)} ` +
        `workers=${args.workers} fingerprint_threads=${args['fingerprint-threads']} ` +
        `worker_concurrency=${args['worker-concurrency']} raw_text=${args['raw-text']} ` +
        `runs=${args.runs} loop_ms=${median(loops)}`,
    );
  } finally {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic, `${topic}-dlq`] }).catch(() => undefined);
    await admin.disconnect();
    redis.disconnect();
    for (const s of services.reverse()) await s.release();
  }
}

await main();
