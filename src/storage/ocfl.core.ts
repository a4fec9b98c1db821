/**
 * OCFL 1.1 as pure values: where an object lives in the storage root, what its inventory says,
 * and how the next version's inventory is built from the last one. No I/O here.
 */
import { createHash } from 'node:crypto';
import type { Digests } from '../checksum/digests.js';

export const INVENTORY_TYPE = 'https://ocfl.io/1.1/spec/#inventory';
export const ROOT_NAMASTE = { name: '0=ocfl_1.1', body: 'ocfl_1.1\n' } as const;
export const OBJECT_NAMASTE = { name: '0=ocfl_object_1.1', body: 'ocfl_object_1.1\n' } as const;

/** Storage layout: OCFL community extension 0003, hashed n-tuple trees with the id encapsulated. */
export const LAYOUT_EXTENSION = '0003-hash-and-id-n-tuple-storage-layout';
export const LAYOUT_CONFIG = {
  extensionName: LAYOUT_EXTENSION,
  digestAlgorithm: 'sha256',
  tupleSize: 3,
  numberOfTuples: 3,
} as const;
export const OCFL_LAYOUT_JSON = {
  extension: LAYOUT_EXTENSION,
  description: 'Hashed Truncated N-tuple Trees with Object ID Encapsulating Directory for OCFL Storage Hierarchies',
} as const;

/** The files that make a bucket an OCFL storage root (written once, idempotently). */
export function storageRootFiles(): Array<{ key: string; body: string }> {
  return [
    { key: ROOT_NAMASTE.name, body: ROOT_NAMASTE.body },
    { key: 'ocfl_layout.json', body: `${JSON.stringify(OCFL_LAYOUT_JSON, null, 2)}\n` },
    { key: `extensions/${LAYOUT_EXTENSION}/config.json`, body: `${JSON.stringify(LAYOUT_CONFIG, null, 2)}\n` },
  ];
}

