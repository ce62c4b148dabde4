import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../src/cli/node-flags.ts';

// The flag lives where node starts: the bin's shebang, npm scripts, the image. They must agree.
describe('node flags', () => {
  it('are the same in the shebang, the npm scripts and the Dockerfile', () => {
    const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');
    for (const flag of NODE_FLAGS) {
      expect(read('bin/farmwatch.js').split('\n')[0]).toContain(flag);
      expect(read('Dockerfile')).toContain(`"${flag}"`);
      const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
      for (const [name, cmd] of Object.entries(scripts))
        if (cmd.includes('bin/farmwatch.js')) expect(cmd, name).toContain(flag);
    }
  });
});
