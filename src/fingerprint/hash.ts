/**
 * Small, fast, non-cryptographic hashes for fingerprints. Two 32-bit FNV-1a passes with different
 * offset bases, each finished with murmur3's fmix32, give 64 well-mixed bits without BigInt.
 * Stable across processes and versions: stored fingerprints depend on it, so never change it
 * without versioning the fingerprint format.
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hash32(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** [high 32 bits, low 32 bits] */
export function hash64Pair(s: string): [number, number] {
  return [hash32(s, 0x811c9dc5), hash32(s, 0x2f5a9b17)];
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** 64-bit hash as 16 lowercase hex digits. */
export function hash64Hex(s: string): string {
  const [hi, lo] = hash64Pair(s);
  return hex8(hi) + hex8(lo);
}

/** A short, stable stand-in for a long or sensitive value (payment, device, user agent). */
export function shortHash(s: string): string {
  return hash64Hex(s).slice(0, 12);
}
