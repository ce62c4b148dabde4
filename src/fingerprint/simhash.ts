/**
 * 64-bit SimHash of a prompt's word shingles (3 words), so that near-duplicate prompts — one template
 * filled with different values, light rephrasing — differ in few bits. Bands (4 × 16 bits) are the
 * LSH keys: two prompts within a few bits of each other very likely share at least one band.
 */
import { fmix32 } from './hash.ts';

const SHINGLE = 3;
export const SIMHASH_BANDS = 4;

export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Letters and digits (ASCII fast path; beyond ASCII, anything that is not space or punctuation). */
function isWordChar(c: number): boolean {
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return !(c === 0xa0 || (c >= 0x2000 && c <= 0x206f) || (c >= 0x3000 && c <= 0x303f) || (c >= 0xff00 && c <= 0xff0f));
}

// Scratch space reused across calls: this runs for every prompt at ingest, and allocation is what
// the garbage collector then pays for. Prompts with more words than this fold the rest into the last shingle window.
const MAX_WORDS = 4096;
const wordA = new Uint32Array(MAX_WORDS);
const wordB = new Uint32Array(MAX_WORDS);
const counts = new Uint32Array(64);

/**
 * Words are hashed as they are scanned (FNV-1a over lower-cased code units, no substrings); a
 * shingle's 64 bits mix its three words' hashes by position. Equivalent in spirit to hashing the
 * joined shingle text, at a fraction of the cost.
 */
export function simhash64(text: string): string {
  let n = 0;
  let a = 0x811c9dc5;
  let b = 0x2f5a9b17;
  let inWord = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (isWordChar(c)) {
      const lc = c >= 65 && c <= 90 ? c | 0x20 : c;
      a = Math.imul(a ^ lc, 0x01000193);
      b = Math.imul(b ^ lc, 0x01000193);
      inWord = true;
    } else if (inWord) {
      const slot = n < MAX_WORDS ? n : MAX_WORDS - 1;
      wordA[slot] = fmix32(a);
      wordB[slot] = fmix32(b);
      n = Math.min(n + 1, MAX_WORDS);
      a = 0x811c9dc5;
      b = 0x2f5a9b17;
      inWord = false;
    }
  }
  const grams = n < SHINGLE ? (n > 0 ? 1 : 0) : n - SHINGLE + 1;
  counts.fill(0);
  for (let g = 0; g < grams; g++) {
    let hi = 0;
    let lo = 0;
    const width = Math.min(SHINGLE, n - g);
    for (let k = 0; k < width; k++) {
      hi = Math.imul(hi ^ (wordA[g + k] as number), 0x9e3779b1) + k;
      lo = Math.imul(lo ^ (wordB[g + k] as number), 0x85ebca77) + k;
    }
    hi = fmix32(hi);
    lo = fmix32(lo);
    for (let bit = 0; bit < 32; bit++) {
      counts[bit] = (counts[bit] as number) + ((hi >>> bit) & 1);
      counts[32 + bit] = (counts[32 + bit] as number) + ((lo >>> bit) & 1);
    }
  }
  let hi = 0;
  let lo = 0;
  for (let bit = 0; bit < 32; bit++) {
    if ((counts[bit] as number) * 2 > grams) hi |= 1 << bit;
    if ((counts[32 + bit] as number) * 2 > grams) lo |= 1 << bit;
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

/** The SimHash's 4 bands, each tagged with its position so band 0 of one never meets band 1 of another. */
export function simhashBands(simhash: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < SIMHASH_BANDS; i++) out.push(`${i}${simhash.slice(i * 4, i * 4 + 4)}`);
  return out;
}

export function hammingDistance(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < 16; i += 8) {
    let x = (parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16)) >>> 0;
    while (x) {
      x &= x - 1;
      d++;
    }
  }
  return d;
}
