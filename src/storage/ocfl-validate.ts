/**
 * An OCFL 1.1 validator that reads objects where they are, through the ObjectStore port: the
 * storage root and the objects in it, each object's inventories and sidecars, the manifest against
 * the keys actually stored, and (optionally) every stored file against every digest recorded for
 * it. Issues carry the specification's validation code (E…/W…) where one fits, else E000/W000.
 *
 * S3 has no directories, only keys, so "directory" below always means a key prefix; empty
 * directories can only show up as zero-byte keys ending in "/" (folder markers some tools write).
 */
import { createHash } from 'node:crypto';
import { digestStream, type DigestAlgorithm } from '../checksum/digests.js';
import type { ObjectStore } from './object-store.js';
import {
  INVENTORY_TYPE,
  LAYOUT_CONFIG,
  LAYOUT_EXTENSION,
  OBJECT_NAMASTE,
  ROOT_NAMASTE,
  objectRootPath,
  type Inventory,
} from './ocfl.core.js';

/** One finding: its OCFL validation code (E000/W000 when none fits), what is wrong, and where. */
export interface ValidationIssue {
  code: string;
  message: string;
  /** the file or directory concerned: relative to the object root, or to the storage root in storage-root reports */
  path?: string;
}

/** What `validateObject` found in one object. */
export interface ObjectReport {
  objectRoot: string;
  /** the root inventory as read, or null when it is missing or too broken to use; trust it only when `errors` is empty */
  inventory: Inventory | null;
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
  /** content files read back and digested (with `checkDigests`) */
  checkedFiles: number;
  /** their bytes (the first read of each) */
  checkedBytes?: number;
}

type Reader = Pick<ObjectStore, 'list' | 'get' | 'getBuffer'>;

class Findings {
  readonly errors: ValidationIssue[] = [];
  readonly warnings: ValidationIssue[] = [];
  error(code: string, message: string, path?: string): void {
    this.errors.push(path === undefined ? { code, message } : { code, message, path });
  }
  warn(code: string, message: string, path?: string): void {
    this.warnings.push(path === undefined ? { code, message } : { code, message, path });
  }
}

const INVENTORY_KEYS = new Set(['id', 'type', 'digestAlgorithm', 'head', 'contentDirectory', 'manifest', 'versions', 'fixity']);
const VERSION_KEYS = new Set(['created', 'state', 'message', 'user']);
/** Oldest first: a later version's inventory may not declare an older specification (E103). */
const INVENTORY_TYPES = ['https://ocfl.io/1.0/spec/#inventory', INVENTORY_TYPE];

const hex = (n: number) => new RegExp(`^[0-9a-fA-F]{${n}}$`);
/**
 * The digest algorithms of the specification and of the registered extensions 0001/0009, each
 * with the shape of its values and the code for a malformed one (the spec names codes only for
 * the hex encoding of some of them).
 */
const DIGEST_FORMATS = new Map<string, { re: RegExp; code: string; what: string }>([
  ['md5', { re: hex(32), code: 'E057', what: '32 hexadecimal digits' }],
  ['sha1', { re: hex(40), code: 'E029', what: '40 hexadecimal digits' }],
  ['sha256', { re: hex(64), code: 'E030', what: '64 hexadecimal digits' }],
  ['sha512', { re: hex(128), code: 'E031', what: '128 hexadecimal digits' }],
  ['blake2b-512', { re: hex(128), code: 'E032', what: '128 hexadecimal digits' }],
  ['blake2b-160', { re: hex(40), code: 'E057', what: '40 hexadecimal digits' }],
  ['blake2b-256', { re: hex(64), code: 'E057', what: '64 hexadecimal digits' }],
  ['blake2b-384', { re: hex(96), code: 'E057', what: '96 hexadecimal digits' }],
  ['sha512/256', { re: hex(64), code: 'E057', what: '64 hexadecimal digits' }],
  ['size', { re: /^(0|[1-9][0-9]*)$/, code: 'E057', what: 'a decimal byte count' }],
]);
/** What a read-back can compute: digestStream's algorithms, plus the byte count it reports anyway. */
const STREAMED: ReadonlySet<string> = new Set<DigestAlgorithm>(['sha512', 'sha256', 'md5']);
const CHECKABLE: ReadonlySet<string> = new Set([...STREAMED, 'size']);
/** Parallel reads when digesting: S3 latency, not hashing, is what limits a single stream. */
const READ_CONCURRENCY = 4;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
// Own keys only: inventory keys are untrusted text, and "constructor" or "__proto__" must not match Object.prototype.
const has = (o: Record<string, unknown>, k: string) => Object.hasOwn(o, k);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((p) => typeof p === 'string');
const q = (v: unknown) => JSON.stringify(v) ?? String(v);
/** Digests are long; the first characters identify one well enough in a message. */
const short = (d: string) => (d.length > 16 ? `${d.slice(0, 16)}…` : d);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function isRfc3339(s: string): boolean {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = m[8] === undefined || (Number(m[8]) <= 23 && Number(m[9]) <= 59);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 60 && offsetOk;
}

const versionNumberOf = (name: string): number | null => (/^v\d+$/.test(name) ? Number(name.slice(1)) : null);

