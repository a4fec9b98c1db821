#!/usr/bin/env node
// The `yaddas` command. The TypeScript is compiled by `npm install` (prepare) or `npm run build`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Run straight from a shell whose `node` is older than Yaddaş needs, hand over to the Node.js that
// scripts/setup.sh brought into .node/ (npx and npm scripts find that one first by themselves).
const major = Number(process.versions.node.split('.')[0]);
const brought = fileURLToPath(new URL('../.node/bin/node', import.meta.url));
if (major < 24 && existsSync(brought)) {
  const r = spawnSync(brought, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
if (major < 24) {
  process.stderr.write(`yaddas: needs Node.js 24 or newer (this is ${process.version}); run scripts/setup.sh, which brings it\n`);
  process.exit(2);
}

const compiled = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(compiled)) {
  process.stderr.write('yaddas: not built yet; run `npm run build` in the Yaddaş folder first\n');
  process.exit(2);
}
await import(compiled);
