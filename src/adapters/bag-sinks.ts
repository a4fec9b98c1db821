/**
 * Where `yaddas export` writes bags. A folder: the bag is built in a hidden folder beside its
 * final place (a dot-name, which an inbox watcher passes over) and renamed into place when
 * complete, so nobody ever sees half a bag. A bucket prefix: the files go up as they come, and
 * bagit.txt (which makes the prefix a bag) last.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { digestStream } from '../checksum/digests.js';
import { ErrorCodes, YaddasError } from '../domain/errors.js';
import { exists } from './local-fs.js';
import type { BagSink } from '../storage/bag-export.js';
import type { ObjectStore } from '../storage/object-store.js';

/** Pieces gathered into one write: HTTP bodies come in 16-64 KiB chunks, one write call each otherwise. */
const WRITE_BATCH = 8 * 1024 * 1024;

/**
 * A file written in batches of about WRITE_BATCH bytes with writev (the pieces as they came, not
 * copied into one buffer): for a 1 GB master, a write per piece or a copy per batch cost a second.
 */
function batchedFile(file: string): Writable {
  let fh: fs.FileHandle | undefined;
  let opening: Promise<fs.FileHandle> | undefined;
  let flushing: Promise<void> = Promise.resolve();
  let pending: Buffer[] = [];
  let size = 0;
  const handle = async () => {
    opening ??= fs.open(file, 'w');
    fh = await opening;
    return fh;
  };
  const flush = async () => {
    if (size === 0) return;
    let pieces = pending;
    let left = size;
    pending = [];
    size = 0;
    const h = await handle();
    while (left > 0) {
      const { bytesWritten } = await h.writev(pieces);
      left -= bytesWritten;
      if (left === 0) break;
      // A short write: go on from where it stopped.
      let skip = bytesWritten;
      while (skip >= pieces[0]!.length) skip -= pieces.shift()!.length;
      pieces = [pieces[0]!.subarray(skip), ...pieces.slice(1)];
    }
  };
  return new Writable({
    highWaterMark: WRITE_BATCH,
    write(chunk: Buffer, _enc, cb) {
      pending.push(chunk);
      size += chunk.length;
      if (size < WRITE_BATCH) return cb();
      flushing = flush();
      flushing.then(() => cb(), cb);
    },
    final(cb) {
      flushing = flush().then(async () => {
        const h = await handle(); // an empty file is a file too
        await h.sync(); // on disk before the bag is renamed into place
        await h.close();
        fh = undefined;
      });
      flushing.then(() => cb(), cb);
    },
    destroy(err, cb) {
      // A write or an open still under way finishes first, so that its handle is closed too.
      flushing
        .catch(() => undefined)
        .then(() => (opening ? opening.then((h) => (fh ? h.close() : undefined)) : undefined))
        .then(
          () => cb(err),
          () => cb(err),
        );
    },
  });
}

async function syncFolder(dir: string): Promise<void> {
  const h = await fs.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Every folder of the bag synced (its files were, as each was written): names on disk too. */
async function syncFolders(root: string): Promise<void> {
  await syncFolder(root);
  for (const e of await fs.readdir(root, { recursive: true, withFileTypes: true }))
    if (e.isDirectory()) await syncFolder(path.join(e.parentPath, e.name));
}

export class FolderBagSink implements BagSink {
  readonly where: string;
  private readonly work: string;

  private constructor(
    private readonly final: string,
    work: string,
  ) {
    this.where = final;
    this.work = work;
  }

  /** A sink for bag `name` under `parent`; refuses to write over a bag that is there. */
  static async open(parent: string, name: string): Promise<FolderBagSink> {
    const final = path.join(parent, name);
    if (await exists(final))
      throw new YaddasError(ErrorCodes.OBJECT_CONFLICT, `${final} already exists: move it away (or export to another folder).`, {
        permanent: true,
      });
    await fs.mkdir(parent, { recursive: true });
    const work = path.join(parent, `.${name}.partial-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(work);
    return new FolderBagSink(final, work);
  }

  private file(p: string): string {
    const f = path.join(this.work, p);
    if (!f.startsWith(`${this.work}${path.sep}`)) throw new Error(`a bag path outside the bag: ${p}`);
    return f;
  }

  async write(p: string, body: Readable | Buffer): Promise<void> {
    const f = this.file(p);
    await fs.mkdir(path.dirname(f), { recursive: true });
    await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, batchedFile(f));
  }

  /**
   * The size, not a read-back: a file read right after it was written comes from the page cache,
   * so hashing it again would prove nothing the digest of the bytes on their way in did not.
   */
  async check(p: string, bytes: number): Promise<true | string> {
    const size = (await fs.stat(this.file(p))).size;
    return size === bytes ? true : `${size} bytes on disk, ${bytes} written`;
  }

  async complete(): Promise<void> {
    if (await exists(this.final))
      throw new YaddasError(ErrorCodes.OBJECT_CONFLICT, `${this.final} appeared while the bag was written; it is left in ${this.work}.`, {
        permanent: true,
      });
    await syncFolders(this.work);
    await fs.rename(this.work, this.final);
    // the rename itself on disk: the parent folder's entry
    await syncFolder(path.dirname(this.final));
  }

  async abort(): Promise<void> {
    await fs.rm(this.work, { recursive: true, force: true });
  }
}

export class BucketBagSink implements BagSink {
  readonly where: string;
  private readonly written: string[] = [];
  private declaration: Buffer | undefined;

  private constructor(
    private readonly store: ObjectStore,
    private readonly prefix: string,
  ) {
    this.where = `s3://${store.bucket}/${prefix}`;
  }

  /** A sink for a bag at `prefix` (ending in "/") of the store; refuses to write over a bag that is there. */
  static async open(store: ObjectStore, prefix: string): Promise<BucketBagSink> {
    if (await store.head(`${prefix}bagit.txt`))
      throw new YaddasError(ErrorCodes.OBJECT_CONFLICT, `s3://${store.bucket}/${prefix} already holds a bag: export to another prefix.`, {
        permanent: true,
      });
    return new BucketBagSink(store, prefix);
  }

  async write(p: string, body: Readable | Buffer): Promise<void> {
    if (p === 'bagit.txt' && Buffer.isBuffer(body)) {
      this.declaration = body; // written last, by complete()
      return;
    }
    await this.store.put(this.prefix + p, body);
    this.written.push(this.prefix + p);
  }

  /** Read back whole: what an S3 service keeps is proven by reading it, not by its answer to the upload. */
  async check(p: string): Promise<true | string> {
    if (p === 'bagit.txt' && this.declaration) return true; // written and read back by complete()
    const body = await this.store.get(this.prefix + p);
    if (!body)
      throw new YaddasError(ErrorCodes.STORED_COPY_MISMATCH, `${this.where}${p} is missing right after it was written.`, {
        permanent: false,
      });
    return (await digestStream(body, ['sha256'])).digests.sha256!;
  }

  async complete(): Promise<void> {
    if (!this.declaration) throw new Error('the bag has no bagit.txt');
    this.written.push(`${this.prefix}bagit.txt`); // removed by abort() too, should its read-back fail
    await this.store.put(`${this.prefix}bagit.txt`, this.declaration, { contentType: 'text/plain' });
    const back = await this.store.getBuffer(`${this.prefix}bagit.txt`);
    if (!back?.equals(this.declaration))
      throw new YaddasError(ErrorCodes.STORED_COPY_MISMATCH, `${this.where}bagit.txt does not read back as written.`, { permanent: false });
  }

  async abort(): Promise<void> {
    if (this.written.length > 0) await this.store.delete(this.written);
  }
}
