/**
 * An ObjectStore whose reads are held to a bandwidth: scheduled audits read every byte of every
 * copy, and must never starve ingest of the storage service. One budget per process, shared by
 * every read through it (token bucket, a second's worth of burst).
 */
import { type Readable, Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ObjectStore } from './object-store.js';

export class Bandwidth {
  private available: number;
  private last = performance.now();
  constructor(readonly bytesPerSecond: number) {
    this.available = bytesPerSecond;
  }
  /** Waits until `bytes` may be read. */
  async take(bytes: number): Promise<void> {
    if (this.bytesPerSecond <= 0) return;
    for (;;) {
      const now = performance.now();
      this.available = Math.min(this.bytesPerSecond, this.available + ((now - this.last) / 1000) * this.bytesPerSecond);
      this.last = now;
      if (this.available >= bytes || this.available >= this.bytesPerSecond) {
        this.available -= bytes;
        return;
      }
      await sleep(Math.ceil(((bytes - this.available) / this.bytesPerSecond) * 1000));
    }
  }
}

export class ThrottledObjectStore implements ObjectStore {
  constructor(
    private readonly inner: ObjectStore,
    private readonly bandwidth: Bandwidth,
  ) {}
  get bucket() {
    return this.inner.bucket;
  }
  async get(key: string): Promise<Readable | null> {
    const body = await this.inner.get(key);
    if (!body || this.bandwidth.bytesPerSecond <= 0) return body;
    const bw = this.bandwidth;
    const out = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bw.take(chunk.length).then(() => done(null, chunk), done);
      },
    });
    body.on('error', (err) => out.destroy(err));
    return body.pipe(out);
  }
  async getBuffer(key: string): Promise<Buffer | null> {
    const b = await this.inner.getBuffer(key);
    if (b) await this.bandwidth.take(b.length);
    return b;
  }
  put: ObjectStore['put'] = (k, b, o) => this.inner.put(k, b, o);
  head: ObjectStore['head'] = (k) => this.inner.head(k);
  list: ObjectStore['list'] = (p) => this.inner.list(p);
  listFolders: ObjectStore['listFolders'] = (p) => this.inner.listFolders(p);
  delete: ObjectStore['delete'] = (k) => this.inner.delete(k);
  ping: ObjectStore['ping'] = () => this.inner.ping();
  ensureBucket: ObjectStore['ensureBucket'] = (c) => this.inner.ensureBucket(c);
  allowPublicRead: ObjectStore['allowPublicRead'] = () => this.inner.allowPublicRead();
}
