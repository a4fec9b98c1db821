/**
 * OCFL objects over an ObjectStore: the storage root, reading inventories, writing a version so
 * that it becomes visible only once complete, and reading every written file back.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { DigestingStream, digestBuffer, digestStream, type Digests } from '../checksum/digests.js';
import { ErrorCodes, YaddasError } from '../domain/errors.js';
import type { ObjectStore } from './object-store.js';
import {
  OBJECT_NAMASTE,
  ROOT_NAMASTE,
  objectRootPath,
  serializeInventory,
  storageRootFiles,
  versionNumber,
  type Inventory,
  type NextVersion,
} from './ocfl.core.js';

export class OcflStore {
  constructor(readonly store: ObjectStore) {}

  rootOf(objectId: string): string {
    return objectRootPath(objectId);
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

  /** The object's current inventory, checked against its sidecar; null when there is no object. */
  async readInventory(objectId: string): Promise<Inventory | null> {
    const root = this.rootOf(objectId);
    const bytes = await this.store.getBuffer(`${root}/inventory.json`);
    if (!bytes) return null;
    const sidecar = await this.store.getBuffer(`${root}/inventory.json.sha512`);
    const digest = createHash('sha512').update(bytes).digest('hex');
    const expected = sidecar?.toString('utf8').trim().split(/\s+/)[0];
    if (expected !== digest) {
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
    return inv;
  }

  /**
   * Uploads a stream while computing its digests in the same pass, then reads the stored copy back
   * and compares it. A mismatch is a failed write (transient: the upload is retried), never a
   * success. `expectedSize` guards against a source that changed under us.
   *
   * The read-back compares SHA-256, not SHA-512: both were computed from the same bytes in the
   * one pass, either proves the stored copy identical, and SHA-256 runs at twice the speed on
   * CPUs with SHA extensions, which is most of the read-back's cost for large masters.
   * `yaddas verify` checks every digest the inventory records.
   */
  async putVerified(
    key: string,
    open: () => Readable,
    expectedSize: number,
    opts: { contentType?: string; onProgress?: (bytesSent: number) => void } = {},
  ): Promise<Digests> {
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
    await this.verifyStored(key, 'sha256', digests.sha256, expectedSize);
    return digests;
  }

  /** Reads a stored object back and checks its size and digest. */
  async verifyStored(key: string, algorithm: 'sha256' | 'sha512', digest: string, size: number): Promise<void> {
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

  private async putSmallVerified(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.store.put(key, body, { contentType });
    await this.verifyStored(key, 'sha512', createHash('sha512').update(body).digest('hex'), body.length);
  }

  /** The bytes of a logical path in a version (the head by default), or null when it has none. */
  async readLogical(inv: Inventory, logicalPath: string, version = inv.head): Promise<Buffer | null> {
    const digest = Object.entries(inv.versions[version]?.state ?? {}).find(([, paths]) => paths.includes(logicalPath))?.[0];
    const contentPath = digest ? inv.manifest[digest]?.[0] : undefined;
    return contentPath ? this.store.getBuffer(`${this.rootOf(inv.id)}/${contentPath}`) : null;
  }

  /** Puts a small file made in memory (OCR output), reads it back and compares; its digests. */
  async putBufferVerified(key: string, body: Buffer, contentType: string): Promise<Digests> {
    await this.putSmallVerified(key, body, contentType);
    return digestBuffer(body);
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
  }

  /**
   * Removes what an uncommitted version left behind (uploaded content, a version inventory), so
   * that a failed ingest never leaves a partial version. Does nothing to committed versions.
   */
  async rollback(objectId: string, version: string): Promise<number> {
    const root = this.rootOf(objectId);
    // No catch here: an unreadable inventory must stop a rollback, never widen it to the object.
    const current = await this.readInventory(objectId);
    if (current && versionNumber(current.head) >= versionNumber(version)) return 0;
    const keys: string[] = [];
    const prefix = current ? `${root}/${version}/` : `${root}/`;
    for await (const o of this.store.list(prefix)) keys.push(o.key);
    if (keys.length > 0) await this.store.delete(keys);
    return keys.length;
  }
}