/** 'edge' for a leading or trailing '/', 'segment' for an empty, '.' or '..' segment. */
function pathProblem(p: string): 'edge' | 'segment' | null {
  if (p.startsWith('/') || p.endsWith('/')) return 'edge';
  return p.split('/').some((s) => s === '' || s === '.' || s === '..') ? 'segment' : null;
}

/** Pairs [a, b] where path a is also a directory above path b. */
function fileDirectoryConflicts(paths: Iterable<string>): Array<[string, string]> {
  const all = new Set(paths);
  const found = new Map<string, string>();
  for (const p of all) {
    for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) {
      const dir = p.slice(0, i);
      if (all.has(dir) && !found.has(dir)) found.set(dir, p);
    }
  }
  return [...found];
}

interface VersionView {
  created: unknown;
  message: unknown;
  user: unknown;
  /** logical path → digest */
  state: Map<string, string>;
}

/** The parts of an inventory the object checks rely on, taken from whatever was well-formed. */
interface InventoryView {
  id: string | undefined;
  type: unknown;
  head: unknown;
  alg: 'sha512' | 'sha256' | null;
  contentDir: string;
  /** version names, lowest number first */
  versionOrder: string[];
  versions: Map<string, VersionView>;
  /** content path → digest as written */
  manifest: Map<string, string>;
  /** algorithm → content path → digest as written */
  fixity: Map<string, Map<string, string>>;
}

/**
 * Checks an inventory's structure and returns what the object checks need, or null when it has
 * no usable manifest and versions. `kind: 'version'` is an inventory in a version directory, which
 * may be of an earlier OCFL version than the object's root inventory.
 */
