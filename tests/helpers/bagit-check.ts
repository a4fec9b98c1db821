/**
 * An independent BagIt 1.0 validator (RFC 8493) for checking the bags the product exports.
 *
 * It deliberately imports nothing from src/: a check that shared the exporter's parsing or hashing
 * code would share its bugs too. Everything here is written from the RFC's text.
 *
 * Terms follow RFC 8493 §3: a bag is *complete* when every required element is present and well
 * formed, every listed file exists and every payload file is listed in every payload manifest; it
 * is *valid* when it is complete and every digest in every manifest matches.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

export interface BagCheck {
  valid: boolean;
  complete: boolean;
  errors: string[];
  warnings: string[];
  version?: string;
  encoding?: string;
  /** bag-info.txt entries in file order; a repeated label appears once per occurrence. */
  info: Array<[string, string]>;
  /** Payload path (e.g. "data/x.tif") -> algorithm -> hex digest as listed in the manifests (lowercased). */
  payload: Map<string, Record<string, string>>;
}

/** Manifest algorithm names (RFC 8493 §2.4) mapped to node's hash names and digest lengths. */
const ALGORITHMS: Record<string, { hash: string; hexLength: number }> = {
  md5: { hash: 'md5', hexLength: 32 },
  sha1: { hash: 'sha1', hexLength: 40 },
  sha256: { hash: 'sha256', hexLength: 64 },
  sha512: { hash: 'sha512', hexLength: 128 },
};

interface Entry {
  digest: string;
  path: string;
  line: number;
}

interface Manifest {
  /** File name in the base directory, e.g. "manifest-sha256.txt". */
  file: string;
  alg: string;
  kind: 'payload' | 'tag';
  entries: Entry[];
}

/** A digest some manifest claims for a file, waiting to be compared with the file's bytes. */
interface Claim {
  manifest: string;
  alg: string;
  digest: string;
}

/**
 * Collects findings. Digest mismatches are kept apart from every other error because they alone
 * leave a bag complete but not valid (RFC 8493 §3).
 */
class Findings {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  private fixityErrors = 0;

  error(message: string): void {
    this.errors.push(message);
  }

