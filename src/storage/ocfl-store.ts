/**
 * The OCFL store: the only way to the preservation bucket's objects. It knows where an object
 * lives, reads inventories (checked against their sidecars), head records and content by digest,
 * lists objects, and writes versions so that a version becomes visible only once complete and
 * every file written is read back first. One writer per object at a time: the object lock.
 *
 * Two ways to write a version:
 * - an ingest spreads it over jobs: prepare holds the object (`holdObject`), store uploads each
 *   master (`putContent`), commit writes the inventories (`commit`), release lets go and, when the
 *   ingest failed, removes what it uploaded (`rollback`, `releaseObject`);
 * - anything else that adds a version in one go (OCR kept by the text step) calls `writeVersion`,
 *   which does all of that around a function that decides the version's files.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestingStream, type Digests, digestBuffer, digestStream, VerifyingStream } from '../checksum/digests.js';
import { ErrorCodes, RetryLater, YaddasError } from '../domain/errors.js';
import type { Logger } from '../log.js';
import { LockNames, type Locks } from './locks.js';
import type { ObjectStore } from './object-store.js';
import {
  contentPathFor,
  fixityOf,
  type Inventory,
  LogicalPaths,
  type NextVersion,
  OBJECT_NAMASTE,
  objectRootPath,
  READ_BACK_DIGEST,
  ROOT_NAMASTE,
  serializeInventory,
  storageRootFiles,
  versionName,
  versionNumber,
} from './ocfl.core.js';
import { type ObjectReport, validateObject } from './ocfl-validate.js';

/**
 * How long an object lock lasts without being renewed. An ingest holds its item's object from
 * prepare to release, across jobs and processes, so the lock cannot be kept alive by a timer; the
 * release step always lets it go, and a holder whose ingest has ended is taken over. The time
 * limit is the last resort for a lock nobody will release (its Redis key would otherwise stay for
 * ever): long enough that no ingest still running can lose it.
 */
const OBJECT_LOCK_TTL_MS = 30 * 24 * 3600_000;

/** How long a job waits before it looks at a busy object again. */
export const BUSY_RETRY_MS = 3_000;

/** A content file of an object, found by its SHA-512. */
export interface StoredContent {
  /** the object's head version when it was found */
  head: string;
  /** whether the head version still has this content (a re-scan may have replaced it) */
  inHead: boolean;
  /** its content path, relative to the object root */
  contentPath: string;
  /**
   * Its bytes as a stream, checked as they pass against the inventory's SHA-512 or, asked for
   * `sha256` (a large file read once, e.g. an export), the SHA-256 the inventory's fixity records
   * for it: computed from the same original at ingest, it proves the bytes as well, and takes a third less time.
   */
  open(opts?: { digest?: 'sha512' | 'sha256' }): Promise<Readable & { readonly bytes: number }>;
  /** its bytes */
  read(): Promise<Buffer>;
}

/** What a `writeVersion` builder sees: the head, the new version's name, and ways to fill it. */
export interface VersionDraft {
  head: Inventory;
  /** the version being written, e.g. "v3" */
  version: string;
  /** Uploads a file of the new version to its content path and reads it back; its digests. */
  upload(logicalPath: string, body: Buffer, contentType: string): Promise<{ logicalPath: string; digests: Digests; contentPath: string }>;
  /** The bytes of a logical path in the head version, or null. */
  readLogical(logicalPath: string): Promise<Buffer | null>;
}

/** What a `writeVersion` builder decides. */
export type VersionDecision =
  /** write this version: its inventory, and small files the commit puts first (the item record) */
  | { commit: NextVersion; extra: Array<{ contentPath: string; body: Buffer; contentType: string }> }
  /** nothing to write, and why */
  | { skip: string }
  /** an earlier attempt of the same work already wrote the head version */
  | { written: string };

export type WriteResult = { version: string; written: 'now' | 'earlier' } | { version: null; skipped: string };

