/** Yaddaş's own version (package.json), named in every OCFL version's METS and PREMIS agents. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function read(): string {
  // src/config → ../../package.json; dist/src/config → ../../../package.json
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'yaddas' && pkg.version) return pkg.version;
    } catch {
      /* the other layout */
    }
  }
  return 'unknown';
}

export const YADDAS_VERSION = read();