  fixity(message: string): void {
    this.fixityErrors++;
    this.errors.push(message);
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  get complete(): boolean {
    return this.errors.length === this.fixityErrors;
  }
}

/** Everything learned about the bag while checking it, shared by the check steps. */
interface Bag {
  dir: string;
  found: Findings;
  /** Every file in the bag, as a relative path with "/" separators. */
  files: Set<string>;
  /** NFC form of each file path -> the path on disk, to recognise names that differ only in normalisation. */
  byNfc: Map<string, string>;
  /** Path on disk -> digests to verify. */
  claims: Map<string, Claim[]>;
}

export async function checkBag(dir: string): Promise<BagCheck> {
  const found = new Findings();
  const result: BagCheck = { valid: false, complete: false, errors: found.errors, warnings: found.warnings, info: [], payload: new Map() };
  if (!(await isDirectory(dir))) {
    found.error(`${dir}: the bag's base directory does not exist`);
    return result;
  }
  const files = await listFiles(dir, found);
  const bag: Bag = { dir, found, files, byNfc: nfcIndex(files), claims: new Map() };

  Object.assign(result, await checkDeclaration(bag));
  if (!(await isDirectory(path.join(dir, 'data')))) found.error('data/: the payload directory does not exist');

  const manifests = await readManifests(bag);
  checkPayloadManifests(bag, manifests.payload);
  checkTagManifests(bag, manifests.tag, manifests.payload);
  result.payload = payloadDigests(manifests.payload);
  result.info = await checkBagInfo(bag);
  if (files.has('fetch.txt')) found.warn('fetch.txt: present; files it lists are not fetched by this check');
  await verifyDigests(bag);

  result.complete = found.complete;
  result.valid = found.errors.length === 0;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Files on disk

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Every regular file under the base directory, hidden ones included: RFC 8493 gives dot files no special status. */
async function listFiles(dir: string, found: Findings): Promise<Set<string>> {
  const files = new Set<string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const rel = toBagPath(path.relative(dir, path.join(entry.parentPath, entry.name)));
    if (entry.isDirectory()) continue;
    if (entry.isFile()) files.add(rel);
    else if (entry.isSymbolicLink() && (await isFileTarget(path.join(dir, rel)))) {
      // A link still delivers bytes to whoever reads the bag, so it is checked like a file, but
      // copying the bag elsewhere may break it.
      found.warn(`${rel}: is a symbolic link`);
      files.add(rel);
    } else found.warn(`${rel}: is neither a regular file nor a directory; ignored`);
  }
  return files;
}

async function isFileTarget(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** Manifests always use "/" (RFC 8493 §2.1.3), whatever the local separator. */
function toBagPath(rel: string): string {
  return rel.split(path.sep).join('/');
}

function nfcIndex(files: Set<string>): Map<string, string> {
  const index = new Map<string, string>();
  for (const f of files) index.set(f.normalize('NFC'), f);
  return index;
}

/**
 * The file on disk a manifest path names. A name that matches only after Unicode normalisation is
 * accepted with a warning: macOS file systems rewrite names to NFD, so such a bag is not damaged.
 */
function resolve(bag: Bag, listed: string, manifest: string): string | undefined {
  if (bag.files.has(listed)) return listed;
  const onDisk = bag.byNfc.get(listed.normalize('NFC'));
  if (onDisk !== undefined) bag.found.warn(`${manifest}: ${listed} matches a file on disk only after Unicode normalisation`);
  return onDisk;
}

/**
 * Tag files are text in the declared encoding, which this check requires to be UTF-8. A fatal
 * decoder turns invalid bytes into an error instead of silently substituting U+FFFD.
 */
async function readText(bag: Bag, name: string): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(bag.dir, name));
  } catch (e) {
    bag.found.error(`${name}: cannot be read (${(e as Error).message})`);
    return undefined;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    bag.found.error(`${name}: is not valid UTF-8`);
    return undefined;
  }
}

/** Lines may end in LF, CR or CRLF (RFC 8493 §2); a final line ending does not start another line. */
function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

// ---------------------------------------------------------------------------------------------
// bagit.txt (RFC 8493 §2.1.1)

async function checkDeclaration(bag: Bag): Promise<{ version?: string; encoding?: string }> {
  if (!bag.files.has('bagit.txt')) {
    bag.found.error('bagit.txt: the bag declaration is missing');
    return {};
  }
  const text = await readText(bag, 'bagit.txt');
  if (text === undefined) return {};
  // The declaration is the one file read before the encoding is known, so the RFC forbids a BOM in it.
  if (text.startsWith('\uFEFF')) bag.found.error('bagit.txt: starts with a byte-order mark, which RFC 8493 forbids');
  const lines = splitLines(text.replace(/^\uFEFF/, ''));
  if (lines.length !== 2) bag.found.error(`bagit.txt: must have exactly two lines, has ${lines.length}`);

  const version = /^BagIt-Version: (\d+\.\d+)$/.exec(lines[0] ?? '')?.[1];
  if (version === undefined) bag.found.error(`bagit.txt: line 1 must be "BagIt-Version: M.N", is "${lines[0] ?? ''}"`);
  else if (version !== '1.0') bag.found.warn(`bagit.txt: BagIt-Version ${version}; this check applies the rules of 1.0`);

  const encoding = /^Tag-File-Character-Encoding: (.+)$/.exec(lines[1] ?? '')?.[1];
  if (encoding !== 'UTF-8') {
    bag.found.error(`bagit.txt: line 2 must be "Tag-File-Character-Encoding: UTF-8", is "${lines[1] ?? ''}"`);
  }
  return { ...(version && { version }), ...(encoding && { encoding }) };
}

