/**
 * The preservation store on a real S3-compatible server: streamed uploads are byte-exact (the
 * aws-chunked trap of stack-notes.md), a re-scan becomes a new version and never overwrites, an
 * identical re-scan adds nothing, and storage outages are retried rather than reported as success.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import S3rver from 's3rver';
import { startHarness, yaddas, type Harness } from '../helpers/harness.js';
import { pageImage, sha512, until, writeItem } from '../helpers/fixtures.js';
import { LockNames } from '../../src/storage/locks.js';
import { validateObject } from '../../src/storage/ocfl-validate.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { YADDAS_S3_PART_SIZE_MIB: '5' } });
});
afterAll(async () => {
  await h?.stop();
});

describe('streamed uploads', () => {
  const MiB = 1024 * 1024;
  it.each([0, 1, 5 * MiB - 1, 5 * MiB, 5 * MiB + 1, 17 * MiB + 12345])(
    '%d bytes arrive byte for byte (read back with awscli)',
    async (size) => {
      const bytes = randomBytes(size);
      // Small pieces, as a file stream delivers them: the body is a stream, never a buffer.
      const source = () =>
        Readable.from(
          (function* () {
            for (let i = 0; i < bytes.length; i += 64 * 1024) yield bytes.subarray(i, i + 64 * 1024);
          })(),
        );
      const { contentPath, digests } = await h.app.preservation.putContent('stream-test', 'v1', `masters/${size}.bin`, source, size);
      const key = `${h.app.preservation.rootOf('stream-test')}/${contentPath}`;
      expect(digests.sha512).toBe(sha512(bytes));
      const out = path.join(h.dir, `readback-${size}`);
      await h.aws(['s3', 'cp', `s3://${h.config.s3.preservationBucket}/${key}`, out, '--only-show-errors']);
      const back = await fs.readFile(out);
      expect(back.length).toBe(size);
      expect(sha512(back)).toBe(sha512(bytes));
    },
  );

  it('refuses a source that is not the size it was when taken', async () => {
    await expect(
      h.app.preservation.putContent('stream-test', 'v1', 'masters/short.bin', () => Readable.from([Buffer.alloc(10)]), 11),
    ).rejects.toMatchObject({ code: 'STAGED_FILE_CHANGED' });
  });
});

describe('listing', () => {
  it('lists more than one page of keys (1000) and the folders under a prefix', async () => {
    // The embedded server's continuation tokens are made with DES, which Node 20's OpenSSL
    // refuses: a second page of a listing must not depend on them.
    const keys = Array.from({ length: 1203 }, (_, i) => `many/${String(i % 7)}/${String(i).padStart(5, '0')}.txt`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => h.app.access.put(k, Buffer.from(k))));
    const seen: string[] = [];
    for await (const o of h.app.access.list('many/')) seen.push(o.key);
    expect(seen).toEqual([...keys].sort());
    expect(await h.app.access.listFolders('many/')).toEqual(['0', '1', '2', '3', '4', '5', '6'].map((d) => `many/${d}/`));
    await h.app.access.delete(keys);
  });
});

describe('versions', () => {
  async function ingest(name: string, files: Record<string, Buffer | string>) {
    const src = path.join(h.dir, 'src', String(Math.random()).slice(2), name);
    await writeItem(src, files);
    const t = await h.app.intake.take(src, name, { move: false, via: 'cli' });
    return h.waitFor(t.ingestId);
  }

  it('a re-scan with the same identifier becomes v2; unchanged pages are not stored twice; an identical re-scan adds nothing', async () => {
    const meta = JSON.stringify({ identifier: 'xeritə-atlas'.replace('ə', 'e'), type: 'map' });
    const p1 = await pageImage({ seed: 51 });
    const p2 = await pageImage({ seed: 52 });
    const p2fixed = await pageImage({ seed: 53 });
    const first = await ingest('atlas', { '1.tif': p1, '2.tif': p2, 'metadata.json': meta });
    expect(first.status, first.reason).toBe('preserved');
    expect(first.version).toBe('v1');

    const second = await ingest('atlas (corrected)', { '1.tif': p1, '2.tif': p2fixed, 'metadata.json': meta });
    expect(second.status, second.reason).toBe('preserved');
    expect(second.version).toBe('v2');

    const third = await ingest('atlas (again)', { '1.tif': p1, '2.tif': p2fixed, 'metadata.json': meta });
    expect(third.status, third.reason).toBe('preserved');
    expect(third.version).toBe('v2');
    expect(third.unchanged).toBe(true);

    const root = h.app.preservation.rootOf('xerite-atlas');
    const report = await validateObject(h.app.preservation.store, root, { checkDigests: true });
    expect(report.errors).toEqual([]);
    const inv = report.inventory!;
    expect(inv.head).toBe('v2');
    // Forward delta: page 1 and the metadata live once, in v1; v2 stores only what changed.
    expect(inv.manifest[sha512(p1)]).toEqual(['v1/content/masters/1.tif']);
    expect(inv.manifest[sha512(p2)]).toEqual(['v1/content/masters/2.tif']);
    expect(inv.manifest[sha512(p2fixed)]).toEqual(['v2/content/masters/2.tif']);
    const v2keys: string[] = [];
    for await (const o of h.app.preservation.store.list(`${root}/v2/content/`)) v2keys.push(o.key.split('/v2/content/')[1]!);
    expect(v2keys.sort()).toEqual(['item.json', 'masters/2.tif', 'mets.xml']);
    // Nothing of the identical third ingest was left behind.
    const v3: string[] = [];
    for await (const o of h.app.preservation.store.list(`${root}/v3/`)) v3.push(o.key);
    expect(v3).toEqual([]);
  });

  it('two re-scans of one item arriving together are written one after the other, never over each other', async () => {
    const meta = JSON.stringify({ identifier: 'qezet-1920-05' });
    const a = ingest('issue A', { '1.tif': await pageImage({ seed: 61 }), 'metadata.json': meta });
    const b = ingest('issue B', { '1.tif': await pageImage({ seed: 62 }), 'metadata.json': meta });
    const [ra, rb] = await Promise.all([a, b]);
    expect([ra.status, rb.status]).toEqual(['preserved', 'preserved']);
    expect([ra.version, rb.version].sort()).toEqual(['v1', 'v2']);
    const report = await validateObject(h.app.preservation.store, h.app.preservation.rootOf('qezet-1920-05'), { checkDigests: true });
    expect(report.errors).toEqual([]);
    expect(Object.keys(report.inventory!.versions)).toEqual(['v1', 'v2']);
  });
});

describe('object lock', () => {
  it('is taken over from an ingest that finished without releasing it', async () => {
    const lock = LockNames.object('stale-lock-item');
    expect(await h.app.locks.hold(lock, '20260101T000000Z-ghost-000000', 60_000)).toBe(true);
    // Locks live under the installation's key prefix, like every key of Yaddaş's own.
    expect(await h.redis.get(`${h.id}:yd:mutex:${lock}`)).toBe('20260101T000000Z-ghost-000000');
    const src = path.join(h.dir, 'src', 'stale');
    await writeItem(src, { '1.tif': await pageImage({ seed: 91 }), 'metadata.json': JSON.stringify({ identifier: 'stale-lock-item' }) });
    const t = await h.app.intake.take(src, 'stale', { move: false, via: 'cli' });
    const rec = await h.waitFor(t.ingestId, 30_000);
    expect(rec.status, rec.reason).toBe('preserved');
    expect(await h.app.locks.holder(lock)).toBeNull();
  });
});

describe('storage outages', () => {
  it('retries with backoff while S3 is down and preserves the item once it is back; never reports success early', async () => {
    // A private S3 server for this test alone, so that it can be stopped.
    const dir = path.join(h.dir, 's3-outage');
    await fs.mkdir(dir, { recursive: true });
    let server = new S3rver({ address: '127.0.0.1', port: 0, directory: dir, silent: true });
    const { port } = await server.run();
    const o = await startHarness({
      roles: ['ingest', 'inspect', 'prepare', 'commit', 'release'],
      env: {
        AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        YADDAS_JOB_ATTEMPTS: '10',
        YADDAS_JOB_BACKOFF_SECONDS: '0.3',
      },
    });
    try {
      const src = path.join(o.dir, 'src', 'outage book');
      const page = await pageImage({ seed: 71 });
      await writeItem(src, { '1.tif': page });
      const t = await o.app.intake.take(src, 'outage book', { move: false, via: 'cli' });
      const storeQueue = o.app.queues.bullQueue('store');
      await until(async () => (await storeQueue.getJobCountByTypes('waiting', 'prioritized')) > 0, 30_000, 'store jobs to be queued');

      await server.close(); // S3 goes away
      await o.startWorkers(['store']);
      await until(
        async () => {
          const job = await storeQueue.getJob(`store-${t.ingestId}-0001`);
          return (job?.attemptsMade ?? 0) >= 2;
        },
        30_000,
        'two failed attempts',
      );
      expect((await o.app.status.get(t.ingestId))?.status).toBe('in-progress');

      server = new S3rver({ address: '127.0.0.1', port, directory: dir, silent: true });
      await server.run(); // and comes back, with what it had stored
      const rec = await o.waitFor(t.ingestId, 90_000);
      expect(rec.status, rec.reason).toBe('preserved');
      const job = await storeQueue.getJob(`store-${t.ingestId}-0001`);
      expect(job!.attemptsMade).toBeGreaterThanOrEqual(2);
      const stored = await o.app.preservation.store.getBuffer(`${o.app.preservation.rootOf(rec.itemId)}/v1/content/masters/1.tif`);
      expect(sha512(stored!)).toBe(sha512(page));
    } finally {
      await o.stop();
      await server.close().catch(() => undefined);
    }
  });

  it('a stalled S3 service (it accepts connections and never answers) fails requests in bounded time: yaddas verify returns', async () => {
    const sockets = new Set<net.Socket>();
    const stalled = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.resume(); // reads the request and never answers
    });
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    const { port } = stalled.address() as net.AddressInfo;
    try {
      const started = Date.now();
      const r = await yaddas(h, ['verify', 'any-item'], {
        AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'x',
        YADDAS_S3_REQUEST_TIMEOUT_SECONDS: '1',
      });
      const seconds = (Date.now() - started) / 1000;
      expect(r.code).not.toBe(0);
      // three attempts of one second each, plus the command's own start: well under a minute
      expect(seconds).toBeLessThan(30);
      expect(r.stdout + r.stderr).toMatch(/S3|storage/i);
      expect(sockets.size).toBeGreaterThan(0);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => stalled.close(r));
    }
  });
});