/**
 * Told of every version once it is committed (and again when a retry finds it committed, so that a
 * crash between the two never loses the news): the composition root queues its copies to the
 * replicas and its first audit. An error fails the write's job, whose retry tells it again.
 */
export interface VersionListener {
  versionWritten(objectId: string, version: string): Promise<void>;
}

export class OcflStore {
  constructor(
    /** the bucket underneath; only the store itself and tests that check it from outside read it */
    readonly store: ObjectStore,
    private readonly locks: Locks,
    private readonly listener?: VersionListener,
  ) {}

  /** Tells the listener that `version` of the object is committed (idempotent on its side). */
  async versionWritten(objectId: string, version: string): Promise<void> {
    await this.listener?.versionWritten(objectId, version);
  }

  get bucket(): string {
    return this.store.bucket;
  }

  rootOf(objectId: string): string {
    return objectRootPath(objectId);
  }

  /** Checks that the bucket exists, creating it when `create` says so. */
  ensureBucket(create: boolean): Promise<'exists' | 'created'> {
    return this.store.ensureBucket(create);
  }

  /** The bucket answers (for readiness checks). */
  ping(): Promise<void> {
    return this.store.ping();
  }

  /** Makes the bucket an OCFL storage root, if it is not one already. Idempotent. */
  async ensureStorageRoot(): Promise<'exists' | 'created'> {
    const namaste = await this.store.getBuffer(ROOT_NAMASTE.name);
    if (namaste) {
      if (namaste.toString('utf8') !== ROOT_NAMASTE.body) {
        throw new YaddasError(
          ErrorCodes.INVENTORY_INVALID,
          `s3://${this.store.bucket} holds a storage root of another OCFL version (${namaste.toString('utf8').trim()}).`,
          { permanent: true },
        );
      }
      return 'exists';
    }
    for (const f of storageRootFiles())
      await this.store.put(f.key, Buffer.from(f.body, 'utf8'), { contentType: 'text/plain; charset=utf-8' });
    return 'created';
  }

  // ---- reading ---------------------------------------------------------------------------------

  /** The object's current inventory, checked against its sidecar; null when there is no object. */
  async readInventory(objectId: string): Promise<Inventory | null> {
    return (await this.readInventoryFile(objectId))?.inventory ?? null;
  }

  /** The root inventory, parsed, with the very bytes that were checked against its sidecar. */
  async readInventoryFile(objectId: string): Promise<{ inventory: Inventory; bytes: Buffer; sidecar: Buffer } | null> {
    const root = this.rootOf(objectId);
    const bytes = await this.store.getBuffer(`${root}/inventory.json`);
    if (!bytes) return null;
    const sidecar = await this.store.getBuffer(`${root}/inventory.json.sha512`);
    const digest = createHash('sha512').update(bytes).digest('hex');
    const expected = sidecar?.toString('utf8').trim().split(/\s+/)[0];
    if (!sidecar || expected !== digest) {
      // A commit writes inventory.json and then its sidecar; a reader between the two sees them
      // disagree for a moment. Retrying is the right answer in both that case and a real fault.
      throw new YaddasError(ErrorCodes.INVENTORY_INVALID, `The inventory of ${objectId} does not match its sidecar digest.`, {
        permanent: false,
      });
    }
    const inv = JSON.parse(bytes.toString('utf8')) as Inventory;
    if (inv.id !== objectId) {
      throw new YaddasError(ErrorCodes.OBJECT_CONFLICT, `The object at ${root} has id "${inv.id}", not "${objectId}".`, {
        permanent: true,
      });
    }
    return { inventory: inv, bytes, sidecar };
  }

