/**
 * `farmwatch/fingerprint`: the prompt fingerprints farmwatch computes, as a library a gateway can run
 * before publishing, so that raw prompt text never crosses Kafka. Put the results in the event's
 * `prompt` object (`simhash`, `template_hash`, `system_prompt_hash`, `chars`).
 *
 *   import { fingerprintPrompt } from 'farmwatch/fingerprint';
 *   const fp = fingerprintPrompt({ text, systemText });
 *   event.prompt = { simhash: fp.simhash, template_hash: fp.templateHash, system_prompt_hash: fp.systemPromptHash, chars: fp.chars };
 *
 * Pure functions: no I/O, nothing kept.
 */
import { simhash64 } from './simhash.ts';
import { systemPromptHash, templateHash } from './template.ts';
import { elicitsReasoning } from './reasoning-elicitation.ts';

export { simhash64, simhashBands, hammingDistance, words } from './simhash.ts';
export { maskTemplate, templateHash, systemPromptHash } from './template.ts';
export { elicitsReasoning, ELICITATION_PATTERNS } from './reasoning-elicitation.ts';
export { networkPrefix } from './network.ts';
export { hash64Hex, shortHash } from './hash.ts';

export interface PromptFingerprint {
  readonly simhash: string;
  readonly templateHash: string;
  readonly elicitsReasoning: boolean;
  readonly systemPromptHash?: string;
  readonly chars: number;
}

export function fingerprintPrompt(input: { readonly text: string; readonly systemText?: string }): PromptFingerprint {
  const fp: { -readonly [K in keyof PromptFingerprint]: PromptFingerprint[K] } = {
    simhash: simhash64(input.text),
    templateHash: templateHash(input.text),
    elicitsReasoning: elicitsReasoning(input.text),
    chars: input.text.length,
  };
  if (input.systemText !== undefined && input.systemText.length > 0) fp.systemPromptHash = systemPromptHash(input.systemText);
  return fp;
}
