/**
 * `npm run bench:soak`: a worker process under a steady stream for a set time, to see whether its
 * memory and Redis's stay flat once the windows are full. Events are sent at `--rate` per second;
 * event time runs `--speed` times faster than the wall clock (a day per minute by default), so with
 * the retention set to `--retention-days` the windows fill within the first minutes and old buckets
 * are pruned from then on. Every minute it prints the worker's RSS and Redis's used memory; at the
 * end, their slopes (least squares) over the minutes after the windows filled.
 */
import { createTopicsAndWait } from '../src/kafka/kafkajs-adapter.ts';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { linearRegression } from 'simple-statistics';
import { sampleTraffic } from '../fixtures/sample-traffic.ts';
import { configToEnv, parseConfig } from '../src/config/config.ts';
import { NODE_FLAGS } from '../src/cli/node-flags.ts';
import { deleteKeysWithPrefix } from '../src/redis/delete-prefix.ts';
import { ensureKafka, ensureRedis } from '../src/local/local-services.ts';
import { benchArgs, progress } from './support.ts';

const args = benchArgs('soak', {
  minutes: { default: '10', description: 'how long to stream' },
  rate: { default: '2000', description: 'events per second sent' },
  accounts: { default: '20000', description: 'accounts in the stream (a fixed population)' },
  speed: { default: '1440', description: 'event time per wall time (1440: a day per minute)' },
  'retention-days': { default: '2', description: 'window retention (event time)' },
});

const BIN = fileURLToPath(new URL('../bin/farmwatch.js', import.meta.url));
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const id = randomBytes(4).toString('hex');

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

async function main(): Promise<void> {
  const say = (l: string) => progress(l);
  const services = [await ensureRedis(redisUrl, say), await ensureKafka(brokers, say)];
  const redis = new Redis(redisUrl);
  const config = parseConfig({
    ...process.env,
    FARMWATCH_INPUT_TOPIC: `fwbench-soak-${id}`,
    FARMWATCH_DLQ_TOPIC: `fwbench-soak-${id}.dlq`,
    FARMWATCH_WORKER_GROUP: `fwbench-soak-${id}`,
    FARMWATCH_REDIS_PREFIX: `fwbench-soak-${id}`,
    FARMWATCH_RETENTION: `${args['retention-days']}d`,
    FARMWATCH_HTTP_PORT: '0',
    FARMWATCH_LOG_LEVEL: 'warn',
  });
  const kafka = new Kafka({ clientId: 'fwbench-soak', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsAndWait(admin, [{ topic: config.inputTopic, numPartitions: config.inputPartitions }]);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const worker = spawn(process.execPath, [...NODE_FLAGS, BIN, 'worker'], {
    env: { ...process.env, ...configToEnv(config) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  const total = Math.round(args.minutes * 60 * args.rate);
  const eventSpanMs = args.minutes * 60_000 * args.speed;
  // Ends a little before now: the newest events stay inside the future-skew limit.
  const startMs = Date.now() - eventSpanMs - 60_000;
  const stream = sampleTraffic({
    seed: 5,
    accounts: args.accounts,
    events: total,
    startMs,
    meanGapMs: eventSpanMs / total,
    gatewayFingerprints: false,
  });
  const fillMinute = Math.ceil((args['retention-days'] * 86_400_000) / (60_000 * args.speed));
  progress(
    `soak: ${args.minutes} min at ${args.rate} events/s, ${args.accounts} accounts, event time ${args.speed}× wall ` +
      `time; retention ${args['retention-days']} d fills after minute ${fillMinute}`,
  );

  const samples: { minute: number; rss: number; redis: number }[] = [];
  const usedMb = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0) / 1048576;
  const committed = async () => {
    const [res] = await admin.fetchOffsets({ groupId: config.workerGroup, topics: [config.inputTopic] });
    return (res?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  };
  const started = Date.now();
  let sent = 0;
  let nextMinute = 1;
  const tickMs = 200;
  for (let step = 0; sent < total; step++) {
    const due = Math.min(total, Math.round(((step + 1) * tickMs * args.rate) / 1000));
    const batch: { key: string; value: string }[] = [];
    while (sent < due) {
      const m = stream.next();
      if (m.done) break;
      batch.push({ key: m.value.key, value: m.value.value });
      sent++;
    }
    if (batch.length > 0) await producer.send({ topic: config.inputTopic, acks: 1, messages: batch });
    const wait = started + (step + 1) * tickMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (Date.now() - started >= nextMinute * 60_000) {
      const s = { minute: nextMinute, rss: rssMb(worker.pid as number), redis: await usedMb() };
      samples.push(s);
      const applied = await committed();
      progress(
        `minute ${s.minute}: sent ${sent}, applied ${applied} (lag ${sent - applied}), ` +
          `worker_rss_mb=${s.rss.toFixed(1)} redis_used_mb=${s.redis.toFixed(1)}`,
      );
      nextMinute++;
    }
  }
  const after = samples.filter((s) => s.minute > fillMinute);
  const slope = (key: 'rss' | 'redis') =>
    after.length >= 2 ? linearRegression(after.map((s) => [s.minute, s[key]])).m : NaN;
  const applied = await committed();
  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  await producer.disconnect();
  await admin.deleteTopics({ topics: [config.inputTopic, config.deadLetterTopic] }).catch(() => undefined);
  await admin.disconnect();
  await deleteKeysWithPrefix(redis, config.redisPrefix);
  redis.disconnect();
  for (const svc of services.reverse()) await svc.release();
  console.log(
    `soak minutes=${args.minutes} rate=${args.rate} sent=${sent} applied=${applied} ` +
      `minutes_after_fill=${after.length} rss_slope_mb_per_min=${slope('rss').toFixed(2)} ` +
      `redis_slope_mb_per_min=${slope('redis').toFixed(2)} rss_last_mb=${samples.at(-1)?.rss.toFixed(1)} ` +
      `redis_last_mb=${samples.at(-1)?.redis.toFixed(1)}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
