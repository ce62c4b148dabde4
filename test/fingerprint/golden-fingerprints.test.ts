/**
 * Stored template hashes, SimHashes and system-prompt hashes link accounts across a week of windows:
 * changing how a text is fingerprinted splits every template family in two at the deploy. The golden
 * file holds 238 prompts (people's requests, farm and benign prompts of the generator, and texts with
 * names, quotes, e-mails, ids and numbers in awkward places) with the fingerprints the original
 * regular-expression masks gave them, before the masks became linear scanners and a text window.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fingerprintPrompt, systemPromptHash, templateHash } from '../../src/fingerprint/index.ts';

interface Golden {
  readonly text: string;
  readonly templateHash: string;
  readonly simhash: string;
  readonly systemPromptHash: string;
}
const golden = JSON.parse(readFileSync(new URL('./golden-fingerprints.json', import.meta.url), 'utf8')) as Golden[];

describe('fingerprints of texts under the window', () => {
  it('are the ones stored before the linear masks', () => {
    expect(golden.length).toBe(238);
    const differ = golden.filter((g) => {
      const fp = fingerprintPrompt({ text: g.text, systemText: g.text });
      return (
        fp.templateHash !== g.templateHash || fp.simhash !== g.simhash || fp.systemPromptHash !== g.systemPromptHash
      );
    });
    expect(differ.map((g) => g.text.slice(0, 80))).toEqual([]);
    expect(
      golden.every((g) => templateHash(g.text) === g.templateHash && systemPromptHash(g.text) === g.systemPromptHash),
    ).toBe(true);
  });
});
