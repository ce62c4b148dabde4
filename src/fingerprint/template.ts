/**
 * Template hash: the prompt with its variable parts masked, hashed. Two prompts made from one template
 * (the same words around different numbers, quoted passages, code, names or ids) get one hash.
 * Masking order matters: code blocks and quotes first, so numbers inside them do not leave traces.
 *
 * Every step is linear in the text, whatever the text: operators of the farms we catch write the
 * prompts, and one slow prompt would stall a partition. Where a regular expression would need a
 * lookbehind over an unbounded run, or would rescan the same run from every position in it (e-mails,
 * identifiers, quotes whose opening mark can repeat inside them), a small scanner does the same job
 * in one pass, with exactly the regular expression's matches (test/fingerprint/golden-fingerprints.json
 * holds hashes made by the regular expressions; test/fingerprint/linear-time.test.ts times them).
 */
import { hash64Hex } from './hash.ts';

type Mask = (text: string) => string;

const replaceWith =
  (re: RegExp, token: string): Mask =>
  (t) =>
    t.replace(re, token);

const MASKS: readonly Mask[] = [
  // Both are linear: a fence without its closer runs to the end; `[^`\n]+` stops at the next mark.
  replaceWith(/```[\s\S]*?(```|$)/g, ' <code> '),
  replaceWith(/`[^`\n]+`/g, ' <code> '),
  maskPairedQuotes,
  maskSingleQuotes,
  replaceWith(/\bhttps?:\/\/\S+|\bwww\.\S+/gi, ' <url> '),
  maskEmails,
  // Long identifiers: uuids, hex digests, snake/camel identifiers with digits, base64-ish tokens.
  replaceWith(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, ' <id> '),
  maskIdentifiers,
  // Linear: a match starts at a digit and ends at the last digit its run of separators reaches.
  replaceWith(/[-+]?\d(?:[\d,._]*\d)?(?:e[-+]?\d+)?/gi, ' <n> '),
  maskNames,
];

export function maskTemplate(text: string): string {
  let t = text;
  for (const mask of MASKS) t = mask(t);
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

/** Longest quoted passage masked, in UTF-16 units; a longer one is left as text. */
const MAX_QUOTE = 2000;

/**
 * Next index at or after `from` of `ch`, remembering the answer per character: the scans ask with
 * growing `from`, so each character's search covers the text once.
 */
class NextIndex {
  private readonly found = new Map<string, number>();
  constructor(private readonly text: string) {}

  of(ch: string, from: number): number {
    const known = this.found.get(ch);
    if (known !== undefined && (known >= from || known === Infinity)) return known;
    const i = this.text.indexOf(ch, from);
    const at = i < 0 ? Infinity : i;
    this.found.set(ch, at);
    return at;
  }
}

const QUOTE_CLOSERS: Readonly<Record<string, string>> = { '"': '"', '“': '”', '«': '»', '„': '“', '「': '」' };
const QUOTE_OPENERS = /["“«„「]/g;

/**
 * `"[^"\n]{1,2000}"|“[^”\n]{1,2000}”|«…»|„…“|「…」`, in one pass: the closing mark is the first one
 * after the opening, within 2,000 units and before a newline.
 */
function maskPairedQuotes(t: string): string {
  const next = new NextIndex(t);
  let out = '';
  let last = 0;
  QUOTE_OPENERS.lastIndex = 0;
  for (let m = QUOTE_OPENERS.exec(t); m !== null; m = QUOTE_OPENERS.exec(t)) {
    const i = m.index;
    const j = next.of(QUOTE_CLOSERS[m[0]] as string, i + 1);
    const len = j - i - 1;
    if (len < 1 || len > MAX_QUOTE || next.of('\n', i + 1) < j) continue;
    out += t.slice(last, i) + ' <q> ';
    last = j + 1;
    QUOTE_OPENERS.lastIndex = j + 1;
  }
  return last === 0 ? t : out + t.slice(last);
}

const LETTER_OR_NUMBER = /[\p{L}\p{N}]/u;

function codePointBefore(t: string, i: number): string {
  const lo = t.charCodeAt(i - 1);
  if (i >= 2 && lo >= 0xdc00 && lo <= 0xdfff) {
    const hi = t.charCodeAt(i - 2);
    if (hi >= 0xd800 && hi <= 0xdbff) return t.slice(i - 2, i);
  }
  return t.slice(i - 1, i);
}

function codePointAt(t: string, i: number): string {
  const cp = t.codePointAt(i);
  return cp === undefined ? '' : String.fromCodePoint(cp);
}

/** `(?<![\p{L}\p{N}])'[^'\n]{1,2000}'(?![\p{L}\p{N}])`: apostrophes inside words are not quotes. */
function maskSingleQuotes(t: string): string {
  const next = new NextIndex(t);
  let out = '';
  let last = 0;
  for (let i = t.indexOf("'"); i >= 0; i = t.indexOf("'", i + 1)) {
    if (i > 0 && LETTER_OR_NUMBER.test(codePointBefore(t, i))) continue;
    const j = next.of("'", i + 1);
    const len = j - i - 1;
    if (len < 1 || len > MAX_QUOTE || next.of('\n', i + 1) < j) continue;
    if (j + 1 < t.length && LETTER_OR_NUMBER.test(codePointAt(t, j + 1))) continue;
    out += t.slice(last, i) + ' <q> ';
    last = j + 1;
    i = j;
  }
  return last === 0 ? t : out + t.slice(last);
}

