import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The repo carries copies of the contracts because users do not have ../shared; where ../shared
// exists (development, CI) the copies must be byte-identical to the fixed originals. In CI it must
// exist: a check that quietly returns when the originals are missing can vanish unnoticed.
const shared = new URL('../../../shared/contracts/', import.meta.url);
const local = new URL('../../contracts/', import.meta.url);

describe('contract copies', () => {
  it.each(['usage-event.schema.json', 'verification-request.schema.json'])('%s equals ../shared/contracts', (file) => {
    const mine = readFileSync(new URL(file, local), 'utf8');
    expect(() => JSON.parse(mine)).not.toThrow();
    if (!existsSync(new URL(file, shared))) {
      expect(process.env.CI, `../shared/contracts/${file} is missing, and CI must compare against it`).toBeFalsy();
      return;
    }
    expect(mine).toBe(readFileSync(new URL(file, shared), 'utf8'));
  });
});