  /** A version's own inventory and sidecar (vN/inventory.json), checked against each other. */
  async readVersionInventoryFile(objectId: string, version: string): Promise<{ bytes: Buffer; sidecar: Buffer }> {
    const root = this.rootOf(objectId);
    const bytes = await this.store.getBuffer(`${root}/${version}/inventory.json`);
    const sidecar = await this.store.getBuffer(`${root}/${version}/inventory.json.sha512`);
    const expected = sidecar?.toString('utf8').trim().split(/\s+/)[0];
    if (!bytes || !sidecar || createHash('sha512').update(bytes).digest('hex') !== expected) {
      throw new YaddasError(
        ErrorCodes.INVENTORY_INVALID,
        `The inventory of ${objectId} ${version} is missing or does not match its sidecar digest.`,
        { permanent: false },
      );
    }
    return { bytes, sidecar };
  }

  /**
   * The head version's inventory and item record (item.json, parsed); null when there is no
   * object. An object without an item record in its head is not one Yaddaş wrote: an error.
   */
  async readHead<R>(objectId: string): Promise<{ inventory: Inventory; record: R } | null> {
    const inventory = await this.readInventory(objectId);
    if (!inventory) return null;
    return { inventory, record: await this.headRecord<R>(inventory) };
  }

  /** The item record of an inventory's head version, parsed (an inventory already read). */
  async headRecord<R>(inventory: Inventory): Promise<R> {
    const bytes = await this.readLogical(inventory, LogicalPaths.itemRecord);
    if (!bytes) {
      throw new YaddasError(
        ErrorCodes.INVENTORY_INVALID,
        `Object ${inventory.id} has no item record in its head version ${inventory.head}.`,
        {
          permanent: true,
        },
      );
    }
    return JSON.parse(bytes.toString('utf8')) as R;
  }

  /** The bytes of a logical path in a version (the head by default), or null when it has none. */
  async readLogical(inv: Inventory, logicalPath: string, version = inv.head): Promise<Buffer | null> {
    const digest = Object.entries(inv.versions[version]?.state ?? {}).find(([, paths]) => paths.includes(logicalPath))?.[0];
    const contentPath = digest ? inv.manifest[digest]?.[0] : undefined;
    return contentPath ? this.store.getBuffer(`${this.rootOf(inv.id)}/${contentPath}`) : null;
  }

  /** A content file of the object by its SHA-512; null when the object has no such content. */
  async content(objectId: string, sha512: string): Promise<StoredContent | null> {
    const inv = await this.readInventory(objectId);
    return inv ? this.contentOf(inv, sha512) : null;
  }

  /** A content file by its SHA-512 in an inventory already read (many files of one object). */
  contentOf(inv: Inventory, sha512: string): StoredContent | null {
    const objectId = inv.id;
    const contentPath = inv.manifest[sha512]?.[0];
    if (!contentPath) return null;
    const key = `${this.rootOf(objectId)}/${contentPath}`;
    const gone = () =>
      new YaddasError(ErrorCodes.STORAGE_UNAVAILABLE, `${contentPath} of ${objectId} could not be read from s3://${this.store.bucket}.`, {
        permanent: false,
      });
    // Every read is checked against the inventory's digest: derivatives, OCR and PDFs are never
    // made from bytes that rotted or were overwritten in the bucket.
    const damaged = (actual: string, bytes: number) =>
      new YaddasError(
        ErrorCodes.MASTER_DAMAGED,
        `The stored master ${contentPath} of ${objectId} is damaged: its ${bytes} bytes read from s3://${this.store.bucket} have SHA-512 ${actual.slice(0, 16)}…, not ${sha512.slice(0, 16)}… as the inventory records. Nothing was made from it; yaddas verify ${objectId} reports the object, and the master must be restored from a good copy.`,
        { permanent: true, file: contentPath },
      );
    // A read that the network cut short mismatches too: the master is read again, whole, before
    // it is called damaged, and a second read that matches makes it a transient failure.
    const cutShort = (bytes: number) =>
      new YaddasError(
        ErrorCodes.STORAGE_UNAVAILABLE,
        `Reading ${contentPath} of ${objectId} from s3://${this.store.bucket} ended early (${bytes} bytes that did not match); a second read was whole, so it is retried.`,
        { permanent: false },
      );
    const rereadMatches = async (): Promise<boolean> => {
      const again = await this.store.get(key);
      return again ? (await digestStream(again, ['sha512'])).digests.sha512 === sha512 : false;
    };
    return {
      head: inv.head,
      inHead: inv.versions[inv.head]?.state[sha512] !== undefined,
      contentPath,
      open: async (opts = {}) => {
        const body = await this.store.get(key);
        if (!body) throw gone();
        const sha256 = opts.digest === 'sha256' ? fixityOf(inv, 'sha256', contentPath) : undefined;
        const checked = new VerifyingStream(sha256 ? 'sha256' : 'sha512', sha256 ?? sha512, async (actual, bytes) =>
          (await rereadMatches().catch(() => false)) ? cutShort(bytes) : damaged(actual, bytes),
        );
        // Errors of the source reach the reader through the checked stream.
        pipeline(body, checked).catch(() => {});
        return checked;
      },
      read: async () => {
        for (let attempt = 1; ; attempt++) {
          const bytes = await this.store.getBuffer(key);
          if (!bytes) throw gone();
          const actual = createHash('sha512').update(bytes).digest('hex');
          if (actual === sha512) return bytes;
          if (attempt === 2) throw damaged(actual, bytes.length);
        }
      },
    };
  }