/** ASCII \w, as in a regular expression without the u flag. */
function isWord(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
/** `\b` between i - 1 and i. */
function boundary(t: string, i: number): boolean {
  const before = i > 0 && isWord(t.charCodeAt(i - 1));
  const after = i < t.length && isWord(t.charCodeAt(i));
  return before !== after;
}
const isLocalPart = (c: number) => isWord(c) || c === 46 || c === 43 || c === 45; // [\w.+-]
const isDomainLabel = (c: number) => isWord(c) || c === 45; // [\w-]
const isDomainRest = (c: number) => isWord(c) || c === 46 || c === 45; // [\w.-]

/**
 * `\b[\w.+-]+@[\w-]+\.[\w.-]+\b`, one `@` at a time: the local part is the run before the `@` (from
 * its first word boundary), the domain the run after it. As a regular expression, a long run of
 * `[\w.+-]` without an `@` was rescanned from each of its positions.
 */
function maskEmails(t: string): string {
  let out = '';
  let last = 0;
  let from = 0;
  for (let at = t.indexOf('@'); at >= 0; at = t.indexOf('@', Math.max(at + 1, from))) {
    let runStart = at;
    while (runStart > from && isLocalPart(t.charCodeAt(runStart - 1))) runStart--;
    let start = -1;
    for (let s = runStart; s < at; s++) {
      if (boundary(t, s)) {
        start = s;
        break;
      }
    }
    if (start < 0) continue;
    let dot = at + 1;
    while (dot < t.length && isDomainLabel(t.charCodeAt(dot))) dot++;
    if (dot === at + 1 || t[dot] !== '.') continue;
    let runEnd = dot + 1;
    while (runEnd < t.length && isDomainRest(t.charCodeAt(runEnd))) runEnd++;
    let end = runEnd;
    while (end > dot + 1 && !boundary(t, end)) end--;
    if (end === dot + 1) continue;
    out += t.slice(last, start) + ' <email> ';
    last = from = end;
  }
  return last === 0 ? t : out + t.slice(last);
}

const MIN_IDENTIFIER = 12;
const IDENTIFIER_RUN = /[A-Za-z0-9_-]{12,}/g;
const DIGIT_OR_UNDERSCORE = /[0-9_]/;

/**
 * `\b(?=[A-Za-z0-9_\-]*[0-9_])[A-Za-z0-9_\-]{12,}\b`, one run of identifier characters at a time: a
 * match starts at the run's first word boundary and ends at its last one, if a digit or underscore
 * is in the run and the two are at least 12 apart (a later start can only do worse). The regular
 * expression's lookahead rescanned the run from each of its boundaries.
 */
function maskIdentifiers(t: string): string {
  let out = '';
  let last = 0;
  // Finds each maximal run of 12 or more identifier characters; shorter runs cost at most 12 steps a character.
  IDENTIFIER_RUN.lastIndex = 0;
  for (let m = IDENTIFIER_RUN.exec(t); m !== null; m = IDENTIFIER_RUN.exec(t)) {
    const runStart = m.index;
    const runEnd = runStart + m[0].length;
    let start = runStart;
    while (start < runEnd && !boundary(t, start)) start++;
    let end = runEnd;
    while (end > start && !boundary(t, end)) end--;
    if (end - start < MIN_IDENTIFIER || !DIGIT_OR_UNDERSCORE.test(t.slice(start, runEnd))) continue;
    out += t.slice(last, start) + ' <id> ';
    last = end;
  }
  return last === 0 ? t : out + t.slice(last);
}

const NAME = /\p{Lu}\p{Ll}+(?: \p{Lu}\p{Ll}+)*/gu;
const BEFORE_NAME = /[\p{Ll}\p{N},;:>]/u;

/**
 * Capitalised words after the first word of a sentence are usually names (of people, places,
 * products): `(?<=[\p{Ll}\p{N},;:>] +)\p{Lu}\p{Ll}+(?: \p{Lu}\p{Ll}+)*`. The lookbehind ran back over
 * every space before each position; here each run of spaces is read once, by the name after it.
 */
function maskNames(t: string): string {
  let out = '';
  let last = 0;
  NAME.lastIndex = 0;
  for (let m = NAME.exec(t); m !== null; m = NAME.exec(t)) {
    const start = m.index;
    let k = start;
    while (k > 0 && t.charCodeAt(k - 1) === 32) k--;
    if (k < start && k > 0 && BEFORE_NAME.test(codePointBefore(t, k))) {
      out += t.slice(last, start) + ' <name> ';
      last = start + m[0].length;
    } else {
      NAME.lastIndex = start + codePointAt(t, start).length;
    }
  }
  return last === 0 ? t : out + t.slice(last);
}