// ---------------------------------------------------------------------------------------------
// Manifests (RFC 8493 §2.1.3, §2.2.1)

async function readManifests(bag: Bag): Promise<{ payload: Manifest[]; tag: Manifest[] }> {
  const payload: Manifest[] = [];
  const tag: Manifest[] = [];
  // Manifests live in the base directory only; a "manifest-x.txt" deeper down is an ordinary tag file.
  for (const file of [...bag.files].filter((f) => !f.includes('/')).sort()) {
    const match = /^(tag)?manifest-(.+)\.txt$/.exec(file);
    if (!match) continue;
    const kind = match[1] ? 'tag' : 'payload';
    const alg = match[2]!;
    if (alg !== alg.toLowerCase()) bag.found.warn(`${file}: algorithm names in manifest file names should be lowercase`);
    const entries = await parseManifest(bag, file, alg.toLowerCase());
    (kind === 'tag' ? tag : payload).push({ file, alg: alg.toLowerCase(), kind, entries });
  }
  return { payload, tag };
}

async function parseManifest(bag: Bag, file: string, alg: string): Promise<Entry[]> {
  const text = await readText(bag, file);
  if (text === undefined) return [];
  if (!(alg in ALGORITHMS)) bag.found.warn(`${file}: algorithm "${alg}" is not supported here; its digests are not verified`);
  const entries: Entry[] = [];
  splitLines(text).forEach((line, i) => {
    const entry = parseManifestLine(bag, file, alg, line, i + 1);
    if (entry) entries.push(entry);
  });
  return entries;
}

/** One line: the digest, one or more spaces or tabs, then the (percent-encoded) path. */
function parseManifestLine(bag: Bag, file: string, alg: string, line: string, lineNo: number): Entry | undefined {
  const match = /^(\S+)[ \t]+(.+)$/.exec(line);
  if (!match) {
    bag.found.error(`${file}: line ${lineNo} is not "<digest> <path>": "${line}"`);
    return undefined;
  }
  const digest = match[1]!;
  const expectedLength = ALGORITHMS[alg]?.hexLength;
  if (!/^[0-9a-fA-F]+$/.test(digest) || (expectedLength !== undefined && digest.length !== expectedLength)) {
    bag.found.error(`${file}: line ${lineNo} has a malformed ${alg} digest "${digest}"`);
    return undefined;
  }
  return { digest: digest.toLowerCase(), path: decodePath(match[2]!), line: lineNo };
}

/**
 * RFC 8493 §2.1.3 percent-encodes exactly LF, CR and "%" in manifest paths, so only those three
 * are decoded; any other "%xx" is a literal part of the name. One pass, so "%250A" stays "%0A".
 */
