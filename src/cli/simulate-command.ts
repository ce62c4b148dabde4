/**
 * `farmwatch simulate`: writes a labelled scenario (fixtures/scenarios) as JSON lines, or streams it
 * into the input topic. Progress on stderr.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Partitioners } from 'kafkajs';
import { generateScenario, loadScenario, PRODUCERS } from '../../fixtures/generate.ts';
import type { ScenarioSpec } from '../../fixtures/behaviours/types.ts';
import type { Config } from '../config/config.ts';
import { FarmwatchError } from '../errors/farmwatch-error.ts';
import { createKafka } from '../kafka/kafkajs-adapter.ts';
import type { Logger } from '../logging/logger.ts';
import { intOption, type Command, type ParsedOptions } from './command.ts';

export function numberOption(opts: ParsedOptions, name: string, min: number, max: number): number {
  const raw = opts[name];
  const n = typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max))
    throw new FarmwatchError(
      'USAGE',
      `--${name} ${JSON.stringify(raw)} is invalid: expected a number from ${min} to ${max}`,
    );
  return n;
}

/** The --scenario option: a scenario's name or a .json path; a bad one is a one-line scenario error. */
export function scenarioOption(opts: ParsedOptions): ScenarioSpec {
  return loadScenario(String(opts.scenario));
}

export function simulateCommand(config: () => Config, log: (c: Config) => Logger): Command {
  return {
    name: 'simulate',
    summary: 'Generate a labelled traffic scenario to a JSON-lines file (and a labels file) or into Kafka.',
    options: {
      scenario: {
        type: 'string',
        description: 'Scenario name (a file in fixtures/scenarios) or path to a scenario .json file.',
        default: 'mixed-small',
      },
      seed: { type: 'string', description: 'Random seed: the same seed gives byte-identical output.', default: '1' },
      scale: { type: 'string', description: "Multiplies every group's account count.", default: '1' },
      days: { type: 'string', description: "Length in days (default: the scenario's own)." },
      out: { type: 'string', description: 'Events file to write (JSON lines); labels go to FILE.labels.jsonl.' },
      labels: { type: 'string', description: 'Labels file (default: OUT.labels.jsonl).' },
      producer: {
        type: 'string',
        description:
          'raw: prompts as text; gateway: prompts as the fingerprints farmwatch/fingerprint makes at a gateway (no ' +
          'text).',
        default: 'raw',
      },
      'to-kafka': {
        type: 'boolean',
        description: 'Produce the events to the input topic instead of a file.',
        default: false,
      },
    },
    async run(opts) {
      const spec = scenarioOption(opts);
      const seed = intOption(opts, 'seed', 0, 2 ** 31);
      const scale = numberOption(opts, 'scale', 0.0001, 1000);
      const days = opts.days === undefined ? undefined : intOption(opts, 'days', 1, 365);
      const out = typeof opts.out === 'string' ? opts.out : undefined;
      if (!out && opts['to-kafka'] !== true) throw new FarmwatchError('USAGE', 'give --out FILE or --to-kafka');
      const producer = PRODUCERS.find((p) => p === opts.producer);
      if (producer === undefined)
        throw new FarmwatchError(
          'USAGE',
          `--producer ${JSON.stringify(opts.producer)} is invalid: expected ${PRODUCERS.join(' or ')}`,
        );
      const gen = generateScenario(spec, { seed, scale, producer, ...(days !== undefined ? { days } : {}) });
      const labelsPath = typeof opts.labels === 'string' ? opts.labels : out ? `${out}.labels.jsonl` : undefined;
      if (labelsPath) {
        const ls = createWriteStream(labelsPath);
        for (const l of gen.labels) if (!ls.write(JSON.stringify(l) + '\n')) await once(ls, 'drain');
        ls.end();
        await once(ls, 'finish');
      }
      const attack = gen.labels.filter((l) => l.label === 'attack').length;
      process.stderr.write(
        `simulate: ${spec.name} seed=${seed} scale=${scale}: ${gen.labels.length} accounts (${attack} attack)\n`,
      );
      // A campaign smaller than the smallest cluster can never be flagged: say so, or its recall of 0 puzzles later.
      const minSize = config().minClusterSize;
      const campaignSizes = new Map<string, number>();
      for (const l of gen.labels)
        if (l.label === 'attack') campaignSizes.set(l.group, (campaignSizes.get(l.group) ?? 0) + 1);
      for (const [group, n] of campaignSizes) {
        if (n < minSize)
          process.stderr.write(
            `simulate: warning: campaign ${group} has ${n} account${n === 1 ? '' : 's'} at scale ${scale}, fewer ` +
              `than FARMWATCH_MIN_CLUSTER_SIZE (${minSize}): it can never be flagged\n`,
          );
      }
      let n = 0;
      const tick = () => {
        if (++n % 500_000 === 0) process.stderr.write(`simulate: ${n} events\n`);
      };
      if (opts['to-kafka'] === true) {
        const cfg = config();
        const kafka = createKafka({ brokers: cfg.kafkaBrokers, clientId: `${cfg.kafkaClientId}-simulate` }, log(cfg));
        const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
        await producer.connect();
        let batch: { key: string; value: string }[] = [];
        for (const line of gen.lines) {
          batch.push({ key: (JSON.parse(line) as { account_id: string }).account_id, value: line });
          tick();
          if (batch.length === 1000) {
            await producer.send({ topic: cfg.inputTopic, acks: -1, messages: batch });
            batch = [];
          }
        }
        if (batch.length > 0) await producer.send({ topic: cfg.inputTopic, acks: -1, messages: batch });
        await producer.disconnect();
      } else if (out) {
        const ws = createWriteStream(out);
        for (const line of gen.lines) {
          if (!ws.write(line + '\n')) await once(ws, 'drain');
          tick();
        }
        ws.end();
        await once(ws, 'finish');
      }
      process.stderr.write(
        `simulate: wrote ${n} ` +
          `events${out ? ` to ${out}` : ' to Kafka'}${labelsPath ? `, labels to ${labelsPath}` : ''}\n`,
      );
      return 0;
    },
  };
}
