/**
 * Where `yaddas export` writes bags. A folder: the bag is built in a hidden folder beside its
 * final place (a dot-name, which an inbox watcher passes over) and renamed into place when
 * complete, so nobody ever sees half a bag. A bucket prefix: the files go up as they come, and
 * bagit.txt (which makes the prefix a bag) last.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { digestFileWith, digestStream } from '../checksum/digests.js';
import { ErrorCodes, YaddasError } from '../domain/errors.js';
import type { BagSink } from '../storage/bag-export.js';
import type { ObjectStore } from '../storage/object-store.js';

const exists = (p: string) =>
  fs.lstat(p).then(
    () => true,
    () => false,
  );

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
    if (Buffer.isBuffer(body)) await fs.writeFile(f, body);
    else await pipeline(body, createWriteStream(f, { highWaterMark: 1024 * 1024 }));
  }

  async readBack(p: string): Promise<string> {
    return (await digestFileWith(this.file(p), ['sha256'])).sha256!;
  }

  async complete(): Promise<void> {
    if (await exists(this.final))
      throw new YaddasError(ErrorCodes.OBJECT_CONFLICT, `${this.final} appeared while the bag was written; it is left in ${this.work}.`, {
        permanent: true,
      });
    await fs.rename(this.work, this.final);
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

  async readBack(p: string): Promise<string> {
    if (p === 'bagit.txt' && this.declaration) {
      const { createHash } = await import('node:crypto');
      return createHash('sha256').update(this.declaration).digest('hex');
    }
    const body = await this.store.get(this.prefix + p);
    if (!body)
      throw new YaddasError(ErrorCodes.STORED_COPY_MISMATCH, `${this.where}${p} is missing right after it was written.`, {
        permanent: false,
      });
    return (await digestStream(body, ['sha256'])).digests.sha256!;
  }

  async complete(): Promise<void> {
    if (!this.declaration) throw new Error('the bag has no bagit.txt');
    await this.store.put(`${this.prefix}bagit.txt`, this.declaration, { contentType: 'text/plain' });
    const back = await this.store.getBuffer(`${this.prefix}bagit.txt`);
    if (!back?.equals(this.declaration))
      throw new YaddasError(ErrorCodes.STORED_COPY_MISMATCH, `${this.where}bagit.txt does not read back as written.`, { permanent: false });
  }

  async abort(): Promise<void> {
    if (this.written.length > 0) await this.store.delete(this.written);
  }
}
