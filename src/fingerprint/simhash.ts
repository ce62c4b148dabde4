/**
 * 64-bit SimHash of a prompt's word shingles (3 words), so that near-duplicate prompts — one template
 * filled with different values, light rephrasing — differ in few bits. Bands (4 × 16 bits) are the
 * LSH keys: two prompts within a few bits of each other very likely share at least one band.
 */
import { hash64Pair } from './hash.ts';

const SHINGLE = 3;
export const SIMHASH_BANDS = 4;

export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export function simhash64(text: string): string {
  const ws = words(text);
  const grams: string[] = [];
  if (ws.length < SHINGLE) {
    if (ws.length > 0) grams.push(ws.join(' '));
  } else {
    for (let i = 0; i + SHINGLE <= ws.length; i++) grams.push(`${ws[i]} ${ws[i + 1]} ${ws[i + 2]}`);
  }
  const v = new Int32Array(64);
  for (const g of grams) {
    const [hi, lo] = hash64Pair(g);
    for (let b = 0; b < 32; b++) {
      v[b] = (v[b] ?? 0) + ((hi >>> b) & 1 ? 1 : -1);
      v[32 + b] = (v[32 + b] ?? 0) + ((lo >>> b) & 1 ? 1 : -1);
    }
  }
  let hi = 0;
  let lo = 0;
  for (let b = 0; b < 32; b++) {
    if ((v[b] ?? 0) > 0) hi |= 1 << b;
    if ((v[32 + b] ?? 0) > 0) lo |= 1 << b;
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
