import type { Readable } from 'node:stream';

/**
 * The port through which storage code reaches one bucket of an S3-compatible store. Adapters
 * translate vendor errors: a missing object is `null`/`undefined`, anything else that fails is a
 * transient YaddasError (STORAGE_UNAVAILABLE), retried by the queue.
 */
export interface ObjectStore {
  readonly bucket: string;
  /** Writes an object. A stream is uploaded in parts and never held whole in memory. */
  put(key: string, body: Buffer | Readable, opts?: { contentType?: string; onProgress?: (bytesSent: number) => void }): Promise<void>;
  /** The object's bytes as a stream, or null when there is no such object. */
  get(key: string): Promise<Readable | null>;
  getBuffer(key: string): Promise<Buffer | null>;
  head(key: string): Promise<{ size: number } | null>;
  /** Every key under a prefix, in key order. */
  list(prefix: string): AsyncIterable<{ key: string; size: number }>;
  /** The "folders" directly under a prefix that ends in "/", each ending in "/". */
  listFolders(prefix: string): Promise<string[]>;
  delete(keys: string[]): Promise<void>;
  /** Resolves when the bucket answers (readiness checks); a transient error otherwise. */
  ping(): Promise<void>;
  /** Checks that the bucket exists, creating it when `create` says so; what it did. */
  ensureBucket(create: boolean): Promise<'exists' | 'created'>;
  /**
   * Gives the bucket a policy that lets anyone read its objects (not list or write them);
   * 'unsupported' where the service has no bucket policies (the embedded server serves all),
   * 'refused' where it does not allow public ones (AWS's Block Public Access, on by default).
   */
  allowPublicRead(): Promise<'set' | 'unsupported' | 'refused'>;
}
