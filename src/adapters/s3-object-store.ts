import {
  S3Client,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  type ListObjectsCommandOutput,
  DeleteObjectsCommand,
  PutObjectCommand,
  HeadBucketCommand,
  CreateBucketCommand,
  PutBucketPolicyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import { ErrorCodes, YaddasError } from '../domain/errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Config } from '../config/load.js';

export function createS3Client(
  s3: Pick<
    Config['s3'],
    'endpoint' | 'region' | 'forcePathStyle' | 'accessKeyId' | 'secretAccessKey' | 'connectTimeoutSeconds' | 'requestTimeoutSeconds'
  >,
): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    // Streamed bodies are otherwise sent aws-chunked with a trailing CRC, which some S3-compatible
    // servers (s3rver) store verbatim: a silent corruption. Fixity is checked by reading back.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    // Without these a stalled service holds a request (and the job or command waiting on it) for
    // ever. The idle timeout, not a total one: a large master may take minutes to move.
    requestHandler: { connectionTimeout: s3.connectTimeoutSeconds * 1000, socketTimeout: s3.requestTimeoutSeconds * 1000 },
  });
}

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound' || status(err) === 404;
}

function unavailable(op: string, bucket: string, key: string, err: unknown): YaddasError {
  const e = err as { name?: string; message?: string };
  return new YaddasError(
    ErrorCodes.STORAGE_UNAVAILABLE,
    `S3 ${op} s3://${bucket}/${key} failed: ${e.name ?? 'Error'} ${e.message ?? ''} (HTTP ${status(err) ?? '-'})`.trim(),
    { permanent: false, cause: err },
  );
}

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    private readonly upload: { partSizeMiB: number; concurrency: number },
  ) {}

  async put(
    key: string,
    body: Buffer | Readable,
    opts: { contentType?: string; onProgress?: (bytesSent: number) => void } = {},
  ): Promise<void> {
    try {
      if (Buffer.isBuffer(body)) {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: opts.contentType }));
        return;
      }
      const up = new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key: key, Body: body, ContentType: opts.contentType },
        partSize: this.upload.partSizeMiB * 1024 * 1024,
        queueSize: this.upload.concurrency,
        leavePartsOnError: false,
      });
      const onProgress = opts.onProgress;
      if (onProgress) up.on('httpUploadProgress', (p) => p.loaded !== undefined && onProgress(p.loaded));
      await up.done();
    } catch (err) {
      if (err instanceof YaddasError) throw err;
      // An error raised by the source stream (the local file) is not a storage failure.
      if ((err as NodeJS.ErrnoException).code && !status(err)) throw err;
      throw unavailable('PUT', this.bucket, key, err);
    }
  }

  async get(key: string): Promise<Readable | null> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return res.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw unavailable('GET', this.bucket, key, err);
    }
  }

  async getBuffer(key: string): Promise<Buffer | null> {
    const body = await this.get(key);
    if (!body) return null;
    const chunks: Buffer[] = [];
    for await (const c of body as AsyncIterable<Buffer>) chunks.push(c);
    return Buffer.concat(chunks);
  }

  async head(key: string): Promise<{ size: number } | null> {
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: res.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw unavailable('HEAD', this.bucket, key, err);
    }
  }

  /**
   * ListObjects (version 1) with Marker = the last key seen. Not ListObjectsV2: s3rver, the
   * embedded server, makes V2 continuation tokens with DES, which Node 20's OpenSSL 3 refuses, so
   * every V2 listing of more than 1000 keys failed there with HTTP 500 (StartAfter does not help:
   * it still makes a token for the next page). Version 1 with markers works the same on AWS,
   * MinIO, Ceph RGW and s3rver.
   */
  async *list(prefix: string): AsyncIterable<{ key: string; size: number }> {
    let after: string | undefined;
    for (;;) {
      let res: ListObjectsCommandOutput;
      try {
        res = await this.client.send(new ListObjectsCommand({ Bucket: this.bucket, Prefix: prefix, ...(after ? { Marker: after } : {}) }));
      } catch (err) {
        throw unavailable('LIST', this.bucket, prefix, err);
      }
      const contents = res.Contents ?? [];
      for (const o of contents) if (o.Key) yield { key: o.Key, size: o.Size ?? 0 };
      const last = contents.at(-1)?.Key;
      if (!res.IsTruncated || !last) return;
      after = last;
    }
  }

  /** The "folders" directly under a prefix ending in "/" (S3 common prefixes), in key order. */
  async listFolders(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let after: string | undefined;
    for (;;) {
      let res: ListObjectsCommandOutput;
      try {
        res = await this.client.send(
          new ListObjectsCommand({ Bucket: this.bucket, Prefix: prefix, Delimiter: '/', ...(after ? { Marker: after } : {}) }),
        );
      } catch (err) {
        throw unavailable('LIST', this.bucket, prefix, err);
      }
      const folders = (res.CommonPrefixes ?? []).map((p) => p.Prefix!).filter(Boolean);
      out.push(...folders);
      const keys = (res.Contents ?? []).map((o) => o.Key!).filter(Boolean);
      const last = res.NextMarker ?? [...folders, ...keys].sort().at(-1);
      if (!res.IsTruncated || !last) return out;
      after = last;
    }
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      throw unavailable('HEAD bucket', this.bucket, '', err);
    }
  }

  ensureBucket(create: boolean): Promise<'exists' | 'created'> {
    return ensureBucket(this.client, this.bucket, create);
  }

  async allowPublicRead(): Promise<'set' | 'unsupported' | 'refused'> {
    // Objects only: anyone may GET a key, no one may list the bucket or write to it.
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'YaddasPublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${this.bucket}/*` },
      ],
    };
    try {
      await this.client.send(new PutBucketPolicyCommand({ Bucket: this.bucket, Policy: JSON.stringify(policy) }));
      return 'set';
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === 'NotImplemented' || name === 'MethodNotAllowed' || status(err) === 501 || status(err) === 405) return 'unsupported';
      // Start-up goes on, with a warning: the bucket must be made readable by someone allowed to.
      if (name === 'AccessDenied' || status(err) === 403) return 'refused';
      throw unavailable('PUT bucket policy', this.bucket, '', err);
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      try {
        const res = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
        if (res.Errors && res.Errors.length > 0) throw new Error(`${res.Errors.length} objects not deleted: ${res.Errors[0]?.Message}`);
      } catch (err) {
        throw unavailable('DELETE', this.bucket, batch[0] ?? '', err);
      }
    }
  }
}

/** Checks that a bucket exists, creating it when asked to. Returns what it did. */
async function ensureBucket(client: S3Client, bucket: string, create: boolean): Promise<'exists' | 'created'> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return 'exists';
  } catch (err) {
    if (!isNotFound(err) && status(err) !== 403) throw unavailable('HEAD bucket', bucket, '', err);
    if (!create) {
      throw new YaddasError(
        ErrorCodes.STORAGE_UNAVAILABLE,
        `Bucket "${bucket}" does not exist (or is not readable). Create it, or set YADDAS_S3_CREATE_BUCKETS=true.`,
        { permanent: true },
      );
    }
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return 'created';
  }
}
