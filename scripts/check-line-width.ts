/**
 * No line of code over 120 characters (part of `npm run lint`). Prettier wraps code at that width but
 * leaves long strings, comments and test names as written; this names each one that is over.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';

const MAX = 120;
const ROOT = new URL('..', import.meta.url).pathname;
const DIRS = ['src', 'detectors', 'fixtures', 'test', 'bench', 'scripts', 'bin'];
const EXTENSIONS = new Set(['.ts', '.js', '.mjs', '.css', '.html']);

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (EXTENSIONS.has(extname(name))) yield path;
  }
}

const over: string[] = [];
for (const dir of DIRS) {
  for (const file of files(join(ROOT, dir))) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.length > MAX) over.push(`${relative(ROOT, file)}:${i + 1}: ${line.length} characters`);
      });
  }
}
if (over.length > 0) {
  console.error(`${over.length} lines over ${MAX} characters:\n${over.join('\n')}`);
  process.exit(1);
}
console.log(`line width: no line over ${MAX} characters`);
