/**
 * An ObjectStore seen under a key prefix: a replica may keep its copy of the storage root in a
 * folder of a bucket it shares with other data, and institutions their storage roots and public
 * locations in folders of shared buckets. Keys in and out are relative to the prefix, so
 * the OCFL code above it sees a storage root at the top, as in the primary.
 */
import type { Readable } from 'node:stream';
import type { ObjectStore } from './object-store.js';

export class PrefixedObjectStore implements ObjectStore {
  constructor(
    private readonly inner: ObjectStore,
    /** "" or ending in "/" */
    readonly prefix: string,
    /** an institution's public location in a shared access bucket: its bucket is made readable as a whole */
    private readonly opts: { publicRead?: boolean } = {},
  ) {}

  get bucket(): string {
    return this.prefix ? `${this.inner.bucket}/${this.prefix.replace(/\/$/, '')}` : this.inner.bucket;
  }

  put(key: string, body: Buffer | Readable, opts?: { contentType?: string; onProgress?: (bytesSent: number) => void }): Promise<void> {
    return this.inner.put(this.prefix + key, body, opts);
  }
  get(key: string): Promise<Readable | null> {
    return this.inner.get(this.prefix + key);
  }
  getBuffer(key: string): Promise<Buffer | null> {
    return this.inner.getBuffer(this.prefix + key);
  }
  head(key: string): Promise<{ size: number } | null> {
    return this.inner.head(this.prefix + key);
  }
  async *list(prefix: string): AsyncIterable<{ key: string; size: number }> {
    for await (const o of this.inner.list(this.prefix + prefix)) yield { key: o.key.slice(this.prefix.length), size: o.size };
  }
  async listFolders(prefix: string): Promise<string[]> {
    return (await this.inner.listFolders(this.prefix + prefix)).map((f) => f.slice(this.prefix.length));
  }
  delete(keys: string[]): Promise<void> {
    return this.inner.delete(keys.map((k) => this.prefix + k));
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  ensureBucket(create: boolean): Promise<'exists' | 'created'> {
    return this.inner.ensureBucket(create);
  }
  allowPublicRead(): Promise<'set' | 'unsupported' | 'refused'> {
    // A copy of the preservation root is never public.
    return this.opts.publicRead ? this.inner.allowPublicRead() : Promise.resolve('unsupported');
  }
}
