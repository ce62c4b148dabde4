/** Rewrites the configuration table in README.md from CONFIG_VARIABLES (`npm run docs:config`). */
import { readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_VARIABLES } from '../src/config/config.ts';

const README = new URL('../README.md', import.meta.url);
const rows = ['| Variable | Default | Meaning |', '| --- | --- | --- |'];
for (const v of Object.values(CONFIG_VARIABLES)) rows.push(`| \`${v.name}\` | \`${v.default}\` | ${v.description} |`);
const text = readFileSync(README, 'utf8');
const start = '<!-- config-table -->';
const end = '<!-- /config-table -->';
const i = text.indexOf(start);
const j = text.indexOf(end);
if (i < 0 || j < i) throw new Error(`README.md needs ${start} and ${end} markers`);
writeFileSync(README, text.slice(0, i + start.length) + '\n' + rows.join('\n') + '\n' + text.slice(j));
console.log(`README.md: ${rows.length - 2} variables`);
