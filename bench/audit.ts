/**
 * `npm run bench:audit`: what fixity audits and copies cost (issue 11). In one run it prints:
 *
 * 1. Audit throughput: Yaddaş auditing BENCH_AUDIT_OBJECTS objects (default 4, each of 5 files of
 *    20 MB of random bytes) in the embedded S3 server, every file read and its SHA-512, SHA-256
 *    and MD5 compared (two objects at a time, as one audit worker does by default, no bandwidth
 *    limit), against awscli downloading the same objects (`aws s3 cp --recursive`) plus
 *    `sha512sum` over the files. Target: Yaddaş no slower.
 * 2. Preserving 50 pages (BENCH_AUDIT_PAGES) through the real supervisor, with one replica (a
 *    second bucket on the same embedded server, so it shares the two cores) against none: the
 *    time from the drop to preserved, and, with the replica, to the replica's copy complete.
 *    Target: under 30% more.
 * 3. Auditing 10,000 small objects (BENCH_AUDIT_SMALL) with `yaddas audit --all --wait` in a
 *    process of its own: its time and peak resident memory (GNU time). Target under 300 MB.
 *
 * Run on an otherwise idle machine; it needs Redis at REDIS_URL and awscli at /usr/bin/aws.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import S3rver from 's3rver';
import { createS3Client, S3ObjectStore } from '../src/adapters/s3-object-store.js';
import { serializeInventory, nextInventory, OBJECT_NAMASTE } from '../src/storage/ocfl.core.js';
import { OcflStore } from '../src/storage/ocfl-store.js';
import type { Locks } from '../src/storage/locks.js';
import { auditObject } from '../src/storage/audit.js';
import { digestBuffer } from '../src/checksum/digests.js';
import { parallel } from '../src/domain/parallel.js';
import { writeMetadata, writePages } from './lib/input.js';
import { freePort, run, sleep } from './lib/proc.js';
import { MB, mbps, say, secs, summaryTable, verdict, type Row } from './lib/report.js';
import { cleanRedis, IngestWatch, REDIS_URL, startYaddas, stopYaddas, waitUntilUp } from './lib/yaddas.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, HERE.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
const WORK = path.join(ROOT, 'bench/.work-audit');
const OBJECTS = Number(process.env.BENCH_AUDIT_OBJECTS ?? 4);
const FILE_MB = Number(process.env.BENCH_AUDIT_FILE_MB ?? 20);
const PAGES = Number(process.env.BENCH_AUDIT_PAGES ?? 50);
const SMALL = Number(process.env.BENCH_AUDIT_SMALL ?? 10_000);
const KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** The benchmark writes objects directly: no lock is ever contended. */
const NO_LOCKS: Locks = {
  hold: async () => true,
  holder: async () => null,
  release: async () => undefined,
  withLock: async (_n, _o, fn) => fn(),
};

function s3Store(endpoint: string, bucket: string): S3ObjectStore {
  const client = createS3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    connectTimeoutSeconds: 10,
    requestTimeoutSeconds: 120,
    ...KEYS,
  });
  return new S3ObjectStore(client, bucket, { partSizeMiB: 16, concurrency: 4 });
}

/** One OCFL object of `files` content files, written as a commit writes it (content first, root inventory last). */
async function writeObject(ocfl: OcflStore, id: string, files: Buffer[]): Promise<void> {
  const written = [];
  for (const [i, b] of files.entries()) {
    const r = await ocfl.putContent(id, 'v1', `masters/${i + 1}.tif`, () => Readable.from([b]), b.length);
    written.push({ logicalPath: `masters/${i + 1}.tif`, digests: r.digests, uploadedContentPath: r.contentPath });
  }
  const next = nextInventory(null, { id, files: written, created: new Date().toISOString(), message: 'bench', user: { name: 'bench' } });
  await ocfl.commit(id, next, []);
}

/** A small object written with plain PUTs (no read-backs): the audit is what is measured. */
async function writeSmallObject(store: S3ObjectStore, ocfl: OcflStore, id: string): Promise<void> {
  const body = randomBytes(1024);
  const root = ocfl.rootOf(id);
  const next = nextInventory(null, {
    id,
    files: [{ logicalPath: 'masters/1.tif', digests: digestBuffer(body) }],
    created: new Date().toISOString(),
    message: 'bench',
    user: { name: 'bench' },
  });
  const { json, sidecar } = serializeInventory(next.inventory);
  await store.put(`${root}/v1/content/masters/1.tif`, body);
  await Promise.all([store.put(`${root}/v1/inventory.json`, json), store.put(`${root}/v1/inventory.json.sha512`, sidecar)]);
  await store.put(`${root}/${OBJECT_NAMASTE.name}`, Buffer.from(OBJECT_NAMASTE.body));
  await store.put(`${root}/inventory.json`, json);
  await store.put(`${root}/inventory.json.sha512`, sidecar);
}