  /**
   * The id of every object in the storage root, found by their declarations, in key order. An
   * object whose root inventory cannot be read is named by its newest version inventory that can;
   * one with none is reported to `unreadable` and passed over, so that one damaged object never
   * stops a walk over all the others (audits, replicate --all).
   */
  async *objectIds(unreadable?: (objectRoot: string, reason: string) => void): AsyncIterable<string> {
    const idIn = (b: Buffer | null): string | null => {
      try {
        const id = b ? (JSON.parse(b.toString('utf8')) as { id?: unknown }).id : null;
        return typeof id === 'string' && id ? id : null;
      } catch {
        return null;
      }
    };
    for await (const o of this.store.list('')) {
      if (!o.key.endsWith(`/${OBJECT_NAMASTE.name}`)) continue;
      const root = o.key.slice(0, -OBJECT_NAMASTE.name.length - 1);
      let id = idIn(await this.store.getBuffer(`${root}/inventory.json`));
      if (!id) {
        const versions = (await this.store.listFolders(`${root}/`))
          .map((f) => f.slice(root.length + 1).replace(/\/$/, ''))
          .filter((v) => /^v\d+$/.test(v))
          .sort((a, b) => versionNumber(b) - versionNumber(a));
        for (const v of versions) {
          id = idIn(await this.store.getBuffer(`${root}/${v}/inventory.json`));
          if (id) break;
        }
      }
      if (id) yield id;
      else unreadable?.(root, 'no inventory of it can be read');
    }
  }

  /** Reads the object back and checks its structure and, with `checkDigests`, every digest. */
  validate(objectId: string, opts: { checkDigests?: boolean } = {}): Promise<ObjectReport> {
    return validateObject(this.store, this.rootOf(objectId), opts);
  }

  // ---- writing ---------------------------------------------------------------------------------

  /**
   * Uploads a master of version `version` to its content path while computing its digests in the
   * same pass, then reads the stored copy back and compares it. A mismatch is a failed write
   * (transient: the upload is retried), never a success. `expectedSize` guards against a source
   * that changed under us.
   *
   * The read-back compares READ_BACK_DIGEST (SHA-256, see ocfl.core.ts).
   */
  async putContent(
    objectId: string,
    version: string,
    logicalPath: string,
    open: () => Readable,
    expectedSize: number,
    opts: { contentType?: string; onProgress?: (bytesSent: number) => void } = {},
  ): Promise<{ contentPath: string; digests: Digests }> {
    const contentPath = contentPathFor(version, logicalPath);
    const key = `${this.rootOf(objectId)}/${contentPath}`;
    const digesting = new DigestingStream();
    const source = open();
    const uploading = this.store.put(key, digesting, opts);
    await Promise.all([pipeline(source, digesting), uploading]);
    const digests = digesting.result() as Digests;
    if (digesting.bytes !== expectedSize) {
      throw new YaddasError(
        ErrorCodes.STAGED_FILE_CHANGED,
        `${key}: read ${digesting.bytes} bytes but the file had ${expectedSize} when it was taken.`,
        { permanent: true },
      );
    }
    await this.verifyStored(key, READ_BACK_DIGEST.algorithm, digests[READ_BACK_DIGEST.algorithm], expectedSize);
    return { contentPath, digests };
  }

