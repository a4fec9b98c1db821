/**
 * An OCFL 1.1 validator that reads objects where they are, through the ObjectStore port: the
 * structure of the storage root and of each object, its inventories and sidecars, the manifest
 * against the files present, and (optionally) every file against every digest recorded for it.
 * Codes are the spec's validation codes (E…/W…) where one fits.
 */
import { createHash } from 'node:crypto';
import { digestStream, type DigestAlgorithm } from '../checksum/digests.js';
import type { ObjectStore } from './object-store.js';
import { INVENTORY_TYPE, OBJECT_NAMASTE, ROOT_NAMASTE, type Inventory } from './ocfl.core.js';

export interface ValidationIssue {
  code: string;
  message: string;
  path?: string;
}

export interface ObjectReport {
  objectRoot: string;
  inventory: Inventory | null;
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
  checkedFiles: number;
}

type Reader = Pick<ObjectStore, 'list' | 'get' | 'getBuffer'>;

const DIGEST_LENGTH: Record<string, number> = { sha512: 128, sha256: 64, sha1: 40, md5: 32, 'blake2b-512': 128 };
const INVENTORY_KEYS = new Set(['id', 'type', 'digestAlgorithm', 'head', 'contentDirectory', 'manifest', 'versions', 'fixity']);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A path of '/'-separated segments, none empty, '.' or '..', no leading or trailing '/'. */
function badPath(p: string): boolean {
  return p === '' || p.startsWith('/') || p.endsWith('/') || p.split('/').some((s) => s === '' || s === '.' || s === '..');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks an inventory's structure (not the files): required keys, version sequence, digests,
 * paths, and that every state digest is in the manifest.
 */
export function validateInventory(inv: unknown, opts: { where?: string } = {}): { errors: ValidationIssue[]; warnings: ValidationIssue[] } {
  const errors: ValidationIssue[] = [];
  const warnings: ValidationIssue[] = [];
  const where = opts.where ?? 'inventory.json';
  const err = (code: string, message: string) => errors.push({ code, message, path: where });
  if (!isObject(inv)) {
    err('E033', 'the inventory is not a JSON object');
    return { errors, warnings };
  }
  for (const k of Object.keys(inv)) if (!INVENTORY_KEYS.has(k)) err('E102', `the inventory has a key the specification does not define: "${k}"`);
  if (typeof inv.id !== 'string' || inv.id === '') err('E036', 'the inventory has no "id"');
  if (inv.type !== INVENTORY_TYPE) err('E038', `"type" must be ${INVENTORY_TYPE}, not ${JSON.stringify(inv.type)}`);
  const alg = inv.digestAlgorithm;
  if (alg !== 'sha512' && alg !== 'sha256') err('E025', `"digestAlgorithm" must be sha512 or sha256, not ${JSON.stringify(alg)}`);
  const len = DIGEST_LENGTH[String(alg)] ?? 128;
  if (inv.contentDirectory !== undefined && (typeof inv.contentDirectory !== 'string' || inv.contentDirectory.includes('/') || ['', '.', '..'].includes(inv.contentDirectory))) {
    err('E017', '"contentDirectory" must be a single path segment');
  }
  const contentDir = typeof inv.contentDirectory === 'string' ? inv.contentDirectory : 'content';

  // versions: v1..vN, contiguous, padded alike, head = the last
  const versions = isObject(inv.versions) ? inv.versions : null;
  if (!versions || Object.keys(versions).length === 0) {
    err('E041', 'the inventory has no "versions"');
    return { errors, warnings };
  }
  const names = Object.keys(versions);
  const nums = names.map((n) => (/^v\d+$/.test(n) ? Number(n.slice(1)) : NaN));
  if (nums.some(Number.isNaN)) err('E104', `version names must be v1, v2, …: ${names.join(', ')}`);
  const padded = new Set(names.map((n) => (/^v0\d/.test(n) ? n.length : 0)));
  if (padded.size > 1 || (padded.has(0) && names.some((n) => /^v0/.test(n)))) err('E012', 'version names are not all zero-padded the same way');
  const sorted = [...nums].sort((a, b) => a - b);
  sorted.forEach((n, i) => {
    if (n !== i + 1) err('E010', `versions must run from v1 without gaps; found ${names.join(', ')}`);
  });
  const last = names[nums.indexOf(Math.max(...nums))];
  if (inv.head !== last) err('E040', `"head" is ${JSON.stringify(inv.head)} but the last version is ${last}`);

  // manifest
  const manifest = isObject(inv.manifest) ? inv.manifest : null;
  if (!manifest) {
    err('E041', 'the inventory has no "manifest"');
    return { errors, warnings };
  }
  const seenContent = new Set<string>();
  const lowerDigests = new Set<string>();
  for (const [d, paths] of Object.entries(manifest)) {
    if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(d)) err('E096', `manifest digest is not a ${String(alg)} digest: ${d.slice(0, 20)}…`);
    if (lowerDigests.has(d.toLowerCase())) err('E096', `manifest digest appears twice: ${d.slice(0, 20)}…`);
    lowerDigests.add(d.toLowerCase());
    if (!Array.isArray(paths) || paths.length === 0) {
      err('E092', `manifest entry ${d.slice(0, 16)}… has no content paths`);
      continue;
    }
    for (const p of paths) {
      if (typeof p !== 'string' || badPath(p)) {
        err('E099', `invalid content path ${JSON.stringify(p)}`);
        continue;
      }
      const segs = p.split('/');
      if (!/^v\d+$/.test(segs[0]!) || segs[1] !== contentDir || segs.length < 3) err('E042', `content path must be <version>/${contentDir}/…: ${p}`);
      else if (!versions[segs[0]!]) err('E042', `content path names a version that does not exist: ${p}`);
      if (seenContent.has(p)) err('E101', `content path listed twice: ${p}`);
      seenContent.add(p);
    }
  }
  const contentPrefixes = new Set([...seenContent].flatMap((p) => p.split('/').slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join('/'))));
  for (const p of seenContent) if (contentPrefixes.has(p)) err('E101', `content path is both a file and a directory: ${p}`);

  // each version
  for (const [name, v] of Object.entries(versions)) {
    if (!isObject(v)) {
      err('E047', `version ${name} is not an object`);
      continue;
    }
    if (typeof v.created !== 'string' || !RFC3339.test(v.created)) err('E049', `version ${name} has no RFC 3339 "created" time with a time zone`);
    if (v.message !== undefined && typeof v.message !== 'string') err('E094', `version ${name} "message" must be text`);
    if (v.message === undefined) warnings.push({ code: 'W007', message: `version ${name} has no message`, path: where });
    if (v.user !== undefined) {
      if (!isObject(v.user) || typeof v.user.name !== 'string') err('E054', `version ${name} "user" must have a "name"`);
      else if (v.user.address === undefined) warnings.push({ code: 'W008', message: `version ${name} user has no address`, path: where });
    } else warnings.push({ code: 'W007', message: `version ${name} has no user`, path: where });
    if (!isObject(v.state)) {
      err('E048', `version ${name} has no "state"`);
      continue;
    }
    const logical = new Set<string>();
    for (const [d, paths] of Object.entries(v.state)) {
      if (!(d in manifest)) err('E050', `version ${name} refers to digest ${d.slice(0, 16)}… that is not in the manifest`);
      if (!Array.isArray(paths)) {
        err('E051', `version ${name} state entry is not a list`);
        continue;
      }
      for (const p of paths) {
        if (typeof p !== 'string' || badPath(p)) err('E053', `version ${name} has an invalid logical path ${JSON.stringify(p)}`);
        else if (logical.has(p)) err('E095', `version ${name} lists logical path ${p} twice`);
        else logical.add(p);
      }
    }
    const dirs = new Set([...logical].flatMap((p) => p.split('/').slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join('/'))));
    for (const p of logical) if (dirs.has(p)) err('E095', `version ${name}: ${p} is both a file and a directory`);
  }

  // fixity
  if (inv.fixity !== undefined) {
    if (!isObject(inv.fixity)) err('E111', '"fixity" must be an object');
    else {
      for (const [a, block] of Object.entries(inv.fixity)) {
        if (!isObject(block)) {
          err('E057', `fixity block ${a} is not an object`);
          continue;
        }
        for (const [d, paths] of Object.entries(block)) {
          if (DIGEST_LENGTH[a] && !new RegExp(`^[0-9a-fA-F]{${DIGEST_LENGTH[a]}}$`).test(d)) err('E057', `fixity ${a} digest is malformed: ${d.slice(0, 20)}…`);
          for (const p of Array.isArray(paths) ? paths : []) if (!seenContent.has(p as string)) err('E057', `fixity ${a} names a content path that is not in the manifest: ${String(p)}`);
        }
      }
    }
  }
  return { errors, warnings };
}