/** Runs `fn` over `items`, `n` at a time (the project's own bounded runner). */
async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  for await (const _ of parallel(items, n, fn));
}

/** A bucket of the bench's S3 server made an OCFL storage root. */
async function storageRoot(endpoint: string, bucket: string): Promise<{ store: S3ObjectStore; ocfl: OcflStore }> {
  const store = s3Store(endpoint, bucket);
  await store.ensureBucket(true);
  const ocfl = new OcflStore(store, NO_LOCKS);
  await ocfl.ensureStorageRoot();
  return { store, ocfl };
}

async function throughput(endpoint: string, rows: Row[]): Promise<void> {
  const bucket = 'bench-audit';
  const { ocfl } = await storageRoot(endpoint, bucket);
  const ids = Array.from({ length: OBJECTS }, (_, i) => `bench-audit-${i}`);
  for (const id of ids)
    await writeObject(
      ocfl,
      id,
      Array.from({ length: 5 }, () => randomBytes(FILE_MB * 1024 * 1024)),
    );
  const bytes = OBJECTS * 5 * FILE_MB * 1024 * 1024;
  say(`1. ${OBJECTS} objects of 5 × ${FILE_MB} MiB (${(bytes / MB).toFixed(0)} MB) written`);

  let t = performance.now();
  let checked = 0;
  await pool(ids, 2, async (id) => {
    const r = await auditObject('primary', ocfl, id);
    if (r.status !== 'ok') throw new Error(`${id}: ${r.status} ${JSON.stringify(r.findings)}`);
    checked += r.checkedFiles;
  });
  const oursMs = performance.now() - t;

  const dl = path.join(WORK, 'download');
  await fs.rm(dl, { recursive: true, force: true });
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
  };
  t = performance.now();
  const cp = await run('/usr/bin/aws', ['--endpoint-url', endpoint, 's3', 'cp', '--recursive', '--quiet', `s3://${bucket}/`, dl], env);
  if (cp.code !== 0) throw new Error(`aws s3 cp: ${cp.stderr}`);
  const sum = await run('sh', ['-c', `find "${dl}" -type f -path '*/content/*' -print0 | xargs -0 sha512sum > /dev/null`]);
  if (sum.code !== 0) throw new Error(`sha512sum: ${sum.stderr}`);
  const peerMs = performance.now() - t;
  await fs.rm(dl, { recursive: true, force: true });
  say(`   Yaddaş: ${checked} files in ${secs(oursMs)}; awscli + sha512sum: ${secs(peerMs)}`);
  rows.push({
    what: 'audit throughput (every file read, three digests compared)',
    value: `${mbps(bytes, oursMs).toFixed(0)} MB/s; awscli cp + sha512sum ${mbps(bytes, peerMs).toFixed(0)} MB/s`,
    target: 'no slower',
    verdict: verdict(oursMs <= peerMs),
  });
}

async function preserveWithAndWithout(rows: Row[]): Promise<void> {
  const times: Record<string, { preserved: number; copied?: number; published?: number }> = {};
  for (const mode of ['none', 'one replica'] as const) {
    const work = path.join(WORK, `pages-${mode === 'none' ? 'none' : 'replica'}`);
    await fs.rm(work, { recursive: true, force: true });
    await fs.mkdir(work, { recursive: true });
    const port = await freePort();
    const extra: Record<string, string> = { YADDAS_S3_PORT: String(port) };
    if (mode === 'one replica') {
      const file = path.join(work, 'copies.json');
      await fs.writeFile(
        file,
        JSON.stringify({ replicas: [{ name: 'copy', endpoint: `http://127.0.0.1:${port}`, bucket: 'bench-copy', ...KEYS }] }),
      );
      Object.assign(extra, { YADDAS_COPIES_FILE: file, YADDAS_S3_CREATE_BUCKETS: 'true' });
    }
    const y = await startYaddas(work, ROOT, 2, extra);
    try {
      await waitUntilUp(y);
      const src = path.join(work, 'src', 'kitab-50');
      await writePages(src, PAGES);
      await writeMetadata(src, { identifier: 'bench-50', type: 'book' });
      const watch = new IngestWatch(y.prefix, 'kitab-50');
      const t0 = performance.now();
      await fs.rename(src, path.join(y.inbox, 'kitab-50'));
      const rec = await watch.follow(30 * 60_000);
      const preserved = performance.now() - t0;
      watch.close();
      if (rec.status !== 'preserved') throw new Error(`the 50-page item was ${rec.status}: ${rec.reason ?? ''}`);
      const entry: { preserved: number; copied?: number; published?: number } = { preserved };
      // Then: published (derivatives, manifest), and with the replica its copy complete.
      const redis = new Redis(REDIS_URL);
      for (;;) {
        const now = performance.now() - t0;
        if (entry.published === undefined && (await redis.hget(`${y.prefix}:yd:ingest:${rec.ingestId}`, 'publication')))
          entry.published = now;
        if (mode === 'one replica' && entry.copied === undefined) {
          const h = await redis.hgetall(`${y.prefix}:yd:copies:bench-50`);
          if (h.copy && h.copy === h.primary) entry.copied = now;
        }
        if (entry.published !== undefined && (mode === 'none' || entry.copied !== undefined)) break;
        if (now > 30 * 60_000) throw new Error('not published and copied in 30 minutes');
        await sleep(100);
      }
      redis.disconnect();
      times[mode] = entry;
      say(
        `2. ${PAGES} pages, ${mode}: preserved after ${secs(preserved)}, published after ${secs(entry.published!)}${entry.copied ? `, in the replica after ${secs(entry.copied)}` : ''}`,
      );
    } finally {
      await stopYaddas(y);
      await cleanRedis(y.prefix);
    }
  }
  const none = times.none!;
  const one = times['one replica']!;
  const extra = (one.copied! - none.preserved) / none.preserved;
  rows.push({
    what: `${PAGES} pages: drop → in every copy (against drop → preserved, no replica)`,
    value: `${secs(one.copied!)} with one replica; ${secs(none.preserved)} with none (+${(extra * 100).toFixed(0)}%)`,
    target: 'under 30% more',
    verdict: verdict(extra < 0.3),
  });
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;
  const allOne = Math.max(one.copied!, one.published!);
  say(
    `   drop → preserved on the primary: ${secs(one.preserved)} with the replica, ${secs(none.preserved)} without (${pct((one.preserved - none.preserved) / none.preserved)})`,
  );
  say(
    `   drop → everything done (published, and copied): ${secs(allOne)} with the replica, ${secs(none.published!)} without (${pct((allOne - none.published!) / none.published!)})`,
  );
}

