/**
 * `farmwatch demo`: the main job on embedded defaults. Uses the Kafka and Redis of the config when
 * they answer and starts local ones when not (saying so); runs a worker and a clusterer; streams a
 * labelled scenario (a few thousand accounts, the hard negatives and two campaigns) through Kafka at
 * speed; prints flagged clusters with their reasons as they are found, and a summary scored against
 * the scenario's labels. Topics and Redis keys are the run's own, and removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Partitioners } from 'kafkajs';
import { generateScenario } from '../../fixtures/generate.ts';
import type { Config } from '../config/config.ts';
import { evaluate, evaluationLine, evaluationTable } from '../evaluation/evaluate.ts';
import type { VerificationRequest } from '../clustering/cluster-registry.ts';
import { createKafka } from '../kafka/kafkajs-adapter.ts';
import { ensureKafka, ensureRedis, type LocalService } from '../local/local-services.ts';
import { deleteKeysWithPrefix } from '../redis/delete-prefix.ts';
import { connectRedis } from '../redis/connect.ts';
import type { Logger } from '../logging/logger.ts';
import { intOption, type Command } from './command.ts';
import { numberOption, scenarioOption } from './simulate-command.ts';
import { startClusterer } from './clusterer-command.ts';
import { startWorker } from './worker-command.ts';
import { startReview } from './review-command.ts';
import { waitForShutdownSignal } from './shutdown.ts';

/** Where the demo leaves its review token: printed as a path, so the token itself is in no log. */
const DEMO_TOKEN_FILE = fileURLToPath(new URL('../../.cache/demo-review-token', import.meta.url));

