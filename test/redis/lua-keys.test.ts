/**
 * On Redis Cluster a script may only touch the keys it is given, all in one slot: no script builds a
 * key name. Every redis.call in every script names its key as KEYS[n].
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function luaFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? luaFiles(join(dir, e.name)) : e.name.endsWith('.lua') ? [join(dir, e.name)] : [],
  );
}

describe('Lua scripts', () => {
  const files = luaFiles('src');
  it('exist', () => expect(files.length).toBeGreaterThanOrEqual(5));
  for (const f of files) {
    it(`${f} names every key it touches as KEYS[n]`, () => {
      const calls = [...readFileSync(f, 'utf8').matchAll(/redis\.call\(\s*'([A-Z]+)'\s*,\s*([^,)]+)/g)];
      expect(calls.length).toBeGreaterThan(0);
      for (const [, cmd, key] of calls) expect(key?.trim(), `${cmd} in ${f}`).toMatch(/^KEYS\[[^\]]+\]$/);
    });
  }
});