/** 0003: percent-encode every byte of the UTF-8 id except A-Z a-z 0-9 - _, with lowercase hex. */
function encapsulate(id: string, digest: string): string {
  const encoded = [...Buffer.from(id, 'utf8')]
    .map((b) => (/[A-Za-z0-9_-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`))
    .join('');
  return encoded.length <= 100 ? encoded : `${encoded.slice(0, 100)}-${digest}`;
}

/** The object root of an object id, relative to the storage root (no trailing slash). */
export function objectRootPath(objectId: string): string {
  const digest = createHash('sha256').update(objectId, 'utf8').digest('hex');
  const tuples: string[] = [];
  for (let i = 0; i < LAYOUT_CONFIG.numberOfTuples; i++) tuples.push(digest.slice(i * 3, i * 3 + 3));
  return [...tuples, encapsulate(objectId, digest)].join('/');
}

export interface OcflUser {
  name: string;
  address?: string;
}

export interface OcflVersion {
  created: string;
  state: Record<string, string[]>;
  message?: string;
  user?: OcflUser;
}

export interface Inventory {
  id: string;
  type: typeof INVENTORY_TYPE;
  digestAlgorithm: 'sha512';
  head: string;
  contentDirectory?: string;
  manifest: Record<string, string[]>;
  versions: Record<string, OcflVersion>;
  fixity?: Record<string, Record<string, string[]>>;
}

export const versionName = (n: number): string => `v${n}`;
export const versionNumber = (v: string): number => Number(v.slice(1));

/** A file of the new version: where it logically is, its digests, and where its bytes were put. */
export interface VersionFile {
  logicalPath: string;
  /** all three for new content; SHA-512 alone for content the object already holds */
  digests: Digests | { sha512: string; sha256?: undefined; md5?: undefined };
  /** content path (relative to the object root) that the new version uploaded, if any */
  uploadedContentPath?: string;
}

export interface NextVersion {
  inventory: Inventory;
  /** uploaded content paths the new inventory references */
  keep: string[];
  /** uploaded content paths that duplicate content already stored: delete them */
  redundant: string[];
  /** true when the new state equals the head state: no version needed */
  unchanged: boolean;
}

/** The content path OCFL recommends: the logical path under the version's content directory. */
export const contentPathFor = (version: string, logicalPath: string): string => `${version}/content/${logicalPath}`;

function statesEqual(a: Record<string, string[]>, b: Record<string, string[]>): boolean {
  const flat = (s: Record<string, string[]>) =>
    Object.entries(s)
      .flatMap(([d, paths]) => paths.map((p) => `${p}\u0000${d}`))
      .sort()
      .join('\n');
  return flat(a) === flat(b);
}

/**
 * Builds the inventory of the next version (v1 when `prev` is null). Content already in the
 * object, or uploaded twice within this version, is referenced once and not stored again
 * (OCFL forward-delta). `compared` says which logical paths make a version different from the
 * head (default: all); the others (the item record, OCR a later step added) never do by themselves.
 */
export function nextInventory(
  prev: Inventory | null,
  input: {
    id: string;
    files: VersionFile[];
    created: string;
    message: string;
    user: OcflUser;
    compared?: (logicalPath: string) => boolean;
  },
): NextVersion {
  const n = prev ? versionNumber(prev.head) + 1 : 1;
  const version = versionName(n);
  const manifest: Record<string, string[]> = structuredClone(prev?.manifest ?? {});
  const fixity: Record<string, Record<string, string[]>> = structuredClone(prev?.fixity ?? {});
  fixity.sha256 ??= {};
  fixity.md5 ??= {};
  const state: Record<string, string[]> = {};
  const keep: string[] = [];
  const redundant: string[] = [];

  for (const f of input.files) {
    const d = f.digests.sha512;
    state[d] = [...(state[d] ?? []), f.logicalPath];
    if (manifest[d]) {
      if (f.uploadedContentPath) redundant.push(f.uploadedContentPath);
      continue;
    }
    if (!f.digests.sha256 || !f.digests.md5) throw new Error(`new content ${f.logicalPath} needs all three digests`);
    const cp = f.uploadedContentPath ?? contentPathFor(version, f.logicalPath);
    manifest[d] = [cp];
    fixity.sha256[f.digests.sha256] = [...(fixity.sha256[f.digests.sha256] ?? []), cp];
    fixity.md5[f.digests.md5] = [...(fixity.md5[f.digests.md5] ?? []), cp];
    if (f.uploadedContentPath) keep.push(cp);
  }
  for (const paths of Object.values(state)) paths.sort();

  const compared = input.compared ?? (() => true);
  const relevant = (s: Record<string, string[]>) =>
    Object.fromEntries(
      Object.entries(s)
        .map(([d, ps]) => [d, ps.filter(compared)] as const)
        .filter(([, ps]) => ps.length > 0),
    );
  const unchanged = prev !== null && statesEqual(relevant(prev.versions[prev.head]!.state), relevant(state));

  const versionEntry: OcflVersion = { created: input.created, message: input.message, user: input.user, state };
  const inventory: Inventory = {
    id: input.id,
    type: INVENTORY_TYPE,
    digestAlgorithm: 'sha512',
    head: version,
    manifest,
    versions: { ...(prev?.versions ?? {}), [version]: versionEntry },
    fixity,
  };
  return { inventory, keep, redundant, unchanged };
}

/**
 * A fixity block as content path → digest ("sha256", "md5"): built once per inventory, so that
 * looking up every file of a large object is not a scan of the block per file.
 */
export function fixityIndex(inv: Inventory, algorithm: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [digest, paths] of Object.entries(inv.fixity?.[algorithm] ?? {})) for (const p of paths) out.set(p, digest);
  return out;
}

/** One content path's digest in a fixity block (for a single lookup; many go through fixityIndex). */
export function fixityOf(inv: Inventory, algorithm: string, contentPath: string): string | undefined {
  return Object.entries(inv.fixity?.[algorithm] ?? {}).find(([, paths]) => paths.includes(contentPath))?.[0];
}

/** Inventory bytes and sidecar, serialized once so the digest matches what is written. */
export function serializeInventory(inv: Inventory): { json: Buffer; sidecar: Buffer; digest: string } {
  const json = Buffer.from(`${JSON.stringify(inv, null, 2)}\n`, 'utf8');
  const digest = createHash('sha512').update(json).digest('hex');
  return { json, digest, sidecar: Buffer.from(`${digest}  inventory.json\n`, 'utf8') };
}

/**
 * The digest a stored master is read back and compared with: computed from the original in the
 * same pass as SHA-512 and MD5, it proves the stored copy identical as well as SHA-512 would, at
 * twice the speed on CPUs with SHA extensions (most of the read-back's cost for large masters).
 * `yaddas verify` checks every digest the inventory records. The preserved record says this.
 */
export const READ_BACK_DIGEST = { algorithm: 'sha256', name: 'SHA-256' } as const;

/** The logical paths of an item's files inside its OCFL object. */
export const LogicalPaths = {
  master: (name: string) => `masters/${name}`,
  metadata: 'metadata.json',
  itemRecord: 'item.json',
  /** what arrived with the masters, as received: checksum manifests, a bag's tag files and other payload */
  submission: (path: string) => `submission/${path}`,
  /** the METS document describing the whole object as of its version */
  mets: 'mets.xml',
  /** OCR outputs, costly to make again: per view ({nnnn}) and the item's full text */
  ocrDir: 'ocr/',
  ocrText: (key: string) => `ocr/${key}.txt`,
  ocrAlto: (key: string) => `ocr/${key}.alto.xml`,
  ocrHocr: (key: string) => `ocr/${key}.hocr`,
  ocrFullText: 'ocr/text.txt',
} as const;
