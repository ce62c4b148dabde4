/**
 * `farmwatch/fingerprint`: the prompt fingerprints farmwatch computes, as a library a gateway can run
 * before publishing, so that raw prompt text never crosses Kafka. Put the results in the event's
 * `prompt` object (`simhash`, `template_hash`, `system_prompt_hash`, `chars`, `reasoning_request`, `task`):
 * detection from these is the same as from the raw text, because the worker computes the same values.
 *
 *   import { fingerprintPrompt, promptFields } from 'farmwatch/fingerprint';
 *   event.prompt = promptFields(fingerprintPrompt({ text, systemText }));
 *
 * Pure functions: no I/O, nothing kept. Each reads at most a bounded window of a long text
 * (head and tail, see text-window.ts) in linear time, so it is safe to run inline on any input.
 */
export {
  fingerprintPrompt,
  promptFields,
  type PromptFingerprint,
  type GatewayPromptFields,
} from './prompt-fingerprint.ts';
export {
  reasoningRequestScore,
  asksForReasoning,
  asksForReasoning as elicitsReasoning,
  REASONING_REQUEST_THRESHOLD,
} from './reasoning-request.ts';
export { taskCategory, TASK_CATEGORIES, CAPABILITY_TASKS, type TaskCategory } from './task-category.ts';
export { textWindow, WINDOW_HEAD, WINDOW_TAIL } from './text-window.ts';
export { simhash64, simhashBands, hammingDistance, words } from './simhash.ts';
export { maskTemplate, templateHash, systemPromptHash } from './template.ts';
export { networkPrefix } from './network.ts';
export { hash64Hex, shortHash } from './hash.ts';