function inspectInventory(inv: unknown, where: string, f: Findings, kind: 'root' | 'version'): InventoryView | null {
  const err = (code: string, message: string) => f.error(code, message, where);
  const warn = (code: string, message: string) => f.warn(code, message, where);
  if (!isObject(inv)) {
    err('E033', 'the inventory is not a JSON object');
    return null;
  }
  for (const k of Object.keys(inv)) if (!INVENTORY_KEYS.has(k)) err('E102', `the inventory has a key OCFL does not define: ${q(k)}`);

  let id: string | undefined;
  if (!has(inv, 'id')) err('E036', 'the inventory has no "id"');
  else if (typeof inv.id !== 'string' || inv.id === '') err('E036', `"id" must be a non-empty string, not ${q(inv.id)}`);
  else {
    id = inv.id;
    if (!URI.test(id)) warn('W005', `the object id ${q(id)} is not a URI`);
  }

  if (!has(inv, 'type')) err('E036', 'the inventory has no "type"');
  else if (kind === 'root' ? inv.type !== INVENTORY_TYPE : !INVENTORY_TYPES.includes(inv.type as string)) {
    err(
      'E038',
      `"type" must be ${kind === 'root' ? INVENTORY_TYPE : `an OCFL inventory type URI such as ${INVENTORY_TYPE}`}, not ${q(inv.type)}`,
    );
  }

  let alg: InventoryView['alg'] = null;
  if (!has(inv, 'digestAlgorithm')) err('E036', 'the inventory has no "digestAlgorithm"');
  else if (inv.digestAlgorithm !== 'sha512' && inv.digestAlgorithm !== 'sha256')
    err('E025', `"digestAlgorithm" must be sha512 or sha256, not ${q(inv.digestAlgorithm)}`);
  else {
    alg = inv.digestAlgorithm;
    if (alg === 'sha256') warn('W004', '"digestAlgorithm" is sha256; sha512 is recommended');
  }

  let contentDir = 'content';
  if (has(inv, 'contentDirectory')) {
    const cd = inv.contentDirectory;
    if (typeof cd !== 'string' || cd === '' || cd.includes('/'))
      err('E017', `"contentDirectory" must be a single directory name without "/", not ${q(cd)}`);
    else if (cd === '.' || cd === '..') err('E018', `"contentDirectory" must not be ${q(cd)}`);
    else contentDir = cd;
  }

  // Version names first: the manifest's content paths are checked against them.
  let versionsObj: Record<string, unknown> | null = null;
  if (!has(inv, 'versions')) err('E043', 'the inventory has no "versions" block');
  else if (!isObject(inv.versions)) err('E045', '"versions" must be a JSON object');
  else versionsObj = inv.versions;
  const names = versionsObj ? Object.keys(versionsObj) : [];
  if (versionsObj && names.length === 0) err('E008', '"versions" is empty: an object has at least one version');
  const numbered: Array<[string, number]> = [];
  for (const n of names) {
    const num = versionNumberOf(n);
    if (num === null) err('E104', `${q(n)} is not a version name (v followed by a number)`);
    else numbered.push([n, num]);
  }
  numbered.sort((a, b) => a[1] - b[1]);
  const versionOrder = numbered.map(([n]) => n);
  if (numbered.length > 0) {
    // 0 = unpadded; otherwise the padded width, which must be the same for all.
    const widths = new Set(numbered.map(([n]) => (n.startsWith('v0') && n.length > 2 ? n.length : 0)));
    if (widths.size > 1)
      err(
        'E012',
        `version names mix naming conventions (${versionOrder.join(', ')}): all must be unpadded, or all zero-padded to the same width`,
      );
    else if (!widths.has(0)) warn('W001', `version names are zero-padded (${versionOrder[0]}); unpadded names (v1, v2, …) are recommended`);
    if (numbered[0]![1] !== 1) err('E009', `versions must start at 1, but the first is ${numbered[0]![0]}`);
    const missing: string[] = [];
    for (let i = 1; i < numbered.length; i++) for (let k = numbered[i - 1]![1] + 1; k < numbered[i]![1]; k++) missing.push(`v${k}`);
    if (missing.length > 0) {
      const list = missing.length > 5 ? `${missing.slice(0, 5).join(', ')}, …` : missing.join(', ');
      err('E010', `the version sequence has a gap: ${list} missing between ${versionOrder[0]} and ${versionOrder.at(-1)}`);
    }
  }
  if (!has(inv, 'head')) err('E036', 'the inventory has no "head"');
  else if (typeof inv.head !== 'string') err('E040', `"head" must be a version name, not ${q(inv.head)}`);
  else if (numbered.length > 0 && inv.head !== versionOrder.at(-1))
    err('E040', `"head" is ${q(inv.head)} but the highest version is ${versionOrder.at(-1)}`);

  // manifest
  let manifestObj: Record<string, unknown> | null = null;
  const manifest = new Map<string, string>();
  if (!has(inv, 'manifest')) err('E041', 'the inventory has no "manifest" block');
  else if (!isObject(inv.manifest)) err('E106', '"manifest" must be a JSON object');
  else manifestObj = inv.manifest;
  const caseFolded = new Set<string>();
  for (const [d, paths] of Object.entries(manifestObj ?? {})) {
    const fmt = alg ? DIGEST_FORMATS.get(alg) : undefined;
    if (fmt && !fmt.re.test(d)) err(fmt.code, `the manifest key ${q(short(d))} is not a ${alg} digest (${fmt.what})`);
    if (caseFolded.has(d.toLowerCase())) err('E096', `the manifest has digest ${short(d)} twice, differing only in letter case`);
    caseFolded.add(d.toLowerCase());
    if (!isStringList(paths) || paths.length === 0) {
      err('E092', `the manifest entry for ${short(d)} must be a non-empty list of content paths`);
      continue;
    }
    for (const p of paths) {
      const problem = pathProblem(p);
      if (problem === 'edge') err('E100', `content path ${q(p)} in the manifest begins or ends with "/"`);
      else if (problem === 'segment') err('E099', `content path ${q(p)} in the manifest has an empty, "." or ".." segment`);
      const segs = p.split('/');
      if (segs.length < 3 || versionNumberOf(segs[0]!) === null || segs[1] !== contentDir) {
        err('E042', `content path ${q(p)} in the manifest is not inside a version's content directory (<version>/${contentDir}/…)`);
      } else if (versionsObj && !has(versionsObj, segs[0]!)) {
        err('E014', `content path ${q(p)} in the manifest is in ${segs[0]}, which is not a version of this inventory`);
      }
      if (manifest.has(p)) err('E101', `content path ${q(p)} appears more than once in the manifest`);
      else manifest.set(p, d);
    }
  }
  for (const [file, other] of fileDirectoryConflicts(manifest.keys()))
    err('E101', `content path ${q(file)} is a file in the manifest and also a directory above ${q(other)}`);

  // each version
  const versions = new Map<string, VersionView>();
  const usedDigests = new Set<string>();
  for (const name of versionOrder) {
    const v = versionsObj![name];
    const label = `version ${name}`;
    if (!isObject(v)) {
      err('E047', `${label} must be a JSON object`);
      continue;
    }
    for (const k of Object.keys(v)) if (!VERSION_KEYS.has(k)) err('E102', `${label} has a key OCFL does not define: ${q(k)}`);
    if (!has(v, 'created')) err('E048', `${label} has no "created" date`);
    else if (typeof v.created !== 'string' || !isRfc3339(v.created))
      err('E049', `${label} "created" is ${q(v.created)}, not an RFC 3339 date-time with seconds and a time zone`);
    if (has(v, 'message') && typeof v.message !== 'string') err('E094', `${label} "message" must be a string`);
    if (has(v, 'user')) {
      const u = v.user;
      if (!isObject(u) || typeof u.name !== 'string' || u.name === '') err('E054', `${label} "user" must be an object with a "name"`);
      else if (!has(u, 'address')) warn('W008', `${label} "user" has no "address"`);
      else if (typeof u.address !== 'string' || !URI.test(u.address))
        warn('W009', `${label} user "address" ${q(u.address)} is not a URI (such as mailto:…)`);
    }
    const lacking = ['message', 'user'].filter((k) => !has(v, k));
    if (lacking.length > 0) warn('W007', `${label} has no ${lacking.map((k) => `"${k}"`).join(' or ')}`);

    const state = new Map<string, string>();
    versions.set(name, { created: v.created, message: v.message, user: v.user, state });
    if (!has(v, 'state')) {
      err('E048', `${label} has no "state"`);
      continue;
    }
    if (!isObject(v.state)) {
      err('E048', `${label} "state" must be a JSON object`);
      continue;
    }
    for (const [d, paths] of Object.entries(v.state)) {
      usedDigests.add(d);
      if (manifestObj && !has(manifestObj, d)) err('E050', `${label} refers to digest ${short(d)}, which is not a key of the manifest`);
      if (!isStringList(paths) || paths.length === 0) {
        err('E051', `${label} state entry ${short(d)} must be a non-empty list of logical paths`);
        continue;
      }
      for (const p of paths) {
        const problem = pathProblem(p);
        if (problem === 'edge') err('E053', `${label} has logical path ${q(p)}, which begins or ends with "/"`);
        else if (problem === 'segment') err('E052', `${label} has logical path ${q(p)}, which has an empty, "." or ".." segment`);
        if (state.has(p)) err('E095', `${label} lists logical path ${q(p)} more than once`);
        else state.set(p, d);
      }
    }
    for (const [file, other] of fileDirectoryConflicts(state.keys()))
      err('E095', `${label} has ${q(file)} both as a file and as a directory (of ${q(other)})`);
  }
  if (versionsObj && names.length > 0) {
    for (const d of Object.keys(manifestObj ?? {}))
      if (!usedDigests.has(d)) err('E107', `the manifest lists digest ${short(d)}, which no version's state uses`);
  }

  // fixity
  const fixity = new Map<string, Map<string, string>>();
  if (has(inv, 'fixity')) {
    if (!isObject(inv.fixity)) err('E111', '"fixity" must be a JSON object');
    else {
      for (const [a, block] of Object.entries(inv.fixity)) {
        const fmt = DIGEST_FORMATS.get(a);
        if (!fmt) err('E056', `the fixity block uses ${q(a)}, which is not a digest algorithm of OCFL or its registered extensions`);
        if (!isObject(block)) {
          err('E057', `fixity ${q(a)} must be a JSON object of digests and content paths`);
          continue;
        }
        const byPath = new Map<string, string>();
        const folded = new Set<string>();
        for (const [d, paths] of Object.entries(block)) {
          if (fmt && !fmt.re.test(d)) err(fmt.code, `fixity ${a} value ${q(short(d))} is not a ${a} digest (${fmt.what})`);
          if (folded.has(d.toLowerCase())) err('E097', `fixity ${a} has ${short(d)} twice, differing only in letter case`);
          folded.add(d.toLowerCase());
          if (!isStringList(paths)) {
            err('E057', `fixity ${a} entry ${short(d)} must be a list of content paths`);
            continue;
          }
          for (const p of paths) {
            if (!manifest.has(p)) err('E057', `fixity ${a} names content path ${q(p)}, which is not in the manifest`);
            else if (byPath.has(p)) err('E057', `fixity ${a} gives content path ${q(p)} more than one value`);
            else byPath.set(p, d);
          }
        }
        fixity.set(a, byPath);
      }
    }
  }

  if (!manifestObj || !versionsObj) return null;
  return { id, type: inv.type, head: inv.head, alg, contentDir, versionOrder, versions, manifest, fixity };
}

