/**
 * An ObjectStore held in memory, for unit tests of code that works through the port. It behaves
 * like the S3 adapter where tests can tell: missing keys are null, list() yields keys in S3's
 * order (by UTF-8 bytes, not by UTF-16 code units), and get() streams in several chunks.
 */
import { Readable } from 'node:stream';
import type { ObjectStore } from '../../src/storage/object-store.js';

/** Small chunks, so readers are exercised on multi-chunk streams even with tiny test files. */
const CHUNK = 64 * 1024;

const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** The ObjectStore port over a Map of key → bytes. */
export class MemoryObjectStore implements ObjectStore {
  readonly bucket: string;
  private readonly objects = new Map<string, Buffer>();

  constructor(bucket = 'memory') {
    this.bucket = bucket;
  }

  async put(
    key: string,
    body: Buffer | Readable,
    opts: { contentType?: string; onProgress?: (bytesSent: number) => void } = {},
  ): Promise<void> {
    let bytes: Buffer;
    if (Buffer.isBuffer(body)) bytes = Buffer.from(body);
    else {
      const chunks: Buffer[] = [];
      let sent = 0;
      for await (const c of body as AsyncIterable<Buffer | string>) {
        const b = Buffer.isBuffer(c) ? c : Buffer.from(c);
        chunks.push(b);
        sent += b.length;
        opts.onProgress?.(sent);
      }
      bytes = Buffer.concat(chunks);
    }
    this.objects.set(key, bytes);
  }

  async get(key: string): Promise<Readable | null> {
    const b = this.objects.get(key);
    if (!b) return null;
    const chunks: Buffer[] = [];
    for (let i = 0; i < b.length; i += CHUNK) chunks.push(b.subarray(i, i + CHUNK));
    return Readable.from(chunks.length > 0 ? chunks : [Buffer.alloc(0)]);
  }

  async getBuffer(key: string): Promise<Buffer | null> {
    const b = this.objects.get(key);
    return b ? Buffer.from(b) : null;
  }

  async head(key: string): Promise<{ size: number } | null> {
    const b = this.objects.get(key);
    return b ? { size: b.length } : null;
  }

  async *list(prefix: string): AsyncIterable<{ key: string; size: number }> {
    // A snapshot, so callers may put or delete while iterating, as they can with S3 pages.
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort(byUtf8);
    for (const key of keys) {
      const b = this.objects.get(key);
      if (b) yield { key, size: b.length };
    }
  }

  async listFolders(prefix: string): Promise<string[]> {
    const folders = new Set<string>();
    for (const k of this.objects.keys()) {
      if (!k.startsWith(prefix)) continue;
      const i = k.indexOf('/', prefix.length);
      if (i >= 0) folders.add(k.slice(0, i + 1));
    }
    return [...folders].sort(byUtf8);
  }

  async delete(keys: string[]): Promise<void> {
    for (const k of keys) this.objects.delete(k);
  }

  async ping(): Promise<void> {}

  async ensureBucket(): Promise<'exists'> {
    return 'exists';
  }

  async allowPublicRead(): Promise<'set' | 'unsupported' | 'refused'> {
    return 'unsupported';
  }

  /** Every key, in list() order (for assertions). */
  keys(): string[] {
    return [...this.objects.keys()].sort(byUtf8);
  }
}
