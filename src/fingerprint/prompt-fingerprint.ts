/**
 * A prompt's fingerprints, computed the same way by the worker (raw text in an event) and by a
 * gateway running `farmwatch/fingerprint` before it publishes. Every part reads the bounded window of
 * the text (text-window.ts) and is linear in it, so no prompt costs more than a fixed amount of work.
 */
import { elicitsReasoning } from './reasoning-elicitation.ts';
import { simhash64 } from './simhash.ts';
import { systemPromptHash, templateHash } from './template.ts';
import { textWindow } from './text-window.ts';

export interface PromptFingerprint {
  readonly simhash: string;
  readonly templateHash: string;
  readonly elicitsReasoning: boolean;
  readonly systemPromptHash?: string;
  /** Length of the whole text in UTF-16 units (not only of the window read). */
  readonly chars: number;
}

export function fingerprintPrompt(input: { readonly text: string; readonly systemText?: string }): PromptFingerprint {
  const text = textWindow(input.text);
  const fp: { -readonly [K in keyof PromptFingerprint]: PromptFingerprint[K] } = {
    simhash: simhash64(text),
    templateHash: templateHash(text),
    elicitsReasoning: elicitsReasoning(text),
    chars: input.text.length,
  };
  if (input.systemText !== undefined && input.systemText.length > 0) fp.systemPromptHash = systemPromptHash(textWindow(input.systemText));
  return fp;
}