function decodePath(encoded: string): string {
  return encoded.replace(/%(0A|0D|25)/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** Why a manifest path is unacceptable, or undefined when it is fine. */
function pathProblem(p: string): string | undefined {
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return 'is absolute';
  const segments = p.split('/');
  if (segments.includes('..')) return 'contains ".."';
  if (segments.includes('.')) return 'contains "."';
  if (segments.includes('')) return 'contains an empty path segment';
  return undefined;
}

/** Records a digest to verify later, so each file is read once however many manifests list it. */
function claim(bag: Bag, onDisk: string, manifest: Manifest, entry: Entry): void {
  if (!(manifest.alg in ALGORITHMS)) return;
  const list = bag.claims.get(onDisk) ?? [];
  list.push({ manifest: manifest.file, alg: manifest.alg, digest: entry.digest });
  bag.claims.set(onDisk, list);
}

/**
 * Checks one manifest's entries against the files on disk and returns the files it lists. `rule`
 * says what else an entry's path must satisfy for this kind of manifest.
 */
function checkEntries(bag: Bag, manifest: Manifest, rule: (p: string) => string | undefined): Set<string> {
  const listed = new Set<string>();
  const seen = new Set<string>();
  for (const entry of manifest.entries) {
    const where = `${manifest.file}: line ${entry.line}: ${JSON.stringify(entry.path)}`;
    const problem = pathProblem(entry.path) ?? rule(entry.path);
    if (problem) {
      bag.found.error(`${where} ${problem}`);
      continue;
    }
    if (entry.path.includes('\\')) bag.found.warn(`${where} contains "\\"; BagIt paths use "/" as the separator`);
    if (seen.has(entry.path)) bag.found.error(`${where} is listed more than once`);
    seen.add(entry.path);
    const onDisk = resolve(bag, entry.path, manifest.file);
    if (onDisk === undefined) {
      bag.found.error(`${manifest.file}: lists ${entry.path}, which does not exist`);
      continue;
    }
    listed.add(onDisk);
    claim(bag, onDisk, manifest, entry);
  }
  return listed;
}

function checkPayloadManifests(bag: Bag, manifests: Manifest[]): void {
  if (manifests.length === 0) bag.found.error('manifest-<algorithm>.txt: the bag has no payload manifest');
  const payloadFiles = [...bag.files].filter((f) => f.startsWith('data/'));
  for (const manifest of manifests) {
    const listed = checkEntries(bag, manifest, (p) => (p.startsWith('data/') ? undefined : 'is not under data/'));
    // RFC 8493 §3: in 1.0 every payload file must be in every payload manifest, not just in one.
    for (const f of payloadFiles) {
      if (!listed.has(f)) bag.found.error(`${f}: payload file is not listed in ${manifest.file}`);
    }
  }
}

function checkTagManifests(bag: Bag, manifests: Manifest[], payloadManifests: Manifest[]): void {
  const tagFiles = [...bag.files].filter((f) => !f.startsWith('data/'));
  for (const manifest of manifests) {
    const rule = (p: string): string | undefined => {
      if (p.startsWith('data/')) return 'is a payload file; tag manifests list only tag files';
      if (p === manifest.file) return 'is the tag manifest itself';
      return undefined;
    };
    const listed = checkEntries(bag, manifest, rule);
    // Listing every tag file is a SHOULD (RFC 8493 §2.2.1). Tag manifests are skipped: one cannot
    // list itself, and two cannot list each other.
    for (const f of tagFiles) {
      if (!listed.has(f) && !/^tagmanifest-.+\.txt$/.test(f)) bag.found.warn(`${f}: tag file is not listed in ${manifest.file}`);
    }
  }
  // RFC 8493 §2.2.1: tag manifests should use the payload manifests' algorithms.
  if (manifests.length === 0) return;
  const tagAlgs = new Set(manifests.map((m) => m.alg));
  for (const m of payloadManifests) {
    if (!tagAlgs.has(m.alg)) bag.found.warn(`${m.file}: there is no tagmanifest-${m.alg}.txt to match it`);
  }
}

function payloadDigests(manifests: Manifest[]): Map<string, Record<string, string>> {
  const digests = new Map<string, Record<string, string>>();
  for (const m of manifests) {
    for (const e of m.entries) {
      if (!e.path.startsWith('data/')) continue;
      digests.set(e.path, { ...digests.get(e.path), [m.alg]: e.digest });
    }
  }
  return digests;
}

// ---------------------------------------------------------------------------------------------
// Fixity

async function verifyDigests(bag: Bag): Promise<void> {
  for (const [file, claims] of bag.claims) {
    const algs = [...new Set(claims.map((c) => c.alg))];
    let actual: Record<string, string>;
    try {
      actual = await hashFile(path.join(bag.dir, file), algs);
    } catch (e) {
      bag.found.error(`${file}: cannot be read (${(e as Error).message})`);
      continue;
    }
    for (const c of claims) {
      if (actual[c.alg] !== c.digest) {
        bag.found.fixity(`${file}: ${c.alg} digest does not match ${c.manifest} (listed ${c.digest}, actual ${actual[c.alg]})`);
      }
    }
  }
}

/** Streams the file once, feeding every requested hash, so large payload files are never held in memory. */
async function hashFile(file: string, algs: string[]): Promise<Record<string, string>> {
  const hashes = algs.map((alg) => [alg, createHash(ALGORITHMS[alg]!.hash)] as const);
  for await (const chunk of createReadStream(file)) {
    for (const [, h] of hashes) h.update(chunk as Buffer);
  }
  return Object.fromEntries(hashes.map(([alg, h]) => [alg, h.digest('hex')]));
}

// ---------------------------------------------------------------------------------------------
// bag-info.txt (RFC 8493 §2.2.2)

async function checkBagInfo(bag: Bag): Promise<Array<[string, string]>> {
  if (!bag.files.has('bag-info.txt')) return [];
  const text = await readText(bag, 'bag-info.txt');
  if (text === undefined) return [];
  const info = parseBagInfo(bag, text);
  await checkOxum(bag, info);
  return info;
}

/**
 * "Label: value" lines; a line starting with a space or tab continues the previous value. The
 * line break and the indentation are folded into one space, as the break is only for wrapping.
 */
function parseBagInfo(bag: Bag, text: string): Array<[string, string]> {
  const info: Array<[string, string]> = [];
  splitLines(text).forEach((line, i) => {
    const where = `bag-info.txt: line ${i + 1}`;
    const last = info.at(-1);
    if (/^[ \t]/.test(line)) {
      if (last) last[1] = `${last[1]} ${line.trim()}`;
      else bag.found.error(`${where} continues a value, but no label comes before it`);
      return;
    }
    const entry = parseInfoLine(line);
    if (typeof entry === 'string') bag.found.error(`${where} ${entry}: "${line}"`);
    else info.push(entry);
  });
  return info;
}

/** A label and its value, or what is wrong with the line. */
function parseInfoLine(line: string): [string, string] | string {
  const colon = line.indexOf(':');
  if (colon <= 0) return 'is not "Label: value"';
  const label = line.slice(0, colon);
  const rest = line.slice(colon + 1);
  if (/\s$/.test(label)) return 'has whitespace before the colon';
  if (rest !== '' && !/^[ \t]/.test(rest)) return 'has no space after the colon';
  return [label, rest.replace(/^[ \t]+/, '')];
}

/** Payload-Oxum is "octets.files" over the payload on disk (RFC 8493 §2.2.2). */
async function checkOxum(bag: Bag, info: Array<[string, string]>): Promise<void> {
  const oxums = info.filter(([label]) => label.toLowerCase() === 'payload-oxum').map(([, v]) => v);
  if (oxums.length === 0) return;
  if (oxums.length > 1) bag.found.warn('bag-info.txt: Payload-Oxum is given more than once');
  const payload = [...bag.files].filter((f) => f.startsWith('data/'));
  let octets = 0;
  for (const f of payload) octets += (await stat(path.join(bag.dir, f))).size;
  const actual = `${octets}.${payload.length}`;
  for (const oxum of oxums) {
    if (!/^\d+\.\d+$/.test(oxum)) bag.found.error(`bag-info.txt: Payload-Oxum "${oxum}" is not "octets.streamcount"`);
    else if (oxum !== actual && !sameOxum(oxum, actual)) {
      bag.found.error(`bag-info.txt: Payload-Oxum is ${oxum}, but the payload is ${actual} (octets.files)`);
    }
  }
}

/** Compares numerically, so a leading zero in the bag's value is not a mismatch. */
function sameOxum(a: string, b: string): boolean {
  const [a1, a2] = a.split('.').map(BigInt);
  const [b1, b2] = b.split('.').map(BigInt);
  return a1 === b1 && a2 === b2;
}