/**
 * Checks an inventory's structure without looking at any files: the required keys and no others,
 * the version sequence and head, digests, content and logical paths, state against manifest, and
 * the fixity block. `where` names the inventory in the issues (default "inventory.json").
 */
export function validateInventory(inv: unknown, opts: { where?: string } = {}): { errors: ValidationIssue[]; warnings: ValidationIssue[] } {
  const f = new Findings();
  inspectInventory(inv, opts.where ?? 'inventory.json', f, 'root');
  return { errors: f.errors, warnings: f.warnings };
}

const join = (root: string, rel: string) => (root === '' ? rel : `${root}/${rel}`);

interface ReadInventory {
  bytes: Buffer;
  parsed: unknown;
  view: InventoryView | null;
}

/** Reads `dir/inventory.json` (dir '' = the object root), its sidecar, and checks its structure. */
async function readInventory(
  store: Reader,
  objectRoot: string,
  dir: string,
  files: Map<string, number>,
  f: Findings,
  kind: 'root' | 'version',
): Promise<ReadInventory | null> {
  const rel = dir === '' ? 'inventory.json' : `${dir}/inventory.json`;
  if (!files.has(rel)) return null;
  const bytes = await store.getBuffer(join(objectRoot, rel));
  if (!bytes) return null;

  let parsed: unknown;
  let view: InventoryView | null = null;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    view = inspectInventory(parsed, rel, f, kind);
  } catch (e) {
    f.error('E033', `the inventory is not UTF-8 JSON (${(e as Error).message})`, rel);
  }

  // The sidecar is named after the inventory's own algorithm; when that is unreadable, go by what exists.
  const alg = view?.alg ?? (files.has(`${rel}.sha256`) && !files.has(`${rel}.sha512`) ? 'sha256' : 'sha512');
  const sidecarRel = `${rel}.${alg}`;
  const sidecar = files.has(sidecarRel) ? await store.getBuffer(join(objectRoot, sidecarRel)) : null;
  if (!sidecar) {
    const others = [...files.keys()].filter((k) => k.startsWith(`${rel}.`));
    if (others.length > 0)
      f.error('E059', `the inventory's sidecar must be ${sidecarRel} (its digestAlgorithm is ${alg}); found ${others.join(', ')}`, rel);
    else f.error('E058', `the inventory has no sidecar ${sidecarRel}`, rel);
  } else {
    const m = /^([0-9a-fA-F]+)[ \t]+inventory\.json\r?\n?$/.exec(sidecar.toString('utf8'));
    const actual = createHash(alg).update(bytes).digest('hex');
    if (!m) f.error('E061', `the sidecar must hold "<digest> inventory.json"; it holds ${q(short(sidecar.toString('utf8')))}`, sidecarRel);
    else if (m[1]!.toLowerCase() !== actual)
      f.error('E060', `the sidecar records ${alg} ${short(m[1]!)} but the inventory's ${alg} is ${short(actual)}`, sidecarRel);
  }
  return { bytes, parsed, view };
}