  /** Reads a stored object back and checks its size and digest. */
  private async verifyStored(key: string, algorithm: 'sha256' | 'sha512', digest: string, size: number): Promise<void> {
    const body = await this.store.get(key);
    if (!body) throw new YaddasError(ErrorCodes.STORED_COPY_MISMATCH, `${key} was written but cannot be read back.`, { permanent: false });
    const back = await digestStream(body, [algorithm]);
    if (back.bytes !== size || back.digests[algorithm] !== digest) {
      throw new YaddasError(
        ErrorCodes.STORED_COPY_MISMATCH,
        `The stored copy of ${key} does not match the original (${back.bytes} bytes read back, ${size} written; ${algorithm} ${back.digests[algorithm]?.slice(0, 16)}… ≠ ${digest.slice(0, 16)}…).`,
        { permanent: false },
      );
    }
  }

  /** Puts a small file made in memory, reads it back and compares it; its digests. */
  private async putSmallVerified(key: string, body: Buffer, contentType: string): Promise<Digests> {
    await this.store.put(key, body, { contentType });
    const digests = digestBuffer(body);
    await this.verifyStored(key, 'sha512', digests.sha512, body.length);
    return digests;
  }

  /**
   * Writes a new version whose content was already uploaded (and verified) to its content paths.
   * Order matters: extra files, the version's inventory, the object declaration (v1), and the
   * root inventory last. Readers go by the root inventory, so the version appears only when all
   * of it is in place; a crash before that leaves content that a retry completes or rollback()
   * removes.
   */
  async commit(
    objectId: string,
    next: NextVersion,
    extra: Array<{ contentPath: string; body: Buffer; contentType: string }>,
  ): Promise<void> {
    const root = this.rootOf(objectId);
    const inv = next.inventory;
    for (const f of extra) await this.putSmallVerified(`${root}/${f.contentPath}`, f.body, f.contentType);
    const { json, sidecar } = serializeInventory(inv);
    await this.putSmallVerified(`${root}/${inv.head}/inventory.json`, json, 'application/json');
    await this.putSmallVerified(`${root}/${inv.head}/inventory.json.sha512`, sidecar, 'text/plain');
    if (inv.head === 'v1') await this.putSmallVerified(`${root}/${OBJECT_NAMASTE.name}`, Buffer.from(OBJECT_NAMASTE.body), 'text/plain');
    await this.putSmallVerified(`${root}/inventory.json`, json, 'application/json');
    await this.putSmallVerified(`${root}/inventory.json.sha512`, sidecar, 'text/plain');
    if (next.redundant.length > 0) await this.store.delete(next.redundant.map((p) => `${root}/${p}`));
    // Uploads an earlier ingest left under this version's name (its release could not roll them
    // back) are not the version's: validators reject unreferenced content.
    await this.removeUnreferenced(objectId, inv.head, inv);
    await this.versionWritten(objectId, inv.head);
  }

