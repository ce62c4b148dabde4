/**
 * `farmwatch demo`: the main job on embedded defaults. Uses the Kafka and Redis of the config when
 * they answer, starts the local ones when not (saying so), runs the worker, streams a sample of usage
 * events (a few of them invalid) through Kafka, and prints what happened.
 */
import { Partitioners } from 'kafkajs';
import type { Config } from '../config/config.ts';
import { createKafka } from '../kafka/kafkajs-adapter.ts';
import { ensureKafka, ensureRedis, type LocalService } from '../local/local-services.ts';
import type { Logger } from '../logging/logger.ts';
import { intOption, type Command } from './command.ts';
import { startWorker } from './worker-command.ts';

export function demoCommand(config: () => Config, log: (c: Config) => Logger): Command {
  return {
    name: 'demo',
    summary: 'Run the pipeline on embedded defaults: local Kafka and Redis (started if absent), a worker, and a sample stream.',
    options: {
      events: { type: 'string', description: 'How many sample events to stream.', default: '20000' },
      keep: { type: 'boolean', description: 'Keep the local services running after the demo.', default: false },
    },
    async run(opts) {
      const cfg = config();
      const total = intOption(opts, 'events', 1, 10_000_000);
      const say = (line: string) => console.log(`demo: ${line}`);
      const started: LocalService[] = [];
      try {
        started.push(await ensureRedis(cfg.redisUrl, say));
        started.push(await ensureKafka(cfg.kafkaBrokers, say));
        const logger = log(cfg);
        const running = await startWorker(cfg, logger);
        say(`worker consuming ${cfg.inputTopic}; metrics at http://127.0.0.1:${running.ops.port}/metrics`);
        const kafka = createKafka({ brokers: cfg.kafkaBrokers, clientId: `${cfg.kafkaClientId}-demo` }, logger);
        const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
        await producer.connect();
        const start = Date.now() - 3_600_000;
        const runId = start.toString(36);
        let sent = 0;
        let invalid = 0;
        while (sent < total) {
          const messages = [];
          for (let i = sent; i < Math.min(total, sent + 1000); i++) {
            const account = `demo-${i % 997}`;
            // One message in 200 is broken on purpose, to show the dead-letter topic at work.
            if (i % 200 === 199) {
              invalid++;
              messages.push({ key: account, value: `{"event_id":"demo-${runId}-${i}","ts":` });
              continue;
            }
            messages.push({
              key: account,
              value: JSON.stringify({ event_id: `demo-${runId}-${i}`, ts: start + i * 100, account_id: account, input_tokens: 200, output_tokens: 400 }),
            });
          }
          await producer.send({ topic: cfg.inputTopic, acks: -1, messages });
          sent += messages.length;
          if (sent % 10_000 === 0 || sent === total) say(`streamed ${sent}/${total} events`);
        }
        await producer.disconnect();
        const deadline = Date.now() + 120_000;
        let last = -1;
        for (;;) {
          const s = running.worker.stats();
          const done = s.accepted + s.duplicates + Object.values(s.invalid).reduce((a, b) => a + (b ?? 0), 0);
          if (done >= total || Date.now() > deadline) break;
          if (done !== last) say(`worker has processed ${done}/${total}`);
          last = done;
          await new Promise((r) => setTimeout(r, 1_000));
        }
        const s = running.worker.stats();
        await running.stop();
        say(`done: ${s.accepted} events applied to Redis under prefix "${cfg.redisPrefix}", ${invalid} invalid sent to ${cfg.deadLetterTopic} (${JSON.stringify(s.invalid)})`);
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
