/**
 * The OCFL store over an in-memory bucket, where a test can stop a write or cut a read short:
 * a commit stopped between the root inventory and its sidecar is completed by a rollback, which
 * also removes the uploads the version did not need (a validator rejects unreferenced content);
 * a master read that the network cut short is read again before it is called damaged.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { digestBuffer } from '../../src/checksum/digests.js';
import type { Locks } from '../../src/storage/locks.js';
import { nextInventory } from '../../src/storage/ocfl.core.js';
import { OcflStore } from '../../src/storage/ocfl-store.js';
import { validateObject } from '../../src/storage/ocfl-validate.js';
import { MemoryObjectStore } from '../helpers/memory-store.js';

const noLocks = {} as Locks; // nothing here takes the object lock
const user = { name: 'Yaddaş', address: 'mailto:x@example.org' };

/** A bucket that fails the put of one key, once (a crash between two writes, as far as the store sees). */
class FailingOnce extends MemoryObjectStore {
  constructor(private failKey: string | null) {
    super();
  }
  override async put(key: string, body: Buffer | Readable, opts?: { contentType?: string }): Promise<void> {
    if (key === this.failKey) {
      this.failKey = null;
      throw new Error(`stopped before ${key}`);
    }
    return super.put(key, body, opts);
  }
}

/** A bucket whose reads of one key come back short `times` times. */
class ShortReads extends MemoryObjectStore {
  constructor(
    private readonly key: string,
    private times: number,
  ) {
    super();
  }
  private cut(b: Buffer | null) {
    if (!b || this.times <= 0) return b;
    this.times--;
    return b.subarray(0, b.length - 3);
  }
  override async getBuffer(key: string): Promise<Buffer | null> {
    const b = await super.getBuffer(key);
    return key === this.key ? this.cut(b) : b;
  }
  override async get(key: string): Promise<Readable | null> {
    if (key !== this.key) return super.get(key);
    const b = this.cut(await super.getBuffer(key));
    return b ? Readable.from([b]) : null;
  }
}

async function writeV1(ocfl: OcflStore, id: string, page: Buffer) {
  const root = ocfl.rootOf(id);
  await ocfl.store.put(`${root}/v1/content/masters/a.tif`, page);
  const v1 = nextInventory(null, {
    id,
    created: '2026-12-01T00:00:00Z',
    message: 'v1',
    user,
    files: [{ logicalPath: 'masters/a.tif', digests: digestBuffer(page), uploadedContentPath: 'v1/content/masters/a.tif' }],
  });
  await ocfl.commit(id, v1, []);
  return { root, v1: v1.inventory };
}

describe('a commit stopped before its root sidecar', () => {
  it('is completed by a rollback, which removes the duplicate uploads: the object stays valid', async () => {
    const page = Buffer.from('page one');
    const id = 'kitab-x';
    const bucket = new FailingOnce(null);
    const ocfl = new OcflStore(bucket, noLocks);
    await ocfl.ensureStorageRoot();
    const { root, v1 } = await writeV1(ocfl, id, page);
    // v2: page a unchanged (uploaded again, a duplicate), page b new.
    await bucket.put(`${root}/v2/content/masters/a.tif`, page);
    await bucket.put(`${root}/v2/content/masters/b.tif`, Buffer.from('page two'));
    const v2 = nextInventory(v1, {
      id,
      created: '2026-12-01T01:00:00Z',
      message: 'v2',
      user,
      files: [
        { logicalPath: 'masters/a.tif', digests: digestBuffer(page), uploadedContentPath: 'v2/content/masters/a.tif' },
        { logicalPath: 'masters/b.tif', digests: digestBuffer(Buffer.from('page two')), uploadedContentPath: 'v2/content/masters/b.tif' },
      ],
    });
    expect(v2.redundant).toEqual(['v2/content/masters/a.tif']);
    (bucket as unknown as { failKey: string }).failKey = `${root}/inventory.json.sha512`;
    await expect(ocfl.commit(id, v2, [])).rejects.toThrow(/stopped before/);
    await expect(ocfl.readInventory(id)).rejects.toMatchObject({ code: 'INVENTORY_INVALID' });

    // The ingest failed for good; its release rolls back "v2", which happened after all.
    expect(await ocfl.rollback(id, 'v2')).toBe(1);
    expect((await ocfl.readInventory(id))!.head).toBe('v2');
    expect(await bucket.getBuffer(`${root}/v2/content/masters/a.tif`)).toBeNull();
    const report = await validateObject(bucket, root, { checkDigests: true });
    expect(report.errors).toEqual([]);
  });

  it('a later commit removes what an earlier, failed ingest left under its version name', async () => {
    const bucket = new MemoryObjectStore();
    const ocfl = new OcflStore(bucket, noLocks);
    await ocfl.ensureStorageRoot();
    const { root, v1 } = await writeV1(ocfl, 'kitab-y', Buffer.from('p'));
    await bucket.put(`${root}/v2/content/masters/left-behind.tif`, Buffer.from('stray'));
    await bucket.put(`${root}/v2/content/masters/c.tif`, Buffer.from('page c'));
    const v2 = nextInventory(v1, {
      id: 'kitab-y',
      created: '2026-12-01T02:00:00Z',
      message: 'v2',
      user,
      files: [
        { logicalPath: 'masters/c.tif', digests: digestBuffer(Buffer.from('page c')), uploadedContentPath: 'v2/content/masters/c.tif' },
      ],
    });
    await ocfl.commit('kitab-y', v2, []);
    expect(await bucket.getBuffer(`${root}/v2/content/masters/left-behind.tif`)).toBeNull();
    expect((await validateObject(bucket, root, { checkDigests: true })).errors).toEqual([]);
  });
});

describe('a master read cut short', () => {
  const page = Buffer.from('the bytes of a master page');
  const setUp = async (times: number) => {
    const key = `${new OcflStore(new MemoryObjectStore(), noLocks).rootOf('kitab-z')}/v1/content/masters/a.tif`;
    const bucket = new ShortReads(key, 0);
    const ocfl = new OcflStore(bucket, noLocks);
    await ocfl.ensureStorageRoot();
    await writeV1(ocfl, 'kitab-z', page);
    (bucket as unknown as { times: number }).times = times;
    return (await ocfl.content('kitab-z', digestBuffer(page).sha512))!;
  };
  const drain = async (r: Readable) => {
    const chunks: Buffer[] = [];
    for await (const c of r) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };

  it('once: read() reads it again and returns the whole master', async () => {
    expect(await (await setUp(1)).read()).toEqual(page);
  });
  it('once, while streamed: a transient failure (retried), not MASTER_DAMAGED', async () => {
    await expect(drain(await (await setUp(1)).open())).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
  });
  it('every time: MASTER_DAMAGED, naming the file', async () => {
    await expect((await setUp(5)).read()).rejects.toMatchObject({ code: 'MASTER_DAMAGED', opts: { file: 'v1/content/masters/a.tif' } });
    await expect(drain(await (await setUp(5)).open())).rejects.toMatchObject({ code: 'MASTER_DAMAGED' });
  });
});
