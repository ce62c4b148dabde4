/**
 * Every relative link in the README and docs/ points at a file that exists, and its #fragment at a
 * heading of that file (pages move out of the README into docs/, and sections with them).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const pages = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('documentation links', () => {
  it('anchors are made as GitHub makes them', () => {
    const a = anchors(
      '# farmwatch\n## Runbook: FarmwatchWorkerDown\n### `farmwatch review` (read-only)\n## Two commands\n## Two ' +
        'commands\n',
    );
    expect([...a]).toEqual([
      'farmwatch',
      'runbook-farmwatchworkerdown',
      'farmwatch-review-read-only',
      'two-commands',
      'two-commands-1',
    ]);
  });

  for (const page of pages) {
    it(`${page}: relative links resolve`, () => {
      const text = readFileSync(join(ROOT, page), 'utf8');
      const broken: string[] = [];
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const [target, fragment] = (m[1] as string).split('#') as [string, string | undefined];
        if (/^[a-z]+:/i.test(target)) continue;
        const file = target === '' ? join(ROOT, page) : join(ROOT, dirname(page), target);
        if (!existsSync(file)) broken.push(m[1] as string);
        else if (fragment !== undefined && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(fragment))
          broken.push(m[1] as string);
      }
      expect(broken).toEqual([]);
    });
  }
});

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of markdown.matchAll(/^#{1,6} +(.+?) *$/gm)) {
    const slug = (m[1] as string)
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}