/** State equality as logical path → content; digests compare only when both use one algorithm. */
function sameState(a: Map<string, string>, b: Map<string, string>, compareDigests: boolean): boolean {
  if (a.size !== b.size) return false;
  for (const [p, d] of a) {
    const other = b.get(p);
    if (other === undefined || (compareDigests && other.toLowerCase() !== d.toLowerCase())) return false;
  }
  return true;
}

async function checkDigests(
  store: Reader,
  objectRoot: string,
  view: InventoryView,
  files: Map<string, number>,
  f: Findings,
): Promise<{ files: number; bytes: number }> {
  const wanted = new Map<string, Array<{ alg: string; digest: string; fromManifest: boolean }>>();
  const want = (p: string, alg: string, digest: string, fromManifest: boolean) => {
    const list = wanted.get(p) ?? [];
    list.push({ alg, digest, fromManifest });
    wanted.set(p, list);
  };
  if (view.alg) for (const [p, d] of view.manifest) want(p, view.alg, d, true);
  for (const [alg, byPath] of view.fixity) {
    if (!CHECKABLE.has(alg)) {
      // Spec: an unsupported fixity algorithm is ignored; say so, since nothing vouches for those values.
      if (byPath.size > 0)
        f.warn('W000', `fixity ${alg} values were not checked: this validator computes sha512, sha256, md5 and size`, 'inventory.json');
      continue;
    }
    for (const [p, d] of byPath) want(p, alg, d, false);
  }

  const jobs = [...wanted].filter(([p]) => files.has(p));
  const results: ValidationIssue[][] = jobs.map(() => []);
  let checked = 0;
  let bytes = 0;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < jobs.length; i = next++) {
      const [p, expected] = jobs[i]!;
      const out = results[i]!;
      const body = await store.get(join(objectRoot, p));
      if (!body) {
        out.push({ code: 'E092', message: `${p} disappeared while it was being checked`, path: p });
        continue;
      }
      const algs = [...new Set(expected.map((e) => e.alg).filter((a) => STREAMED.has(a)))] as DigestAlgorithm[];
      let got = await digestStream(body, algs);
      bytes += got.bytes;
      const actualOf = (e: (typeof expected)[number]) => (e.alg === 'size' ? String(got.bytes) : got.digests[e.alg as DigestAlgorithm]!);
      const mismatch = () => expected.some((e) => actualOf(e) !== e.digest.toLowerCase());
      if (mismatch()) {
        // A read cut short or garbled on the way is not damage: only bytes that read wrong twice are.
        const again = await store.get(join(objectRoot, p));
        if (again) got = await digestStream(again, algs);
      }
      checked++;
      for (const e of expected) {
        const actual = actualOf(e);
        if (actual === e.digest.toLowerCase()) continue;
        out.push({
          code: e.fromManifest ? 'E092' : 'E093',
          message: `${p} does not match its ${e.alg} ${e.fromManifest ? 'in the manifest' : 'fixity value'}: the stored bytes give ${short(actual)}, the inventory records ${short(e.digest)}`,
          path: p,
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, jobs.length) }, worker));
  for (const r of results) f.errors.push(...r);
  return { files: checked, bytes };
}

