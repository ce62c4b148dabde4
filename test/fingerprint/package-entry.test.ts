/** `farmwatch/fingerprint` as a gateway would import it: built JavaScript, plain node, no TS loader. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fingerprintPrompt } from '../../src/fingerprint/index.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('farmwatch/fingerprint entry point', () => {
  it('gives a plain-node importer the same fingerprints as the service computes', async () => {
    const input = { text: 'Solve 12x + 3 = 99 and show your work, step by step.', systemText: 'You are a tutor.' };
    const script =
      `import('farmwatch/fingerprint').then((m) => ` +
      `process.stdout.write(JSON.stringify(m.fingerprintPrompt(${JSON.stringify(input)}))))`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: root });
    expect(JSON.parse(stdout)).toEqual(fingerprintPrompt(input));
  });
});
