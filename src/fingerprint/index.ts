/**
 * `farmwatch/fingerprint`: the prompt fingerprints farmwatch computes, as a library a gateway can run
 * before publishing, so that raw prompt text never crosses Kafka. Put the results in the event's
 * `prompt` object (`simhash`, `template_hash`, `system_prompt_hash`, `chars`).
 *
 *   import { fingerprintPrompt } from 'farmwatch/fingerprint';
 *   const fp = fingerprintPrompt({ text, systemText });
 *   event.prompt = { simhash: fp.simhash, template_hash: fp.templateHash, system_prompt_hash: fp.systemPromptHash, chars: fp.chars };
 *
 * Pure functions: no I/O, nothing kept. Each reads at most a bounded window of a long text
 * (head and tail, see text-window.ts) in linear time, so it is safe to run inline on any input.
 */
export { fingerprintPrompt, type PromptFingerprint } from './prompt-fingerprint.ts';
export { textWindow, WINDOW_HEAD, WINDOW_TAIL } from './text-window.ts';
export { simhash64, simhashBands, hammingDistance, words } from './simhash.ts';
export { maskTemplate, templateHash, systemPromptHash } from './template.ts';
export { elicitsReasoning, ELICITATION_PATTERNS } from './reasoning-elicitation.ts';
export { networkPrefix } from './network.ts';
export { hash64Hex, shortHash } from './hash.ts';