async function readInventoryAt(store: Reader, dir: string, where: string, errors: ValidationIssue[]): Promise<{ inv: unknown; bytes: Buffer } | null> {
  const bytes = await store.getBuffer(`${dir}/inventory.json`);
  if (!bytes) return null;
  const sidecar = await store.getBuffer(`${dir}/inventory.json.sha512`);
  const digest = createHash('sha512').update(bytes).digest('hex');
  if (!sidecar) errors.push({ code: 'E058', message: 'the inventory has no sidecar inventory.json.sha512', path: where });
  else {
    const m = /^([0-9a-fA-F]+)[ \t]+inventory\.json\s*$/.exec(sidecar.toString('utf8'));
    if (!m) errors.push({ code: 'E061', message: 'the sidecar is not "<digest> inventory.json"', path: `${where}.sha512` });
    else if (m[1]!.toLowerCase() !== digest) errors.push({ code: 'E060', message: 'the inventory does not match the digest in its sidecar', path: where });
  }
  try {
    return { inv: JSON.parse(bytes.toString('utf8')), bytes };
  } catch {
    errors.push({ code: 'E033', message: 'the inventory is not valid JSON', path: where });
    return { inv: null, bytes };
  }
}

/** Validates the OCFL object whose root is `objectRoot` (relative to the storage root). */
export async function validateObject(store: Reader, objectRoot: string, opts: { checkDigests?: boolean } = {}): Promise<ObjectReport> {
  const errors: ValidationIssue[] = [];
  const warnings: ValidationIssue[] = [];
  const report: ObjectReport = { objectRoot, inventory: null, errors, warnings, checkedFiles: 0 };
  const files = new Map<string, number>();
  for await (const o of store.list(`${objectRoot}/`)) files.set(o.key.slice(objectRoot.length + 1), o.size);
  if (files.size === 0) return report; // no object here

  const namaste = await store.getBuffer(`${objectRoot}/${OBJECT_NAMASTE.name}`);
  if (!namaste) errors.push({ code: 'E003', message: `the object declaration ${OBJECT_NAMASTE.name} is missing`, path: objectRoot });
  else if (namaste.toString('utf8') !== OBJECT_NAMASTE.body) errors.push({ code: 'E007', message: `${OBJECT_NAMASTE.name} does not contain "${OBJECT_NAMASTE.body.trim()}"`, path: objectRoot });

  const root = await readInventoryAt(store, objectRoot, 'inventory.json', errors);
  if (!root) {
    errors.push({ code: 'E034', message: 'the object has no inventory.json', path: objectRoot });
    return report;
  }
  const structural = validateInventory(root.inv);
  errors.push(...structural.errors);
  warnings.push(...structural.warnings);
  if (structural.errors.length > 0 || root.inv === null) return report;
  const inv = root.inv as Inventory;
  report.inventory = inv;
  const contentDir = inv.contentDirectory ?? 'content';
  const versionNames = new Set(Object.keys(inv.versions));

  // Only these may sit at the object root.
  for (const key of files.keys()) {
    const top = key.split('/')[0]!;
    if (['0=ocfl_object_1.1', 'inventory.json', 'inventory.json.sha512'].includes(key)) continue;
    if (top === 'extensions' && key.includes('/')) continue;
    if (versionNames.has(top) && key.includes('/')) continue;
    errors.push({ code: key.includes('/') ? 'E046' : 'E001', message: `unexpected ${key.includes('/') ? 'directory' : 'file'} in the object root: ${key}`, path: key });
  }

  // Each version's own inventory (SHOULD exist; the head's must equal the root's).
  for (const v of versionNames) {
    const where = `${v}/inventory.json`;
    const vi = await readInventoryAt(store, `${objectRoot}/${v}`, where, errors);
    if (!vi) {
      warnings.push({ code: 'W010', message: `version ${v} has no inventory of its own`, path: where });
      continue;
    }
    if (vi.inv !== null) {
      const s = validateInventory(vi.inv, { where });
      errors.push(...s.errors);
      if ((vi.inv as Inventory).head !== v) errors.push({ code: 'E040', message: `${where} has head ${(vi.inv as Inventory).head}, not ${v}`, path: where });
    }
    if (v === inv.head && !vi.bytes.equals(root.bytes)) errors.push({ code: 'E064', message: `the root inventory differs from ${where}`, path: where });
  }

  // Files present vs the manifest.
  const manifestPaths = new Map<string, string>();
  for (const [d, paths] of Object.entries(inv.manifest)) for (const p of paths) manifestPaths.set(p, d);
  for (const key of files.keys()) {
    const [v, dir] = key.split('/');
    if (versionNames.has(v!) && dir === contentDir && !manifestPaths.has(key)) errors.push({ code: 'E023', message: `a content file is not in the manifest: ${key}`, path: key });
  }
  for (const p of manifestPaths.keys()) if (!files.has(p)) errors.push({ code: 'E092', message: `a file the manifest lists is missing: ${p}`, path: p });

  if (opts.checkDigests) {
    // Every digest recorded for a content path: the manifest's and each fixity block's.
    const expected = new Map<string, Partial<Record<DigestAlgorithm, string>>>();
    for (const [p, d] of manifestPaths) expected.set(p, { [inv.digestAlgorithm]: d.toLowerCase() });
    for (const [alg, block] of Object.entries(inv.fixity ?? {})) {
      if (!['sha512', 'sha256', 'md5'].includes(alg)) {
        warnings.push({ code: 'W000', message: `fixity algorithm ${alg} is not checked`, path: 'inventory.json' });
        continue;
      }
      for (const [d, paths] of Object.entries(block)) for (const p of paths) (expected.get(p) ?? {})[alg as DigestAlgorithm] = d.toLowerCase();
    }
    for (const [p, want] of expected) {
      if (!files.has(p)) continue;
      const body = await store.get(`${objectRoot}/${p}`);
      if (!body) continue;
      const algs = Object.keys(want) as DigestAlgorithm[];
      const got = await digestStream(body, algs);
      report.checkedFiles++;
      for (const a of algs) {
        if (got.digests[a] !== want[a]) {
          errors.push({ code: a === inv.digestAlgorithm ? 'E092' : 'E093', message: `${p}: its ${a} is ${got.digests[a]?.slice(0, 16)}…, the inventory records ${want[a]?.slice(0, 16)}…`, path: p });
        }
      }
    }
  }
  return report;
}

