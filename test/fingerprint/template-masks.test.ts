/**
 * The template masks were regular expressions, some of them quadratic on crafted input; they are now
 * scanners (src/fingerprint/template.ts). These are the regular expressions as they were: on short
 * random texts over the characters the masks look at, the scanners must give exactly their output,
 * so that every stored template hash stays valid.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../fixtures/random.ts';
import { maskTemplate } from '../../src/fingerprint/template.ts';

const REFERENCE_MASKS: readonly [RegExp, string][] = [
  [/```[\s\S]*?(```|$)/g, ' <code> '],
  [/`[^`\n]+`/g, ' <code> '],
  [/"[^"\n]{1,2000}"|“[^”\n]{1,2000}”|«[^»\n]{1,2000}»|„[^“\n]{1,2000}“|「[^」\n]{1,2000}」/g, ' <q> '],
  [/(?<![\p{L}\p{N}])'[^'\n]{1,2000}'(?![\p{L}\p{N}])/gu, ' <q> '],
  [/\bhttps?:\/\/\S+|\bwww\.\S+/gi, ' <url> '],
  [/\b[\w.+-]+@[\w-]+\.[\w.-]+\b/g, ' <email> '],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, ' <id> '],
  // The reference regexes are kept exactly as they were written, escapes included.
  // eslint-disable-next-line no-useless-escape
  [/\b(?=[A-Za-z0-9_\-]*[0-9_])[A-Za-z0-9_\-]{12,}\b/g, ' <id> '],
  [/[-+]?\d(?:[\d,._]*\d)?(?:e[-+]?\d+)?/gi, ' <n> '],
  [/(?<=[\p{Ll}\p{N},;:>] +)\p{Lu}\p{Ll}+(?: \p{Lu}\p{Ll}+)*/gu, ' <name> '],
];

function referenceMask(text: string): string {
  let t = text;
  for (const [re, token] of REFERENCE_MASKS) t = t.replace(re, token);
  return t
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/(<\w+>)(?: ?\1)+/g, '$1')
    .trim();
}

const ALPHABET = [
  'a',
  'b',
  'e',
  'x',
  'A',
  'B',
  'É',
  'é',
  '𝐀',
  '𝐚',
  '1',
  '0',
  '_',
  '-',
  '.',
  '+',
  '@',
  ',',
  ';',
  ':',
  '>',
  '<',
  ' ',
  ' ',
  ' ',
  '  ',
  '\n',
  '\t',
  "'",
  '"',
  '“',
  '”',
  '«',
  '»',
  '„',
  '「',
  '」',
  '`',
  '```',
  'http://',
  'www.',
  'Bob',
  'Alice ',
  'ab12cd34ef56',
  'user_id_',
  'x@y.z',
  '😀',
  '\u0301',
];

function randomText(r: Random, maxUnits: number): string {
  let s = '';
  const n = r.int(0, maxUnits);
  for (let i = 0; i < n; i++) s += r.pick(ALPHABET);
  return s;
}

describe('template masks', () => {
  it('give exactly the output of the regular expressions they replace, on 30,000 random texts', () => {
    const r = new Random(17);
    const differ: string[] = [];
    for (let i = 0; i < 30_000; i++) {
      const t = randomText(r, i % 10 === 0 ? 400 : 40);
      if (maskTemplate(t) !== referenceMask(t)) differ.push(JSON.stringify(t));
    }
    expect(differ.slice(0, 5)).toEqual([]);
  });

  it('keep quotes up to 2,000 units and leave longer ones as text, as before', () => {
    for (const len of [1, 1999, 2000, 2001]) {
      for (const [open, close] of [
        ['"', '"'],
        ['“', '”'],
        ["'", "'"],
      ] as const) {
        const t = `say ${open}${'x'.repeat(len)}${close} now`;
        expect(maskTemplate(t)).toBe(referenceMask(t));
      }
    }
  });
});
