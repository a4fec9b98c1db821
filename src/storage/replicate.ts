/**
 * Copies of an OCFL object in another storage root (a replica): byte for byte what the primary
 * holds, every file checked against the inventory's digest as it is read from the primary and
 * read back from the replica after it is written, before the copy counts.
 *
 * The order is the commit's: content, then each version's inventory and sidecar, then the object
 * declaration, and the root inventory and its sidecar last. A copy stopped at any point has no
 * root inventory of the new head yet, so it does not count, and the next run takes it up where
 * it stopped: files already there are read and checked, not trusted, and written again only
 * when they do not match. A replica never has a version taken away or changed: an object whose
 * versions there differ from the primary's is a conflict a person must look at.
 */
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { digestStream, VerifyingStream } from '../checksum/digests.js';
import { ErrorCodes, YaddasError } from '../domain/errors.js';
import { parallel } from '../domain/parallel.js';
import type { OcflStore } from './ocfl-store.js';
import { type Inventory, OBJECT_NAMASTE, versionNumber } from './ocfl.core.js';

export interface CopyResult {
  objectId: string;
  /** 'complete': the replica already held this head; 'copied': it does now */
  status: 'complete' | 'copied';
  version: string;
  /** content files written (missing or not matching before) */
  written: number;
  /** content files found already there and checked */
  checked: number;
  bytes: number;
}

/** Content files copied at once per object. */
const FILE_CONCURRENCY = 4;

const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');
const sidecarDigest = (b: Buffer | null) => b?.toString('utf8').trim().split(/\s+/)[0];

/** The primary's root inventory as bytes, checked against its sidecar. */
async function readRoot(store: OcflStore['store'], root: string): Promise<{ bytes: Buffer; sidecar: Buffer } | null> {
  const bytes = await store.getBuffer(`${root}/inventory.json`);
  if (!bytes) return null;
  const sidecar = await store.getBuffer(`${root}/inventory.json.sha512`);
  if (!sidecar || sidecarDigest(sidecar) !== sha512(bytes)) return { bytes, sidecar: Buffer.alloc(0) };
  return { bytes, sidecar };
}

export async function copyObject(source: OcflStore, target: OcflStore, copyName: string, objectId: string): Promise<CopyResult> {
  const root = source.rootOf(objectId);
  const from = await readRoot(source.store, root);
  if (!from) throw new YaddasError(ErrorCodes.STAGED_FILE_MISSING, `There is no object ${objectId} in the primary.`, { permanent: true });
  if (from.sidecar.length === 0) {
    throw new YaddasError(
      ErrorCodes.INVENTORY_INVALID,
      `The primary's inventory of ${objectId} does not match its sidecar (a commit under way, or damage): not copied now.`,
      { permanent: false },
    );
  }
  const inv = JSON.parse(from.bytes.toString('utf8')) as Inventory;
  const done: CopyResult = { objectId, status: 'complete', version: inv.head, written: 0, checked: 0, bytes: 0 };

  const there = await readRoot(target.store, root);
  if (there?.bytes.equals(from.bytes) && there.sidecar.equals(from.sidecar) && (await smallFilesMatch(source, target, root, inv)))
    return done;
  if (there && there.sidecar.length > 0) {
    // Only a replica that is behind may be brought forward: every version it has must be the primary's.
    const theirs = JSON.parse(there.bytes.toString('utf8')) as Inventory;
    const differs = Object.entries(theirs.versions).some(([v, ver]) => JSON.stringify(inv.versions[v]) !== JSON.stringify(ver));
    if (differs || versionNumber(theirs.head) > versionNumber(inv.head)) {
      throw new YaddasError(
        ErrorCodes.OBJECT_CONFLICT,
        `The copy of ${objectId} in ${copyName} has versions the primary does not have (its head ${theirs.head}, the primary's ${inv.head}): left as it is, for a person to look at.`,
        { permanent: true },
      );
    }
  }

  done.status = 'copied';
  // Content files a few at a time (each streamed, so memory stays a few parts per file): a copy of
  // a book of large masters is bound by round trips and digests, not by one connection's speed.
  const files = Object.entries(inv.manifest).flatMap(([digest, paths]) => paths.map((p) => ({ key: `${root}/${p}`, digest })));
  for await (const r of parallel(files, FILE_CONCURRENCY, async ({ key, digest }) => {
    const existing = await target.store.get(key);
    if (existing && (await digestStream(existing, ['sha512'])).digests.sha512 === digest) return { written: false, bytes: 0 };
    return { written: true, bytes: await copyFile(source, target, key, digest, copyName) };
  })) {
    if (r.written) {
      done.written++;
      done.bytes += r.bytes;
    } else done.checked++;
  }
  for (const v of Object.keys(inv.versions).sort((a, b) => versionNumber(a) - versionNumber(b))) {
    await copyVersionInventory(source, target, `${root}/${v}`, copyName, objectId);
  }
  await copySmall(source, target, `${root}/${OBJECT_NAMASTE.name}`, copyName);
  // The commit point on the replica: the root inventory, then its sidecar.
  await putSmallChecked(target, `${root}/inventory.json`, from.bytes, copyName);
  await putSmallChecked(target, `${root}/inventory.json.sha512`, from.sidecar, copyName);
  return done;
}