/**
 * Validates a storage root: its declaration and layout, that every stored key belongs to the
 * root's own files or to an object (no partial objects in between), and each object.
 */
export async function validateStorageRoot(store: Reader, opts: { checkDigests?: boolean } = {}): Promise<{ errors: ValidationIssue[]; warnings: ValidationIssue[]; objects: ObjectReport[] }> {
  const errors: ValidationIssue[] = [];
  const warnings: ValidationIssue[] = [];
  const namaste = await store.getBuffer(ROOT_NAMASTE.name);
  if (!namaste) errors.push({ code: 'E069', message: `the storage root declaration ${ROOT_NAMASTE.name} is missing` });
  else if (namaste.toString('utf8') !== ROOT_NAMASTE.body) errors.push({ code: 'E080', message: `${ROOT_NAMASTE.name} does not contain "${ROOT_NAMASTE.body.trim()}"` });
  const layout = await store.getBuffer('ocfl_layout.json');
  if (layout) {
    try {
      const l = JSON.parse(layout.toString('utf8')) as Record<string, unknown>;
      if (typeof l.extension !== 'string' || typeof l.description !== 'string') errors.push({ code: 'E070', message: 'ocfl_layout.json must have "extension" and "description"' });
    } catch {
      errors.push({ code: 'E070', message: 'ocfl_layout.json is not valid JSON' });
    }
  }

  const keys: string[] = [];
  for await (const o of store.list('')) keys.push(o.key);
  const roots = keys.filter((k) => k.endsWith(`/${OBJECT_NAMASTE.name}`)).map((k) => k.slice(0, -OBJECT_NAMASTE.name.length - 1));
  const rootSet = new Set(roots);
  for (const r of roots) {
    const parts = r.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (rootSet.has(parts.slice(0, i).join('/'))) errors.push({ code: 'E084', message: `an object is nested inside another: ${r}`, path: r });
    }
  }
  for (const k of keys) {
    if (!k.includes('/')) continue; // files at the storage root are allowed
    if (k.startsWith('extensions/')) continue;
    const parts = k.split('/');
    let owned = false;
    for (let i = 1; i < parts.length && !owned; i++) owned = rootSet.has(parts.slice(0, i).join('/'));
    if (!owned) errors.push({ code: 'E072', message: `a file outside any object (an incomplete object?): ${k}`, path: k });
  }
  const objects: ObjectReport[] = [];
  for (const r of roots) objects.push(await validateObject(store, r, opts));
  for (const o of objects) for (const e of o.errors) errors.push({ ...e, path: `${o.objectRoot}/${e.path ?? ''}` });
  return { errors, warnings, objects };
}