/** Validates one object from the keys stored under it (relative to the object root). */
async function checkObject(
  store: Reader,
  objectRoot: string,
  listing: Map<string, number>,
  opts: { checkDigests?: boolean },
): Promise<ObjectReport> {
  const f = new Findings();
  const report: ObjectReport = { objectRoot, inventory: null, errors: f.errors, warnings: f.warnings, checkedFiles: 0 };
  const markers = [...listing.keys()].filter((k) => k.endsWith('/'));
  const files = new Map([...listing].filter(([k]) => !k.endsWith('/')));
  if (files.size === 0) return report; // nothing stored here: no object, which is not an error of one

  const declarations = [...files.keys()].filter((k) => !k.includes('/') && k.startsWith('0='));
  if (declarations.length === 0) f.error('E003', `the object root has no declaration file ${OBJECT_NAMASTE.name}`, OBJECT_NAMASTE.name);
  else if (declarations.length > 1)
    f.error(
      'E003',
      `the object root has ${declarations.length} declaration files (${declarations.join(', ')}); it must have exactly one, ${OBJECT_NAMASTE.name}`,
      declarations[0],
    );
  if (declarations.includes(OBJECT_NAMASTE.name)) {
    const body = await store.getBuffer(join(objectRoot, OBJECT_NAMASTE.name));
    if (body && body.toString('utf8') !== OBJECT_NAMASTE.body) {
      f.error(
        'E007',
        `${OBJECT_NAMASTE.name} must contain exactly ${q(OBJECT_NAMASTE.body)}, not ${q(body.toString('utf8').slice(0, 40))}`,
        OBJECT_NAMASTE.name,
      );
    }
  } else if (declarations.length === 1) {
    f.error('E003', `the object declares itself ${declarations[0]}; an OCFL 1.1 object has ${OBJECT_NAMASTE.name}`, declarations[0]);
  }

  const root = await readInventory(store, objectRoot, '', files, f, 'root');
  if (!root) {
    f.error('E063', 'the object has no inventory.json at its root', 'inventory.json');
    return finish(report);
  }
  const view = root.view;
  if (!view) return finish(report);
  report.inventory = root.parsed as Inventory;
  const rootAlg = view.alg ?? 'sha512';
  const versionSet = new Set(view.versionOrder);
  const head = typeof view.head === 'string' ? view.head : view.versionOrder.at(-1);

  // Only the declaration, the inventory and its sidecar, version directories, extensions/ and logs/.
  const reportedDirs = new Set<string>();
  const onceFor = (dir: string, report: () => void) => {
    if (!reportedDirs.has(dir)) {
      reportedDirs.add(dir);
      report();
    }
  };
  for (const key of files.keys()) {
    const slash = key.indexOf('/');
    if (slash === -1) {
      if (key === 'inventory.json' || key === `inventory.json.${rootAlg}` || declarations.includes(key)) continue;
      // A sidecar of another algorithm is reported with the inventory (E059) when the right one is missing.
      if (key.startsWith('inventory.json.') && !files.has(`inventory.json.${rootAlg}`)) continue;
      f.error('E001', `${key} is a file at the object root, where only ${OBJECT_NAMASTE.name}, inventory.json and its sidecar belong`, key);
      continue;
    }
    const top = key.slice(0, slash);
    const rest = key.slice(slash + 1);
    if (top === 'logs') continue;
    if (top === 'extensions') {
      if (!rest.includes('/')) f.error('E067', `${key} is a file directly in extensions/, which may hold only extension directories`, key);
      continue;
    }
    if (versionSet.has(top)) {
      const sub = rest.includes('/') ? rest.slice(0, rest.indexOf('/')) : null;
      if (sub === null) {
        if (rest !== 'inventory.json' && !/^inventory\.json\.(sha512|sha256)$/.test(rest))
          f.error('E015', `${key}: a version directory may hold only its inventory.json and sidecar as files`, key);
      } else if (sub === view.contentDir) {
        if (!view.manifest.has(key))
          f.error('E023', `${key} is stored in the content directory of ${top} but the manifest does not list it`, key);
      } else {
        onceFor(`${top}/${sub}`, () =>
          f.warn('W002', `${top}/${sub}/ is a directory other than the content directory; OCFL ignores what is in it`, `${top}/${sub}/`),
        );
      }
      continue;
    }
    if (versionNumberOf(top) !== null) {
      onceFor(top, () =>
        f.error(
          'E046',
          `${top}/ is a version directory that the inventory does not list (its head is ${String(head)}): an unfinished or stray version`,
          `${top}/`,
        ),
      );
    } else {
      onceFor(top, () =>
        f.error(
          'E001',
          `${top}/ is a directory at the object root, where only version directories, extensions/ and logs/ belong`,
          `${top}/`,
        ),
      );
    }
  }
  for (const m of markers) {
    const [v, sub] = m.split('/');
    if (versionSet.has(v!) && sub === view.contentDir && ![...files.keys()].some((k) => k.startsWith(m))) {
      f.error('E024', `${m} is an empty directory in a content directory`, m);
    }
  }
  for (const p of view.manifest.keys()) if (!files.has(p)) f.error('E092', `${p} is listed in the manifest but is not stored`, p);

  // Each version's own inventory: SHOULD exist; the head's is the root's, the others agree with it.
  let newestType = -1;
  for (const v of view.versionOrder) {
    const where = `${v}/inventory.json`;
    const vi = await readInventory(store, objectRoot, v, files, f, 'version');
    if (!vi) {
      f.warn('W010', `version ${v} has no inventory.json of its own`, where);
      continue;
    }
    if (v === head && !vi.bytes.equals(root.bytes))
      f.error('E064', `${where} differs from the root inventory.json; the head version's inventory must be identical to it`, where);
    const vv = vi.view;
    if (!vv) continue;
    if (vv.head !== v)
      f.error('E040', `${where} has head ${q(vv.head)}; a version's own inventory must have that version as its head`, where);
    if (vv.id !== undefined && view.id !== undefined && vv.id !== view.id)
      f.error('E110', `${where} has id ${q(vv.id)} but the object's id is ${q(view.id)}`, where);
    if (vv.contentDir !== view.contentDir)
      f.error('E020', `${where} uses content directory ${q(vv.contentDir)} but the root inventory uses ${q(view.contentDir)}`, where);
    const typeIndex = INVENTORY_TYPES.indexOf(vv.type as string);
    if (typeIndex !== -1 && typeIndex < newestType)
      f.error('E103', `${where} declares ${String(vv.type)}, an older OCFL version than an earlier version's inventory`, where);
    newestType = Math.max(newestType, typeIndex);
    for (const [name, block] of vv.versions) {
      const current = view.versions.get(name);
      if (!current) continue;
      if (!sameState(block.state, current.state, vv.alg === view.alg))
        f.error('E066', `${where} records a different state for ${name} than the root inventory`, where);
      const differing = (['created', 'message', 'user'] as const).filter((k) => q(block[k]) !== q(current[k]));
      if (differing.length > 0)
        f.warn('W011', `${where} has a different ${differing.join(', ')} for ${name} than the root inventory`, where);
    }
  }

  if (opts.checkDigests) {
    const c = await checkDigests(store, objectRoot, view, files, f);
    report.checkedFiles = c.files;
    report.checkedBytes = c.bytes;
  }
  return finish(report);
}

