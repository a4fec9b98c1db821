// Runs on every `npm ci` / `npm install` (the package's prepare script). Where scripts/setup.sh brought
// Node.js 24 into .node/ (the machine's own Node being older), this links it into node_modules/.bin,
// which npm puts first on the PATH of `npm start`, `npm test` and `npx yaddas`: everything Yaddaş
// runs then runs on that Node, whatever the shell's PATH says. Without .node/ it does nothing.
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const brought = path.join(root, '.node', 'bin', 'node');
if (existsSync(brought)) {
  const bin = path.join(root, 'node_modules', '.bin');
  mkdirSync(bin, { recursive: true });
  const link = path.join(bin, 'node');
  rmSync(link, { force: true });
  symlinkSync(path.relative(bin, brought), link);
}