/**
 * Whether the replica's version inventories, their sidecars and the declaration are the primary's
 * (a few small reads): a replica whose root inventory is whole may still have lost or damaged one
 * of them, and then it is not complete.
 */
async function smallFilesMatch(source: OcflStore, target: OcflStore, root: string, inv: Inventory): Promise<boolean> {
  const keys = [`${root}/${OBJECT_NAMASTE.name}`];
  for (const v of Object.keys(inv.versions)) keys.push(`${root}/${v}/inventory.json`, `${root}/${v}/inventory.json.sha512`);
  for (const k of keys) {
    const [a, b] = await Promise.all([source.store.getBuffer(k), target.store.getBuffer(k)]);
    if (!a || !b?.equals(a)) return false;
  }
  return true;
}

/** A content file, streamed from the primary (checked against its digest) and read back from the replica. */
async function copyFile(source: OcflStore, target: OcflStore, key: string, digest: string, copyName: string): Promise<number> {
  const body = await source.store.get(key);
  if (!body) throw new YaddasError(ErrorCodes.STORAGE_UNAVAILABLE, `${key} could not be read from the primary.`, { permanent: false });
  const checked = new VerifyingStream(
    'sha512',
    digest,
    (actual) =>
      new YaddasError(
        ErrorCodes.MASTER_DAMAGED,
        `${key} in the primary does not match its inventory (SHA-512 ${actual.slice(0, 16)}…): not copied, so that no copy holds damaged bytes.`,
        { permanent: true, file: key },
      ),
  );
  pipeline(body, checked).catch(() => {});
  await target.store.put(key, checked);
  const back = await target.store.get(key);
  const read = back ? await digestStream(back, ['sha512']) : null;
  if (read?.digests.sha512 !== digest) {
    throw new YaddasError(
      ErrorCodes.STORED_COPY_MISMATCH,
      `${key} was written to ${copyName} but does not read back as written${read ? ` (${read.bytes} bytes)` : ' (missing)'}.`,
      { permanent: false },
    );
  }
  return read.bytes;
}

/**
 * A version's inventory and sidecar: the primary's pair must agree (else nothing is copied now);
 * the replica's pair is written when missing or damaged (its inventory and sidecar disagree), and
 * never over a whole pair that differs: that is another history of the object, for a person.
 */
async function copyVersionInventory(source: OcflStore, target: OcflStore, dir: string, copyName: string, objectId: string): Promise<void> {
  const from = await readRoot(source.store, dir);
  if (!from || from.sidecar.length === 0) {
    throw new YaddasError(
      ErrorCodes.INVENTORY_INVALID,
      `${dir}/inventory.json in the primary is missing or does not match its sidecar: not copied (yaddas audit ${objectId}).`,
      { permanent: true },
    );
  }
  const there = await readRoot(target.store, dir);
  if (there?.bytes.equals(from.bytes) && there.sidecar.equals(from.sidecar)) return;
  if (there && there.sidecar.length > 0 && !there.bytes.equals(from.bytes)) {
    throw new YaddasError(
      ErrorCodes.OBJECT_CONFLICT,
      `${dir}/inventory.json in ${copyName} is a whole, different inventory from the primary's: left as it is, for a person to look at.`,
      { permanent: true },
    );
  }
  await putSmallChecked(target, `${dir}/inventory.json`, from.bytes, copyName);
  await putSmallChecked(target, `${dir}/inventory.json.sha512`, from.sidecar, copyName);
}

/** A small file of the object (the declaration), copied byte for byte. */
async function copySmall(source: OcflStore, target: OcflStore, key: string, copyName: string): Promise<void> {
  const bytes = await source.store.getBuffer(key);
  if (!bytes) throw new YaddasError(ErrorCodes.INVENTORY_INVALID, `${key} is missing from the primary.`, { permanent: true });
  const there = await target.store.getBuffer(key);
  if (there?.equals(bytes)) return;
  await putSmallChecked(target, key, bytes, copyName);
}

async function putSmallChecked(target: OcflStore, key: string, bytes: Buffer, copyName: string): Promise<void> {
  await target.store.put(key, bytes, { contentType: key.endsWith('.json') ? 'application/json' : 'text/plain' });
  const back = await target.store.getBuffer(key);
  if (!back?.equals(bytes))
    throw new YaddasError(ErrorCodes.STORED_COPY_MISMATCH, `${key} was written to ${copyName} but does not read back as written.`, {
      permanent: false,
    });
}
