/**
 * A prompt's fingerprints, computed the same way by the worker (raw text in an event) and by a
 * gateway running `farmwatch/fingerprint` before it publishes. Every part reads the bounded window of
 * the text (text-window.ts) and is linear in it, so no prompt costs more than a fixed amount of work.
 */
import { REASONING_REQUEST_THRESHOLD, reasoningRequestScore } from './reasoning-request.ts';
import { simhash64 } from './simhash.ts';
import { taskCategory, type TaskCategory } from './task-category.ts';
import { systemPromptHash, templateHash } from './template.ts';
import { textWindow } from './text-window.ts';

export interface PromptFingerprint {
  readonly simhash: string;
  readonly templateHash: string;
  /** How strongly the prompt asks for the model's reasoning, 0–1 (the event's `prompt.reasoning_request`). */
  readonly reasoningRequest: number;
  /** reasoningRequest at or above REASONING_REQUEST_THRESHOLD. */
  readonly elicitsReasoning: boolean;
  /** Coarse task category (the event's `prompt.task`). */
  readonly task: TaskCategory;
  readonly systemPromptHash?: string;
  /** Length of the whole text in UTF-16 units (not only of the window read). */
  readonly chars: number;
}

export function fingerprintPrompt(input: { readonly text: string; readonly systemText?: string }): PromptFingerprint {
  const text = textWindow(input.text);
  const reasoningRequest = reasoningRequestScore(text);
  const fp: { -readonly [K in keyof PromptFingerprint]: PromptFingerprint[K] } = {
    simhash: simhash64(text),
    templateHash: templateHash(text),
    reasoningRequest,
    elicitsReasoning: reasoningRequest >= REASONING_REQUEST_THRESHOLD,
    task: taskCategory(text),
    chars: input.text.length,
  };
  if (input.systemText !== undefined && input.systemText.length > 0)
    fp.systemPromptHash = systemPromptHash(textWindow(input.systemText));
  return fp;
}

/** The event's `prompt` fields (contract names) a gateway sends instead of the raw text. */
export interface GatewayPromptFields {
  simhash: string;
  template_hash: string;
  system_prompt_hash?: string;
  chars: number;
  reasoning_request: number;
  task: TaskCategory;
}

export function promptFields(fp: PromptFingerprint): GatewayPromptFields {
  const out: GatewayPromptFields = {
    simhash: fp.simhash,
    template_hash: fp.templateHash,
    chars: fp.chars,
    reasoning_request: fp.reasoningRequest,
    task: fp.task,
  };
  if (fp.systemPromptHash !== undefined) out.system_prompt_hash = fp.systemPromptHash;
  return out;
}
