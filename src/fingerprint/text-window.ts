/**
 * The part of a prompt the fingerprint stage reads. A prompt can be a megabyte (a pasted document, a
 * crafted string), and every prompt is written by whoever sends it, so each fingerprint reads at most
 * the first 12,288 and the last 4,096 UTF-16 units: the frame of a template and the ask in it are at
 * the start and the end; what is cut from the middle is the pasted material a template masks anyway.
 *
 * Effect on fingerprints: a text of at most 16,384 units is read whole (its hashes are what they were
 * before the window existed); a longer one is fingerprinted as its head and tail joined by a newline,
 * so two long prompts that differ only in their middle share a template hash and SimHash. `chars`
 * stays the length of the whole text.
 */
export const WINDOW_HEAD = 12_288;
export const WINDOW_TAIL = 4_096;

export function textWindow(text: string): string {
  if (text.length <= WINDOW_HEAD + WINDOW_TAIL) return text;
  let headEnd = WINDOW_HEAD;
  if (isHighSurrogate(text.charCodeAt(headEnd - 1))) headEnd--;
  let tailStart = text.length - WINDOW_TAIL;
  if (isLowSurrogate(text.charCodeAt(tailStart))) tailStart++;
  return `${text.slice(0, headEnd)}\n${text.slice(tailStart)}`;
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;
