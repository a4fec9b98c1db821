import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The three fixity digests Yaddaş records for every stored file (lowercase hex). */
export interface Digests {
  sha512: string;
  sha256: string;
  md5: string;
}
export type DigestAlgorithm = keyof Digests;
export const ALL_DIGESTS: readonly DigestAlgorithm[] = ['sha512', 'sha256', 'md5'];

/** 1 MiB reads: with the 64 KiB default, hashing is nearly twice as slow (see stack-notes.md). */
export const READ_CHUNK = 1024 * 1024;

/**
 * A pass-through stream that digests what flows through it, so a file is read once for both its
 * checksums and its upload. `result()` is valid after the stream has ended.
 */
export class DigestingStream extends Transform {
  private readonly hashes: Array<[DigestAlgorithm, Hash]>;
  private done: Partial<Digests> | undefined;
  bytes = 0;

  constructor(algorithms: readonly DigestAlgorithm[] = ALL_DIGESTS) {
    super({ highWaterMark: READ_CHUNK });
    this.hashes = algorithms.map((a) => [a, createHash(a)]);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    for (const [, h] of this.hashes) h.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.done = Object.fromEntries(this.hashes.map(([a, h]) => [a, h.digest('hex')]));
    cb();
  }

  result(): Partial<Digests> {
    if (!this.done) throw new Error('DigestingStream: result() before the stream ended');
    return this.done;
  }
}

/**
 * Passes bytes through and, at their end, fails the stream with `onMismatch` unless they have the
 * expected digest: a reader finds out before it has finished with damaged bytes, never after.
 */
export class VerifyingStream extends Transform {
  private readonly hash: Hash;
  bytes = 0;

  constructor(
    algorithm: DigestAlgorithm,
    private readonly expected: string,
    private readonly onMismatch: (actual: string, bytes: number) => Error | Promise<Error>,
  ) {
    super({ highWaterMark: READ_CHUNK });
    this.hash = createHash(algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    const actual = this.hash.digest('hex');
    if (actual === this.expected) {
      cb();
      return;
    }
    Promise.resolve(this.onMismatch(actual, this.bytes)).then(
      (err) => cb(err),
      (err: Error) => cb(err),
    );
  }
}

/** A sink that digests a stream and drops the bytes (for read-back checks). */
export async function digestStream(
  source: NodeJS.ReadableStream,
  algorithms: readonly DigestAlgorithm[] = ALL_DIGESTS,
): Promise<{ digests: Partial<Digests>; bytes: number }> {
  const hashes = algorithms.map((a) => [a, createHash(a)] as const);
  let bytes = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    for (const [, h] of hashes) h.update(chunk);
    bytes += chunk.length;
  }
  return { digests: Object.fromEntries(hashes.map(([a, h]) => [a, h.digest('hex')])), bytes };
}

/** SHA-512, SHA-256 and MD5 of a file in one streaming pass. */
export async function digestFile(file: string): Promise<{ digests: Digests; bytes: number }> {
  const d = new DigestingStream();
  const sink = new Transform({ transform: (_c, _e, cb) => cb() });
  await pipeline(createReadStream(file, { highWaterMark: READ_CHUNK }), d, sink);
  return { digests: d.result() as Digests, bytes: d.bytes };
}

export function digestBuffer(buf: Buffer | string): Digests {
  return {
    sha512: createHash('sha512').update(buf).digest('hex'),
    sha256: createHash('sha256').update(buf).digest('hex'),
    md5: createHash('md5').update(buf).digest('hex'),
  };
}

/** The listed algorithms' digests of a file (any of md5, sha1, sha256, sha512), in one read. */
export async function digestFileWith(file: string, algorithms: readonly string[]): Promise<Record<string, string>> {
  const hashes = algorithms.map((a) => [a, createHash(a)] as const);
  for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK }) as AsyncIterable<Buffer>) {
    for (const [, h] of hashes) h.update(chunk);
  }
  return Object.fromEntries(hashes.map(([a, h]) => [a, h.digest('hex')]));
}
