/**
 * OCR language data, found on this machine and gathered into one folder that tesseract.js reads
 * with `langPath` (stack-notes: without a local langPath, tesseract.js tries the network and
 * fails in ways that escape try/catch). Sources, first found wins:
 *   1. the configured folder (ocr.tessdataDir): <code>.traineddata or <code>.traineddata.gz;
 *   2. the npm packages @tesseract.js-data/<code> (eng, aze and osd are Yaddaş dependencies);
 *   3. the system's tessdata: $TESSDATA_PREFIX, then Debian's and Ubuntu's tesseract-ocr-* folders.
 * The folder holds plain .traineddata files (npm's gzipped ones are unpacked once), so that
 * tesseract.js runs with `gzip: false` and the native tesseract CLI can read the very same data.
 */
import { createReadStream, createWriteStream, existsSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

const SYSTEM_DIRS = [
  '/usr/share/tesseract-ocr/5/tessdata',
  '/usr/share/tesseract-ocr/4.00/tessdata',
  '/usr/share/tessdata',
  '/usr/local/share/tessdata',
];

export interface LanguageSource {
  code: string;
  /** the file it came from */
  from: string;
  kind: 'configured' | 'npm' | 'system';
}

export interface Tessdata {
  /** the folder tesseract.js and the CLI read */
  dir: string;
  /** every language found, by code */
  languages: Map<string, LanguageSource>;
}

function npmFile(code: string): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const pkg = path.dirname(require.resolve(`@tesseract.js-data/${code}/package.json`));
    // "4.0.0" holds the models Tesseract's own tessdata repository publishes (LSTM and legacy),
    // like Debian's packages; "4.0.0_best_int" has LSTM only.
    const f = path.join(pkg, '4.0.0', `${code}.traineddata.gz`);
    return existsSync(f) ? f : undefined;
  } catch {
    return undefined;
  }
}

function dirFiles(dir: string, kind: LanguageSource['kind']): LanguageSource[] {
  if (!existsSync(dir)) return [];
  const out: LanguageSource[] = [];
  for (const name of readdirSync(dir)) {
    const m = /^([a-z]{3}(?:_[a-z]+)*)\.traineddata(\.gz)?$/.exec(name);
    if (m) out.push({ code: m[1]!, from: path.join(dir, name), kind });
  }
  return out;
}

/** Every language this machine has, by code, in the order of precedence above. */
export function findLanguages(configuredDir: string): Map<string, LanguageSource> {
  const found = new Map<string, LanguageSource>();
  const add = (s: LanguageSource) => {
    if (!found.has(s.code)) found.set(s.code, s);
  };
  if (configuredDir) dirFiles(configuredDir, 'configured').forEach(add);
  // osd: Tesseract's script and orientation detection, which reads each page before its languages are chosen.
  for (const code of ['eng', 'aze', 'osd']) {
    const f = npmFile(code);
    if (f) add({ code, from: f, kind: 'npm' });
  }
  const prefix = process.env.TESSDATA_PREFIX;
  const system = [...(prefix ? [prefix, path.join(prefix, 'tessdata')] : []), ...SYSTEM_DIRS];
  for (const d of system) dirFiles(d, 'system').forEach(add);
  return found;
}

/**
 * Gathers the languages into `<dataDir>/tessdata`: unpacked copies of gzipped files, copies of
 * plain ones (a few MB each; a link would break when the package is removed). Safe when several processes do it at once (each file is written under a temporary
 * name and renamed).
 */
export async function prepareTessdata(dataDir: string, configuredDir: string): Promise<Tessdata> {
  const dir = path.join(dataDir, 'tessdata');
  await fs.mkdir(dir, { recursive: true });
  const languages = findLanguages(configuredDir);
  for (const src of languages.values()) {
    const target = path.join(dir, `${src.code}.traineddata`);
    const marker = `${target}.source`;
    // Rebuilt when the source changes (a package upgrade, another configured folder).
    const stat = await fs.stat(src.from);
    const stamp = `${src.from}\n${stat.size}\n${stat.mtimeMs}\n`;
    if (existsSync(target) && (await fs.readFile(marker, 'utf8').catch(() => '')) === stamp) continue;
    const tmp = `${target}.${process.pid}.tmp`;
    if (src.from.endsWith('.gz')) await pipeline(createReadStream(src.from), createGunzip(), createWriteStream(tmp));
    else await fs.copyFile(src.from, tmp);
    await fs.rename(tmp, target);
    await fs.writeFile(marker, stamp);
  }
  return { dir, languages };
}