  /**
   * Completes a commit that stopped between writing the root inventory and its sidecar (a crash,
   * a lost connection): readers would otherwise find the two disagreeing for ever. Safe only for
   * the object's lock holder. The root inventory is the commit point: when its bytes are the head
   * version's own inventory, whose sidecar was written before it, that version is complete, and
   * the root sidecar is written from it. Anything else is a fault a person must look at.
   * Returns whether it had to.
   */
  async finishInterruptedCommit(objectId: string): Promise<boolean> {
    const root = this.rootOf(objectId);
    const bytes = await this.store.getBuffer(`${root}/inventory.json`);
    if (!bytes) return false;
    const digest = createHash('sha512').update(bytes).digest('hex');
    const sidecar = await this.store.getBuffer(`${root}/inventory.json.sha512`);
    if (sidecar?.toString('utf8').trim().split(/\s+/)[0] === digest) return false;
    let head: string | undefined;
    try {
      head = (JSON.parse(bytes.toString('utf8')) as Partial<Inventory>).head;
    } catch {
      head = undefined; // not JSON: reported below as a fault a person must look at
    }
    const versionBytes = head ? await this.store.getBuffer(`${root}/${head}/inventory.json`) : null;
    const versionSidecar = head ? await this.store.getBuffer(`${root}/${head}/inventory.json.sha512`) : null;
    if (!versionBytes?.equals(bytes) || versionSidecar?.toString('utf8').trim().split(/\s+/)[0] !== digest) {
      throw new YaddasError(
        ErrorCodes.INVENTORY_INVALID,
        `The inventory of ${objectId} does not match its sidecar, and is not its head version's own inventory either: the object needs a person to look at it (yaddas verify ${objectId}).`,
        { permanent: true },
      );
    }
    await this.putSmallVerified(`${root}/inventory.json.sha512`, versionSidecar, 'text/plain');
    await this.versionWritten(objectId, head!);
    return true;
  }

  /**
   * Removes content files of a committed version that its inventory does not reference: uploads
   * that turned out to duplicate content the object already held, when the commit stopped before
   * removing them (validators reject unreferenced content). Returns how many.
   */
  async removeUnreferenced(objectId: string, version: string, written?: Inventory): Promise<number> {
    const inv = written ?? (await this.readInventory(objectId));
    if (!inv?.versions[version]) return 0;
    const root = this.rootOf(objectId);
    const referenced = new Set(Object.values(inv.manifest).flat());
    const stray: string[] = [];
    for await (const o of this.store.list(`${root}/${version}/content/`)) {
      if (!referenced.has(o.key.slice(root.length + 1))) stray.push(o.key);
    }
    if (stray.length > 0) await this.store.delete(stray);
    return stray.length;
  }

  /**
   * Removes what an uncommitted version left behind (uploaded content, a version inventory), so
   * that a failed ingest never leaves a partial version. Of a committed version it removes only
   * content its inventory does not reference (uploads a commit stopped before removing).
   */
  async rollback(objectId: string, version: string): Promise<number> {
    const root = this.rootOf(objectId);
    // A commit that got as far as the root inventory happened: it is completed, not undone.
    await this.finishInterruptedCommit(objectId);
    // No catch here: an unreadable inventory must stop a rollback, never widen it to the object.
    const current = await this.readInventory(objectId);
    if (current && versionNumber(current.head) >= versionNumber(version))
      return current.versions[version] ? this.removeUnreferenced(objectId, version) : 0;
    const keys: string[] = [];
    const prefix = current ? `${root}/${version}/` : `${root}/`;
    for await (const o of this.store.list(prefix)) keys.push(o.key);
    if (keys.length > 0) await this.store.delete(keys);
    return keys.length;
  }

  // ---- the object lock -------------------------------------------------------------------------

