/**
 * Rewrites the configuration table in README.md from src/config/settings.ts, the one place
 * settings are declared (a unit test fails when a setting is missing from the README).
 *   npx tsx scripts/config-table.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { SETTINGS } from '../src/config/settings.js';

const readme = path.resolve(import.meta.dirname, '../README.md');
const text = fs.readFileSync(readme, 'utf8');
const header = '| variable | setting | default | what it does |\n| --- | --- | --- | --- |\n';
const start = text.indexOf(header);
if (start < 0) throw new Error('README.md has no configuration table header');
const rest = text.slice(start + header.length);
const end = rest.search(/\n(?!\|)/);
const shown = (v: unknown) => (v === '' ? '(empty)' : String(v));
const rows = SETTINGS.map(
  (s) => `| ${s.env.map((e) => `\`${e}\``).join(' or ')} | \`${s.key}\` | \`${shown(s.default)}\` | ${s.doc} |`,
).join('\n');
fs.writeFileSync(readme, text.slice(0, start) + header + rows + rest.slice(end));
console.log(`README.md: ${SETTINGS.length} settings`);
