/**
 * `npm run bench:export`: what exporting a bag costs (issue 12). One OCFL object holding one
 * master of BENCH_EXPORT_MB MiB (default 1024) of random bytes in the embedded S3 server;
 * `yaddas export ID --bag DIR` in a process of its own (every byte checked against the inventory's
 * SHA-512 on the way and the written file read back for its SHA-256; manifests, bag-info, tag
 * manifests) against awscli downloading the same master (`aws s3 cp`), each BENCH_EXPORT_ROUNDS
 * times (default 2), alternating; the best of each is compared. Peak resident memory of the export
 * from GNU time. Targets: no slower than awscli; under 300 MB.
 *
 * BENCH_EXPORT_ENDPOINT=http://127.0.0.1:PORT runs it against another S3 service instead of the
 * embedded one (e.g. `moto_server -H 127.0.0.1 -p PORT`), with AWS_ACCESS_KEY_ID/SECRET as given.
 *
 * Run on an otherwise idle machine; it needs Redis at REDIS_URL and awscli at /usr/bin/aws.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import S3rver from 's3rver';
import { createS3Client, S3ObjectStore } from '../src/adapters/s3-object-store.js';
import type { Locks } from '../src/storage/locks.js';
import { nextInventory } from '../src/storage/ocfl.core.js';
import { OcflStore } from '../src/storage/ocfl-store.js';
import { freePort, run } from './lib/proc.js';
import { MB, MiB, mbps, say, secs, summaryTable, verdict, type Row } from './lib/report.js';
import { cleanRedis, REDIS_URL } from './lib/yaddas.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, HERE.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
const WORK = path.join(ROOT, 'bench/.work-export');
const SIZE_MB = Number(process.env.BENCH_EXPORT_MB ?? 1024);
const ROUNDS = Number(process.env.BENCH_EXPORT_ROUNDS ?? 2);
const BUCKET = 'bench-export';
const ID = 'bench-export-1';

const NO_LOCKS: Locks = {
  hold: async () => true,
  holder: async () => null,
  release: async () => undefined,
  withLock: async (_n, _o, fn) => fn(),
};

/** A file of random bytes, written in 16 MiB pieces (never held whole). */
async function randomFile(file: string, mib: number): Promise<void> {
  const fh = await fs.open(file, 'w');
  try {
    for (let i = 0; i < mib; i += 16) await fh.write(randomBytes(Math.min(16, mib - i) * MiB));
  } finally {
    await fh.close();
  }
}

