#!/usr/bin/env node
// The `yaddas` command. The TypeScript is compiled by `npm install` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(compiled)) {
  process.stderr.write('yaddas: not built yet; run `npm run build` in the Yaddaş folder first\n');
  process.exit(2);
}
await import(compiled);