/** Version inventories repeat the root's SHOULD-level findings; one mention of each is enough. */
function finish(report: ObjectReport): ObjectReport {
  const seen = new Set<string>();
  const unique = report.warnings.filter((w) => {
    const key = `${w.code}\u0000${w.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  report.warnings.splice(0, report.warnings.length, ...unique);
  return report;
}

/**
 * Validates the OCFL object whose root is `objectRoot` (a key prefix, without trailing "/"): its
 * declaration, root and version inventories with their sidecars, the stored keys against the
 * manifest, and with `checkDigests` every stored content file against the manifest and fixity
 * digests. No keys under the prefix gives an empty report with `inventory: null`.
 */
export async function validateObject(store: Reader, objectRoot: string, opts: { checkDigests?: boolean } = {}): Promise<ObjectReport> {
  const rootPath = objectRoot.replace(/\/+$/, '');
  const prefix = rootPath === '' ? '' : `${rootPath}/`;
  const listing = new Map<string, number>();
  for await (const o of store.list(prefix)) listing.set(o.key.slice(prefix.length), o.size);
  return checkObject(store, rootPath, listing, opts);
}

/**
 * Validates a whole storage root (the bucket): its declaration and ocfl_layout.json, that every
 * key is either a storage-root file or inside an object (files in between are partial objects or
 * strays), that objects do not nest, and each object as `validateObject` does. `errors` and
 * `warnings` hold everything, object findings with paths from the storage root; `objects` has the
 * per-object reports.
 */
export async function validateStorageRoot(
  store: Reader,
  opts: { checkDigests?: boolean } = {},
): Promise<{ errors: ValidationIssue[]; warnings: ValidationIssue[]; objects: ObjectReport[] }> {
  const f = new Findings();
  const listing: Array<{ key: string; size: number }> = [];
  for await (const o of store.list('')) listing.push({ key: o.key, size: o.size });
  const keys = new Set(listing.map((o) => o.key));

  const declarations = [...keys].filter((k) => !k.includes('/') && k.startsWith('0='));
  if (!keys.has(ROOT_NAMASTE.name)) f.error('E069', `the storage root has no declaration file ${ROOT_NAMASTE.name}`, ROOT_NAMASTE.name);
  else {
    const body = await store.getBuffer(ROOT_NAMASTE.name);
    if (body && body.toString('utf8') !== ROOT_NAMASTE.body)
      f.error(
        'E080',
        `${ROOT_NAMASTE.name} must contain exactly ${q(ROOT_NAMASTE.body)}, not ${q(body.toString('utf8').slice(0, 40))}`,
        ROOT_NAMASTE.name,
      );
  }
  if (declarations.length > 1)
    f.error(
      'E076',
      `the storage root has ${declarations.length} declaration files (${declarations.join(', ')}); it must have exactly one`,
      declarations[0],
    );

  let layout: Record<string, unknown> | null = null;
  if (keys.has('ocfl_layout.json')) {
    const bytes = await store.getBuffer('ocfl_layout.json');
    try {
      const parsed: unknown = bytes ? JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) : null;
      if (!isObject(parsed) || typeof parsed.extension !== 'string' || typeof parsed.description !== 'string') {
        f.error('E070', 'ocfl_layout.json must be a JSON object with the strings "extension" and "description"', 'ocfl_layout.json');
      } else layout = parsed;
    } catch (e) {
      f.error('E070', `ocfl_layout.json is not UTF-8 JSON (${(e as Error).message})`, 'ocfl_layout.json');
    }
  }

  // Object roots are the directories holding an object declaration (of any OCFL version).
  const declared = [
    ...new Set([...keys].filter((k) => /\/0=ocfl_object_[^/]*$/.test(k)).map((k) => k.slice(0, k.lastIndexOf('/')))),
  ].sort();
  const declaredSet = new Set(declared);
  const ancestorsOf = (dir: string) =>
    dir
      .split('/')
      .slice(0, -1)
      .map((_, i, segs) => segs.slice(0, i + 1).join('/'));
  const outer: string[] = [];
  for (const r of declared) {
    const container = ancestorsOf(r).find((a) => declaredSet.has(a));
    if (container)
      f.error('E082', `an object is nested inside the object at ${container}/; objects must end their storage hierarchy`, `${r}/`);
    else outer.push(r);
  }
  const intermediate = new Set(outer.flatMap(ancestorsOf));

  const perObject = new Map<string, Map<string, number>>(outer.map((r) => [r, new Map()]));
  const strays = new Map<string, string[]>();
  for (const { key, size } of listing) {
    if (!key.includes('/')) continue; // other files at the storage root are allowed (and ignored)
    if (key.startsWith('extensions/')) {
      if (!key.slice('extensions/'.length).includes('/'))
        f.error('E112', `${key} is a file directly in extensions/, which may hold only extension directories`, key);
      continue;
    }
    const segs = key.split('/');
    let owner: string | undefined;
    let strayDir: string | undefined;
    // A directory that is neither an object root nor above one cannot have an object below it.
    for (let i = 1; i < segs.length && !owner && !strayDir; i++) {
      const dir = segs.slice(0, i).join('/');
      if (perObject.has(dir)) owner = dir;
      else if (!intermediate.has(dir)) strayDir = dir;
    }
    if (owner) perObject.get(owner)!.set(key.slice(owner.length + 1), size);
    else if (key.endsWith('/')) {
      if (![...keys].some((k) => k !== key && k.startsWith(key))) f.error('E073', `${key} is an empty directory`, key);
    } else if (strayDir) strays.set(strayDir, [...(strays.get(strayDir) ?? []), key]);
    else
      f.error(
        'E084',
        `${key} is a file in ${key.slice(0, key.lastIndexOf('/'))}/, a directory of the storage hierarchy above objects, which may hold only directories`,
        key,
      );
  }
  for (const [dir, files] of strays) {
    // Keys of an unfinished object look like <root>/vN/… or <root>/inventory.json: name that root.
    const guesses = new Set(
      files.map((k) => {
        const segs = k.split('/');
        const v = segs.findIndex((s, i) => i > 0 && versionNumberOf(s) !== null && i < segs.length - 1);
        if (v > 0) return segs.slice(0, v).join('/');
        return segs.at(-1)?.startsWith('inventory.json') ? segs.slice(0, -1).join('/') : '';
      }),
    );
    const [guess] = guesses;
    const likely = guesses.size === 1 && guess ? `; it looks like an incomplete object at ${guess}/ (no ${OBJECT_NAMASTE.name})` : '';
    f.error(
      'E072',
      `${plural(files.length, 'file')} under ${dir}/ ${files.length === 1 ? 'belongs' : 'belong'} to no OCFL object${likely}, e.g. ${files[0]}`,
      `${dir}/`,
    );
  }

  const objects: ObjectReport[] = [];
  for (const r of outer) objects.push(await checkObject(store, r, perObject.get(r)!, opts));

  // With this project's layout an object's place follows from its id; one elsewhere cannot be found by id.
  const layoutConfig = keys.has(`extensions/${LAYOUT_EXTENSION}/config.json`)
    ? await store.getBuffer(`extensions/${LAYOUT_EXTENSION}/config.json`)
    : null;
  const sameLayout = layout?.extension === LAYOUT_EXTENSION && isSameLayoutConfig(layoutConfig);
  const byId = new Map<string, string>();
  for (const o of objects) {
    const id = o.inventory?.id;
    if (typeof id !== 'string') continue;
    const other = byId.get(id);
    if (other !== undefined) f.error('E037', `the objects at ${other}/ and ${o.objectRoot}/ have the same id ${q(id)}`, `${o.objectRoot}/`);
    else byId.set(id, o.objectRoot);
    if (sameLayout && objectRootPath(id) !== o.objectRoot) {
      f.error(
        'E083',
        `the object with id ${q(id)} is at ${o.objectRoot}/, but the storage layout ${LAYOUT_EXTENSION} puts it at ${objectRootPath(id)}/`,
        `${o.objectRoot}/`,
      );
    }
  }

  const errors = [...f.errors];
  const warnings = [...f.warnings];
  const located = (o: ObjectReport, i: ValidationIssue): ValidationIssue => ({
    ...i,
    path: i.path ? `${o.objectRoot}/${i.path}` : `${o.objectRoot}/`,
  });
  for (const o of objects) {
    errors.push(...o.errors.map((i) => located(o, i)));
    warnings.push(...o.warnings.map((i) => located(o, i)));
  }
  return { errors, warnings, objects };
}

/** True when the stored 0003 config (if any) is the one objectRootPath implements. */
function isSameLayoutConfig(bytes: Buffer | null): boolean {
  if (!bytes) return true; // the extension's defaults are this project's settings
  try {
    const c: unknown = JSON.parse(bytes.toString('utf8'));
    return (
      isObject(c) &&
      (['digestAlgorithm', 'tupleSize', 'numberOfTuples'] as const).every((k) => c[k] === undefined || c[k] === LAYOUT_CONFIG[k])
    );
  } catch {
    return false;
  }
}