async function manySmall(endpoint: string, rows: Row[]): Promise<void> {
  const bucket = 'bench-small';
  const { store, ocfl } = await storageRoot(endpoint, bucket);
  const ids = Array.from({ length: SMALL }, (_, i) => `small-${String(i).padStart(6, '0')}`);
  const t = performance.now();
  await pool(ids, 16, (id) => writeSmallObject(store, ocfl, id));
  say(`3. ${SMALL} small objects written in ${secs(performance.now() - t)}`);
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const env = {
    ...process.env,
    REDIS_URL,
    YADDAS_REDIS_PREFIX: prefix,
    YADDAS_CONFIG_DIR: path.join(WORK, 'no-config'),
    YADDAS_DATA_DIR: path.join(WORK, 'data'),
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    YADDAS_PRESERVATION_BUCKET: bucket,
    YADDAS_ACCESS_BUCKET: 'bench-small-access',
    YADDAS_S3_CREATE_BUCKETS: 'true',
    YADDAS_LOG_LEVEL: 'error',
  };
  const r = await run(
    '/usr/bin/time',
    ['-f', 'TIME %e %M', process.execPath, path.join(ROOT, 'bin/yaddas.js'), 'audit', '--all', '--wait'],
    env,
  );
  await cleanRedis(prefix);
  const m = /TIME ([\d.]+) (\d+)/.exec(r.stderr);
  const okLines = r.stdout.split('\n').filter((l) => l.startsWith('ok ')).length;
  if (!m || okLines !== SMALL)
    throw new Error(`yaddas audit --all --wait: exit ${r.code}, ${okLines} ok of ${SMALL}: ${r.stderr.slice(-2000)}`);
  const seconds = Number(m[1]);
  const peakMB = (Number(m[2]) * 1024) / MB;
  say(
    `   audited ${okLines} objects in ${seconds.toFixed(1)} s (${(okLines / seconds).toFixed(0)} objects/s), peak RSS ${peakMB.toFixed(0)} MB`,
  );
  rows.push({
    what: `${SMALL} small objects audited (yaddas audit --all --wait)`,
    value: `${seconds.toFixed(0)} s, peak ${peakMB.toFixed(0)} MB`,
    target: 'under 300 MB',
    verdict: verdict(peakMB < 300),
  });
}

async function main(): Promise<void> {
  await fs.rm(WORK, { recursive: true, force: true });
  await fs.mkdir(WORK, { recursive: true });
  say(`bench:audit on ${os.cpus().length} cores, Node ${process.version}`);
  const rows: Row[] = [];
  const port = await freePort();
  const s3 = new S3rver({ address: '127.0.0.1', port, directory: path.join(WORK, 's3'), silent: true });
  await s3.run();
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    if (process.env.BENCH_AUDIT_SKIP_THROUGHPUT !== '1') await throughput(endpoint, rows);
    if (process.env.BENCH_AUDIT_SKIP_SMALL !== '1') await manySmall(endpoint, rows);
  } finally {
    await s3.close();
  }
  if (process.env.BENCH_AUDIT_SKIP_PAGES !== '1') await preserveWithAndWithout(rows);
  say('');
  say(summaryTable(rows));
  await fs.rm(WORK, { recursive: true, force: true });
}

await main();