async function main(): Promise<void> {
  await fs.rm(WORK, { recursive: true, force: true });
  await fs.mkdir(WORK, { recursive: true });
  say(`bench:export on ${os.cpus().length} cores, Node ${process.version}: one master of ${SIZE_MB} MiB`);
  const external = process.env.BENCH_EXPORT_ENDPOINT;
  const port = await freePort();
  const s3 = external ? null : new S3rver({ address: '127.0.0.1', port, directory: path.join(WORK, 's3'), silent: true });
  await s3?.run();
  const endpoint = external ?? `http://127.0.0.1:${port}`;
  const keys = external
    ? { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'testing', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'testing' }
    : { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  say(`   S3 service: ${external ? endpoint : 'the embedded s3rver'}`);
  const rows: Row[] = [];
  const prefix = `bench-export-${process.pid}`;
  try {
    const client = createS3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      connectTimeoutSeconds: 10,
      requestTimeoutSeconds: 600,
      ...keys,
    });
    const store = new S3ObjectStore(client, BUCKET, { partSizeMiB: 16, concurrency: 4 });
    await store.ensureBucket(true);
    const ocfl = new OcflStore(store, NO_LOCKS);
    await ocfl.ensureStorageRoot();
    const master = path.join(WORK, 'master.bin');
    await randomFile(master, SIZE_MB);
    const bytes = SIZE_MB * MiB;
    const put = await ocfl.putContent(ID, 'v1', 'masters/atlas.tif', () => createReadStream(master, { highWaterMark: MiB }), bytes);
    await fs.rm(master);
    const next = nextInventory(null, {
      id: ID,
      files: [{ logicalPath: 'masters/atlas.tif', digests: put.digests, uploadedContentPath: put.contentPath }],
      created: new Date().toISOString(),
      message: 'bench',
      user: { name: 'bench' },
    });
    await ocfl.commit(ID, next, []);
    say(`   stored ${(bytes / MB).toFixed(0)} MB as ${ID} v1`);

    const env = {
      ...process.env,
      REDIS_URL,
      YADDAS_REDIS_PREFIX: prefix,
      YADDAS_CONFIG_DIR: path.join(WORK, 'no-config'),
      YADDAS_DATA_DIR: path.join(WORK, 'data'),
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: keys.accessKeyId,
      AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
      YADDAS_PRESERVATION_BUCKET: BUCKET,
      YADDAS_ACCESS_BUCKET: 'bench-export-access',
      YADDAS_S3_CREATE_BUCKETS: 'true',
      YADDAS_LOG_LEVEL: 'error',
      // BENCH_EXPORT_PROF=DIR: a CPU profile of each export process there
      ...(process.env.BENCH_EXPORT_PROF
        ? {
            NODE_OPTIONS: `--max-semi-space-size=${process.env.BENCH_EXPORT_SEMI ?? 32} --cpu-prof --cpu-prof-dir=${process.env.BENCH_EXPORT_PROF}`,
          }
        : {}),
    };
    const ours: number[] = [];
    const peaks: number[] = [];
    const peer: number[] = [];
    const key = `${ocfl.rootOf(ID)}/${put.contentPath}`;
    for (let round = 1; round <= ROUNDS; round++) {
      const dl = path.join(WORK, 'download.bin');
      let t = performance.now();
      const cp = await run('/usr/bin/aws', ['--endpoint-url', endpoint, 's3', 'cp', '--quiet', `s3://${BUCKET}/${key}`, dl], env);
      if (cp.code !== 0) throw new Error(`aws s3 cp: ${cp.stderr}`);
      peer.push(performance.now() - t);
      await fs.rm(dl);

      const out = path.join(WORK, `bags-${round}`);
      t = performance.now();
      const r = await run(
        '/usr/bin/time',
        ['-f', 'TIME %e %M', process.execPath, path.join(ROOT, 'bin/yaddas.js'), 'export', ID, '--bag', out],
        env,
      );
      const ms = performance.now() - t;
      const m = /TIME ([\d.]+) (\d+)/.exec(r.stderr);
      if (r.code !== 0 || !m) throw new Error(`yaddas export: exit ${r.code}: ${r.stdout}${r.stderr.slice(-2000)}`);
      ours.push(ms);
      peaks.push((Number(m[2]) * 1024) / MB);
      await fs.rm(out, { recursive: true, force: true });
      say(`   round ${round}: awscli ${secs(peer.at(-1)!)}; yaddas export ${secs(ms)}, peak ${peaks.at(-1)!.toFixed(0)} MB`);
    }
    const best = Math.min(...ours);
    const bestPeer = Math.min(...peer);
    rows.push(
      {
        what: `export of a ${(bytes / MB).toFixed(0)} MB master to a bag (best of ${ROUNDS})`,
        value: `${mbps(bytes, best).toFixed(0)} MB/s (${secs(best)}); awscli s3 cp ${mbps(bytes, bestPeer).toFixed(0)} MB/s (${secs(bestPeer)})`,
        target: 'no slower than awscli',
        verdict: verdict(best <= bestPeer),
      },
      {
        what: 'peak resident memory of yaddas export',
        value: `${Math.max(...peaks).toFixed(0)} MB`,
        target: 'under 300 MB',
        verdict: verdict(Math.max(...peaks) < 300),
      },
    );
  } finally {
    await cleanRedis(prefix).catch(() => undefined);
    await s3?.close();
  }
  say('');
  say(summaryTable(rows));
  await fs.rm(WORK, { recursive: true, force: true });
}

await main();
