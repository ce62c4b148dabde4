/**
 * Template hash: the prompt with its variable parts masked, hashed. Two prompts made from one template
 * (the same words around different numbers, quoted passages, code, names or ids) get one hash.
 * Masking order matters: code blocks and quotes first, so numbers inside them do not leave traces.
 */
import { hash64Hex } from './hash.ts';

const MASKS: readonly [RegExp, string][] = [
  [/```[\s\S]*?(```|$)/g, ' <code> '],
  [/`[^`\n]+`/g, ' <code> '],
  [/"[^"\n]{1,2000}"|“[^”\n]{1,2000}”|«[^»\n]{1,2000}»|„[^“\n]{1,2000}“|「[^」\n]{1,2000}」/g, ' <q> '],
  [/(?<![\p{L}\p{N}])'[^'\n]{1,2000}'(?![\p{L}\p{N}])/gu, ' <q> '],
  [/\bhttps?:\/\/\S+|\bwww\.\S+/gi, ' <url> '],
  [/\b[\w.+-]+@[\w-]+\.[\w.-]+\b/g, ' <email> '],
  // Long identifiers: uuids, hex digests, snake/camel identifiers with digits, base64-ish tokens.
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, ' <id> '],
  [/\b(?=[A-Za-z0-9_\-]*[0-9_])[A-Za-z0-9_\-]{12,}\b/g, ' <id> '],
  [/[-+]?\d(?:[\d,._]*\d)?(?:e[-+]?\d+)?/gi, ' <n> '],
  // Capitalised words after the first word of a sentence are usually names (of people, places, products).
  [/(?<=[\p{Ll}\p{N},;:>] +)\p{Lu}\p{Ll}+(?: \p{Lu}\p{Ll}+)*/gu, ' <name> '],
];

export function maskTemplate(text: string): string {
  let t = text;
  for (const [re, token] of MASKS) t = t.replace(re, token);
  return t
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/(<\w+>)(?: ?\1)+/g, '$1')
    .trim();
}

export function templateHash(text: string): string {
  return hash64Hex(maskTemplate(text));
}

/** System prompts are compared verbatim but for whitespace. */
export function systemPromptHash(text: string): string {
  return hash64Hex(text.replace(/\s+/g, ' ').trim());
}