export function demoCommand(config: () => Config, log: (c: Config) => Logger): Command {
  return {
    name: 'demo',
    summary:
      'Run the whole pipeline on embedded defaults (local Kafka and Redis started if absent) over a labelled ' +
      'scenario, printing flagged clusters.',
    options: {
      scenario: { type: 'string', description: 'Scenario to stream (fixtures/scenarios).', default: 'mixed-small' },
      seed: { type: 'string', description: 'Scenario seed.', default: '1' },
      scale: { type: 'string', description: 'Scenario scale.', default: '1' },
      keep: {
        type: 'boolean',
        description: 'Keep the local services, topics and keys after the demo.',
        default: false,
      },
      'review-port': { type: 'string', description: 'Port of the review page (0 picks a free one).', default: '8080' },
      stay: {
        type: 'boolean',
        description: 'Keep serving the review page after the summary until Ctrl-C (the default on a terminal).',
        default: false,
      },
    },
    async run(opts) {
      const seed = intOption(opts, 'seed', 0, 2 ** 31);
      const scale = numberOption(opts, 'scale', 0.01, 100);
      const spec = scenarioOption(opts);
      const say = (line: string) => console.log(`demo: ${line}`);
      const started: LocalService[] = [];
      const id = randomBytes(3).toString('hex');
      // The demo's own topics and key prefix, on the configured Kafka and Redis.
      const base = config();
      const cfg: Config = {
        ...base,
        inputTopic: `farmwatch.demo-${id}.usage`,
        deadLetterTopic: `farmwatch.demo-${id}.usage.dlq`,
        verificationTopic: `farmwatch.demo-${id}.verification`,
        clustersTopic: `farmwatch.demo-${id}.clusters`,
        workerGroup: `farmwatch-demo-${id}`,
        redisPrefix: `fwdemo-${id}`,
        // Quiet by default: the demo prints its own lines; FARMWATCH_LOG_LEVEL still wins when set.
        logLevel: process.env.FARMWATCH_LOG_LEVEL ? base.logLevel : 'warn',
      };
      try {
        if (cfg.redisClusterNodes.length === 0) started.push(await ensureRedis(cfg.redisUrl, say));
        else say(`redis: using the cluster at ${cfg.redisClusterNodes.join(', ')}`);
        started.push(await ensureKafka(cfg.kafkaBrokers, say));
        const logger = log(cfg);
        say(
          `this run's topics are ${cfg.inputTopic} (+ .dlq, .verification, .clusters); Redis keys under ` +
            `${cfg.redisPrefix}:`,
        );
        const worker = await startWorker({ ...cfg, httpPort: 0 }, logger);
        const requests: VerificationRequest[] = [];
        const announced = new Map<string, number>();
        const clusterer = await startClusterer({ ...cfg, httpPort: 0 }, logger, (r) => {
          for (const q of r.requests) requests.push(q);
          for (const c of r.changed) {
            if (c.band !== 'verify' || (announced.get(c.id) ?? 0) * 1.5 > c.requested.length) continue;
            announced.set(c.id, c.requested.length);
            say(
              `flagged cluster ${c.id} at ${new Date(r.tickMs).toISOString()}: ${c.requested.length} accounts sent ` +
                `to verification, score ${c.score}`,
            );
            for (const reason of c.reasons.slice(0, 4)) say(`    ${reason.code}: ${reason.detail}`);
          }
        });
        say(
          `worker metrics at http://127.0.0.1:${worker.ops.port}/metrics, clusterer metrics at ` +
            `http://127.0.0.1:${clusterer.ops.port}/metrics`,
        );
        const token = randomBytes(18).toString('base64url');
        mkdirSync(dirname(DEMO_TOKEN_FILE), { recursive: true });
        writeFileSync(DEMO_TOKEN_FILE, token + '\n', { mode: 0o600 });
        const review = await startReview(
          { ...cfg, reviewHost: '127.0.0.1', reviewPort: intOption(opts, 'review-port', 0, 65535) },
          logger,
          [`demo:analyst:${token}`],
        );
        say(`review page at ${review.server.url} — sign in with the token in ${DEMO_TOKEN_FILE}`);

        const gen = generateScenario(spec, { seed, scale });
        say(
          `streaming scenario ${spec.name} (seed ${seed}): ${gen.labels.length} accounts, ` +
            `${gen.labels.filter((l) => l.label === 'attack').length} of them in campaigns`,
        );
        const kafka = createKafka({ brokers: cfg.kafkaBrokers, clientId: `${cfg.kafkaClientId}-demo` }, logger);
        const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
        await producer.connect();
        let sent = 0;
        let batch: { key: string; value: string }[] = [];
        let lastTs = 0;
        const exchanges = new Map<string, number[]>();
        for (const line of gen.lines) {
          const e = JSON.parse(line) as { account_id: string; ts: number; type?: string };
          lastTs = e.ts;
          if (e.type !== 'account') {
            const list = exchanges.get(e.account_id) ?? [];
            list.push(e.ts);
            exchanges.set(e.account_id, list);
          }
          batch.push({ key: e.account_id, value: line });
          if (batch.length === 1000) {
            await producer.send({ topic: cfg.inputTopic, acks: -1, messages: batch });
            sent += batch.length;
            batch = [];
            if (sent % 10_000 === 0) say(`streamed ${sent} events (event time ${new Date(lastTs).toISOString()})`);
          }
        }
        // A few messages a producer could get wrong, to show where they go: the dead-letter topic, with
        // their original bytes and a reason, while the partition goes on.
        batch.push(...invalidSamples(lastTs));
        if (batch.length > 0) await producer.send({ topic: cfg.inputTopic, acks: -1, messages: batch });
        sent += batch.length;
        await producer.disconnect();
        say(`streamed all ${sent} events; waiting for the worker and the clusterer to catch up`);
        const target = lastTs - cfg.tickMs;
        const deadline = Date.now() + 10 * 60_000;
        for (;;) {
          const s = worker.worker.stats();
          const done = s.accepted + s.duplicates + s.late + Object.values(s.invalid).reduce((a, b) => a + (b ?? 0), 0);
          const tick = Number(
            (await clusterer.redis.redis.hget(`${cfg.redisPrefix}:{clusterer}:state`, 'last_tick')) ?? 0,
          );
          if ((done >= sent && tick >= target) || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 1_000));
        }
        await clusterer.stop();
        const dead = worker.worker.stats().invalid;
        const deadTotal = Object.values(dead).reduce((a, b) => a + (b ?? 0), 0);
        const reasons = Object.entries(dead).map(([reason, n]) => `${reason} ${n}`);
        say(
          `the dead-letter topic ${cfg.deadLetterTopic} got ${deadTotal} messages, each with its original bytes ` +
            `and a farmwatch-dlq-reason header: ${reasons.join(', ') || 'none'}`,
        );
        await worker.stop();
        const e = evaluate(gen.labels, requests, exchanges);
        say('summary, scored against the scenario labels:');
        console.log(evaluationTable(e));
        console.log(evaluationLine(e));
        if (opts.stay === true || (process.stdout.isTTY && opts.keep !== true)) {
          say(
            `the review page stays at ${review.server.url} (token in ${DEMO_TOKEN_FILE}); press Ctrl-C to stop and ` +
              `clean up`,
          );
          await waitForShutdownSignal(logger);
        }
        await review.stop();
        if (opts.keep !== true) await cleanUp(cfg, logger);
        return 0;
      } finally {
        const mine = started.filter((svc) => svc.startedHere).reverse();
        if (opts.keep === true) {
          if (mine.length > 0) say('local services left running (--keep); stop Kafka with `npm run kafka:stop`');
        } else {
          for (const svc of mine) {
            say(`stopping the local service started at ${svc.address}`);
            await svc.release();
          }
        }
      }
    },
  };
}

async function cleanUp(cfg: Config, logger: Logger): Promise<void> {
  const kafka = createKafka({ brokers: cfg.kafkaBrokers, clientId: `${cfg.kafkaClientId}-demo` }, logger);
  const raw = kafka.admin();
  await raw.connect();
  await raw
    .deleteTopics({ topics: [cfg.inputTopic, cfg.deadLetterTopic, cfg.verificationTopic, cfg.clustersTopic] })
    .catch(() => undefined);
  await raw.disconnect();
  const redis = connectRedis(cfg, logger);
  await deleteKeysWithPrefix(redis.redis, cfg.redisPrefix);
  await redis.close();
}

/** Messages a producer could get wrong, one per kind of mistake, for the demo's dead-letter topic. */
function invalidSamples(tsMs: number): { key: string; value: string }[] {
  return [
    { key: 'demo-invalid-1', value: '{"event_id": "demo-invalid-1", "ts": oops' },
    { key: 'demo-invalid-2', value: JSON.stringify({ event_id: 'demo-invalid-2', ts: tsMs, input_tokens: 'many' }) },
    {
      key: 'demo-invalid-3',
      value: JSON.stringify({
        event_id: 'demo-invalid-3',
        account_id: 'demo-invalid',
        ts: Date.now() + 30 * 86_400_000,
      }),
    },
    { key: 'demo-invalid-4', value: JSON.stringify([{ event_id: 'demo-invalid-4' }]) },
  ];
}
