/**
 * `npm run eval:phrases`: the reasoning-request scorer on the labelled phrase corpus
 * (fixtures/phrases/reasoning-requests.json) and on ordinary people's prompts from the traffic
 * generator. Prints one line per family and a summary per split; `--split heldout` reports the
 * families the cue lists were not adjusted to (run it to report, never to tune). Ends with
 *   phrases split=… ask_prompts=… recall=… negative_prompts=… false_asks=… ordinary_prompts=… ordinary_false_ask_rate=…
 */
import { readFileSync } from 'node:fs';
import { Random } from '../fixtures/random.ts';
import { humanPrompt } from '../fixtures/behaviours/prompts.ts';
import { asksForReasoning } from '../src/fingerprint/reasoning-request.ts';
import { evaluateFamily, summarise, type PhraseCorpus } from '../src/evaluation/reasoning-phrases.ts';
import { benchArgs, progress } from './support.ts';

const args = benchArgs('eval:phrases', {
  split: { default: 'tune', description: 'tune or heldout', text: true },
  ordinary: { default: '20000', description: "ordinary people's prompts (no reasoning ask) to measure false asks on" },
});
if (args.split !== 'tune' && args.split !== 'heldout') {
  console.error(`--split ${JSON.stringify(args.split)} is invalid: expected tune or heldout`);
  process.exit(2);
}
const corpus = JSON.parse(
  readFileSync(new URL('../fixtures/phrases/reasoning-requests.json', import.meta.url), 'utf8'),
) as PhraseCorpus;
const results = corpus.families.filter((f) => f.split === args.split).map((f) => evaluateFamily(f, corpus.problems));
for (const r of results) {
  const share = r.asks / r.prompts;
  const wrong = r.missed.length > 0 ? `  wrong: ${r.missed.map((m) => JSON.stringify(m)).join(', ')}` : '';
  console.log(
    `${r.family.label.padEnd(8)} ${r.family.name.padEnd(26)} ${r.family.lang}  ${String(r.prompts).padStart(4)} ` +
      `prompts  scored as asks ${(share * 100).toFixed(1).padStart(5)}%${wrong}`,
  );
}
const s = summarise(results);
const r = new Random(4242);
let ordinaryAsks = 0;
for (let i = 0; i < args.ordinary; i++) {
  if (asksForReasoning(humanPrompt(r, 0))) ordinaryAsks++;
  if (i > 0 && i % 10_000 === 0) progress(`ordinary prompts ${i}/${args.ordinary}`);
}
console.log(
  `phrases split=${args.split} ask_prompts=${s.askPrompts} recall=${s.askRecall.toFixed(4)} ` +
    `negative_prompts=${s.negativePrompts} false_asks=${s.negativeFalseAsks} ordinary_prompts=${args.ordinary} ` +
    `ordinary_false_ask_rate=${(ordinaryAsks / Math.max(1, args.ordinary)).toFixed(4)}`,
);
