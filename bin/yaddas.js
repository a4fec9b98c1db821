#!/usr/bin/env node
// The `yaddas` command. The TypeScript is compiled by `npm install` (prepare) or `npm run build`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// A small young generation: V8 sizes it by the machine's memory (up to hundreds of MB on a big
// one), and a command that walks a million objects (yaddas audit --all, replicate --all) would
// hold that much for garbage alone. Measured by npm run bench:audit (docs/benchmarks.md).
// `yaddas export` streams gigabytes through one process in 64 KiB pieces: there a young generation
// of 32 MB saves a fifth of its garbage collection (npm run bench:export), and it holds one object
// at a time, so the larger nursery costs little.
const HEAP_FLAG = process.argv[2] === 'export' ? '--max-semi-space-size=32' : '--max-semi-space-size=8';
const hasHeapFlag = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) =>
  a.startsWith('--max-semi-space-size'),
);

// Run straight from a shell whose `node` is older than Yaddaş needs, hand over to the Node.js that
// scripts/setup.sh brought into .node/ (npx and npm scripts find that one first by themselves).
const major = Number(process.versions.node.split('.')[0]);
const brought = fileURLToPath(new URL('../.node/bin/node', import.meta.url));
if ((major < 24 && existsSync(brought)) || (major >= 24 && !hasHeapFlag)) {
  const node = major < 24 ? brought : process.execPath;
  const r = spawnSync(node, [HEAP_FLAG, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
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