  /**
   * Holds the object for `owner` (an ingest id): one writer at a time, so two re-scans cannot both
   * write "v2". Holding it again as the same owner renews it. A holder that `holderEnded` says has
   * ended (it finished without letting go) is taken over.
   */
  async holdObject(
    objectId: string,
    owner: string,
    holderEnded?: (holder: string) => Promise<boolean>,
  ): Promise<{ held: boolean; holder: string | null; tookOverFrom?: string }> {
    const name = LockNames.object(objectId);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.locks.hold(name, owner, OBJECT_LOCK_TTL_MS)) return { held: true, holder: owner };
      const holder = await this.locks.holder(name);
      if (holder === null) continue; // let go of meanwhile: try again
      if (holderEnded && (await holderEnded(holder))) {
        await this.locks.release(name, holder);
        if (await this.locks.hold(name, owner, OBJECT_LOCK_TTL_MS)) return { held: true, holder: owner, tookOverFrom: holder };
      }
      return { held: false, holder: await this.locks.holder(name) };
    }
    return { held: false, holder: await this.locks.holder(name) };
  }

  /**
   * For an ingest's later jobs (store, commit): renews its hold on the object, and fails when
   * another ingest holds it now (this one's hold ran out: it must not write a version beside it).
   */
  async keepHolding(objectId: string, owner: string): Promise<void> {
    const lock = await this.holdObject(objectId, owner);
    if (!lock.held) {
      throw new YaddasError(
        ErrorCodes.OBJECT_CONFLICT,
        `Object ${objectId} is held by another ingest (${lock.holder ?? 'unknown'}): this ingest's hold on it ran out, so it stops before writing.`,
        { permanent: true },
      );
    }
  }

  /** Lets go of the object, if `owner` holds it. */
  releaseObject(objectId: string, owner: string): Promise<void> {
    return this.locks.release(LockNames.object(objectId), owner);
  }

  /**
   * Writes one version in one go, holding the object: `build` sees the head and decides (upload
   * files through the draft, then commit, skip, or say it was written already). A version left
   * half-written by a failure is rolled back; the lock is let go whatever happens (a failure to
   * let go is logged, never put in place of what happened). A busy object throws RetryLater.
   */
  async writeVersion(
    objectId: string,
    owner: string,
    build: (draft: VersionDraft) => Promise<VersionDecision>,
    opts: { holderEnded?: (holder: string) => Promise<boolean>; busyRetryMs?: number; log?: Logger } = {},
  ): Promise<WriteResult> {
    const lock = await this.holdObject(objectId, owner, opts.holderEnded);
    if (!lock.held) {
      const who = lock.holder ? `another ingest (${lock.holder})` : 'another ingest';
      throw new RetryLater(opts.busyRetryMs ?? BUSY_RETRY_MS, `${who} is writing to object ${objectId}`);
    }
    if (lock.tookOverFrom) opts.log?.warn({ holder: lock.tookOverFrom }, 'took the object over from a finished ingest that still held it');
    let version: string | undefined;
    try {
      await this.finishInterruptedCommit(objectId);
      const head = await this.readInventory(objectId);
      if (!head)
        throw new YaddasError(ErrorCodes.STAGED_FILE_MISSING, `Object ${objectId} is not in the preservation bucket.`, { permanent: true });
      const v = versionName(versionNumber(head.head) + 1);
      version = v;
      const root = this.rootOf(objectId);
      const decision = await build({
        head,
        version: v,
        upload: async (logicalPath, body, contentType) => {
          const contentPath = contentPathFor(v, logicalPath);
          return { logicalPath, contentPath, digests: await this.putSmallVerified(`${root}/${contentPath}`, body, contentType) };
        },
        readLogical: (logicalPath) => this.readLogical(head, logicalPath),
      });
      if ('skip' in decision) {
        await this.rollback(objectId, v);
        return { version: null, skipped: decision.skip };
      }
      if ('written' in decision) {
        // That attempt may have stopped before removing uploads the version did not need.
        await this.removeUnreferenced(objectId, decision.written);
        await this.versionWritten(objectId, decision.written);
        return { version: decision.written, written: 'earlier' };
      }
      await this.commit(objectId, decision.commit, decision.extra);
      return { version: v, written: 'now' };
    } catch (err) {
      // Never leave half a version: what this attempt uploaded goes (committed versions stay).
      if (version) {
        const removed = await this.rollback(objectId, version).catch(() => 0);
        if (removed) opts.log?.warn({ version, removed }, 'rolled back an unfinished version');
      }
      throw err;
    } finally {
      await this.releaseObject(objectId, owner).catch((err: Error) =>
        opts.log?.warn({ err: { message: err.message } }, 'could not let go of the object lock; it runs out by itself'),
      );
    }
  }
}
