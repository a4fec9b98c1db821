/**
 * `npm run bench`: issue 2's measurements, on input it generates, against the real processes.
 *   1. the checksum pass (SHA-512 + SHA-256 + MD5 in one read) in MB/s, beside sha512sum;
 *   2. preserving a 1 GiB master end to end, beside awscli upload + download + sha512sum on the
 *      same S3 server in the same run; through `yaddas ingest` (copies) and the inbox (renames);
 *   3. the peak memory (VmHWM) of every Yaddaş process after those runs;
 *   4. preserving 50 pages of 300-dpi A4 TIFFs.
 * A measurement, not a test: it exits 0 when a target is missed, non-zero when something broke.
 * Knobs: BENCH_GB (default 1), BENCH_PAGES (default 50); --keep (or BENCH_KEEP=1) keeps bench/.work.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { digestFile } from '../src/checksum/digests.js';
import { writeMetadata, writePages, writeRandomPdf } from './lib/input.js';
import { peakRss, run } from './lib/proc.js';
import { MB, MiB, mbps, say, secs, summaryTable, table, verdict, type Row } from './lib/report.js';
import {
  AWS,
  REDIS_URL,
  ROLES,
  IngestWatch,
  aws,
  cleanRedis,
  ingestViaCli,
  logProblems,
  rolePids,
  startYaddas,
  stopYaddas,
  waitUntilUp,
  type Yaddas,
} from './lib/yaddas.js';

// dist/bench/run.js or bench/run.ts: either way the project root is found from here.
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, HERE.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
const WORK = path.join(ROOT, 'bench/.work');
const GIB = Number(process.env.BENCH_GB ?? 1);
const PAGES = Number(process.env.BENCH_PAGES ?? 50);
const KEEP = process.argv.includes('--keep') || process.env.BENCH_KEEP === '1';
const QUIET_SECONDS = 1;
const MEMORY_TARGET = 300 * MB;

const rows: Row[] = [];
/** things worth a second look that did not stop the run */
const odd: string[] = [];
const tag = () => randomBytes(3).toString('hex');
/** stderr of `yaddas ingest --wait` without its progress lines ("hh:mm:ss  name: status (step)"). */
const unexpected = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.trim() && !/^\d\d:\d\d:\d\d {2}/.test(l))
    .join('\n');

async function machineFacts(): Promise<void> {
  const cpus = os.cpus();
  const debian = readFileSync('/etc/debian_version', 'utf8').trim();
  const fsType = (await run('stat', ['-f', '-c', '%T', WORK])).stdout.trim();
  const awsVersion = (await run(AWS, ['--version'])).stdout.trim().split(' ')[0] ?? '?';
  const s3rver = (JSON.parse(readFileSync(path.join(ROOT, 'node_modules/s3rver/package.json'), 'utf8')) as { version: string }).version;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
  redis.disconnect();
  say(`Yaddaş benchmark (issue 2), ${new Date().toISOString()}`);
  say(
    `machine: ${cpus.length} CPUs (${cpus[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, Linux ${os.release()}, Debian ${debian}`,
  );
  say(
    `software: Node ${process.version}, ${awsVersion} (${AWS}), s3rver ${s3rver} embedded, Redis ${redisVersion}, libvips ${sharp.versions.vips}`,
  );
  say(`work folder: ${WORK} (${fsType}); 1 MB = 10^6 bytes throughout`);
  say(`input: a ${GIB} GiB master (PDF of random bytes), ${PAGES} pages of 2480×3508 (300-dpi A4) 8-bit RGB LZW TIFF\n`);
}

/** 1. The checksum pass on a warm page cache, beside coreutils' sha512sum on the same file. */
async function checksumPass(big: string, size: number): Promise<string> {
  say('== 1. checksum pass');
  await run('sync', []); // so that writing back the new file does not compete with the reads
  await run('sh', ['-c', 'cat "$1" > /dev/null', 'sh', big]); // warm the page cache
  const t = performance.now();
  const { digests } = await digestFile(big);
  const oursMs = performance.now() - t;
  const ref = await run('sha512sum', [big]);
  if (ref.code !== 0) throw new Error(`sha512sum failed: ${ref.stderr}`);
  if (ref.stdout.split(' ')[0] !== digests.sha512) throw new Error('digestFile and sha512sum disagree on the SHA-512');
  const ours = mbps(size, oursMs);
  const theirs = mbps(size, ref.ms);
  say(`file read once with cat first: the page cache is warm for both`);
  say(`digestFile (SHA-512 + SHA-256 + MD5, one read)  ${ours.toFixed(0)} MB/s  (${secs(oursMs)})`);
  say(`sha512sum (SHA-512 only, reference)             ${theirs.toFixed(0)} MB/s  (${secs(ref.ms)})\n`);
  rows.push({
    what: 'checksum pass, 3 digests, warm cache',
    value: `${ours.toFixed(0)} MB/s`,
    target: '≥ 200 MB/s',
    verdict: verdict(ours >= 200),
  });
  rows.push({ what: '  sha512sum alone (reference)', value: `${theirs.toFixed(0)} MB/s`, target: '', verdict: '' });
  return digests.sha512;
}

/** 2a. The big master through `yaddas ingest --wait` (which copies it into staging first). */
async function bigViaCli(y: Yaddas, dir: string): Promise<number> {
  const watch = new IngestWatch(y.prefix, path.basename(dir));
  let done = false;
  const following = watch.follow(3_600_000, () => done).catch(() => watch.record);
  try {
    const r = await ingestViaCli(y, ROOT, dir);
    done = true;
    await following;
    const item = r.items[0];
    if (item?.status !== 'preserved') throw new Error(`yaddas ingest: ${dir} not preserved: ${JSON.stringify(r.items)}`);
    if (unexpected(r.stderr)) odd.push(`yaddas ingest (1 GiB) wrote to stderr: ${unexpected(r.stderr).slice(0, 300)}`);
    say(`yaddas ingest --wait --json: ${item.status} ${item.id} ${item.version}, ${secs(r.ms)} from start to exit`);
    say(`  steps seen in Redis: ${watch.breakdown()} s`);
    say(`  (includes starting the CLI and copying the ${GIB} GiB folder into staging, with a check of the copy;`);
    say(`   "taken" is when the copied item's record appeared)`);
    return r.ms;
  } finally {
    done = true;
    watch.close();
  }
}

/** 2b. The peer on the same S3 server: awscli upload, awscli download, sha512sum of the copy. */
async function peer(y: Yaddas, big: string, sha512: string): Promise<number> {
  const key = `s3://${y.accessBucket}/bench/peer.bin`;
  const copy = path.join(WORK, 'peer-copy.bin');
  const up = await aws(y, ['s3', 'cp', big, key, '--only-show-errors']);
  if (up.code !== 0) throw new Error(`aws s3 cp (upload) failed: ${up.stderr}`);
  const down = await aws(y, ['s3', 'cp', key, copy, '--only-show-errors']);
  if (down.code !== 0) throw new Error(`aws s3 cp (download) failed: ${down.stderr}`);
  const sum = await run('sha512sum', [copy]);
  if (sum.code !== 0) throw new Error(`sha512sum failed: ${sum.stderr}`);
  if (sum.stdout.split(' ')[0] !== sha512) odd.push('awscli: the downloaded copy differs from the original (SHA-512)');
  const total = up.ms + down.ms + sum.ms;
  say(`awscli peer: upload ${secs(up.ms)} + download ${secs(down.ms)} + sha512sum ${secs(sum.ms)} = ${secs(total)}`);
  // Free the space and the server's memory of it before the next run.
  await aws(y, ['s3', 'rm', key, '--only-show-errors']);
  await fs.rm(copy, { force: true });
  return total;
}

/** 2c. The big master dropped into the inbox: a rename on the same file system, then preserved. */
async function bigViaInbox(y: Yaddas, dir: string): Promise<{ ms: number; detail: string }> {
  const name = path.basename(dir);
  const watch = new IngestWatch(y.prefix, name);
  try {
    const t = performance.now();
    await fs.rename(dir, path.join(y.inbox, name));
    const rec = await watch.follow(3_600_000);
    const ms = performance.now() - t;
    if (rec.status !== 'preserved') throw new Error(`inbox: ${name} ${rec.status}: ${rec.reason ?? ''}`);
    say(`inbox drop (rename): ${rec.status} ${rec.itemId} ${rec.version}, ${secs(ms)} from the rename to preserved`);
    say(`  steps seen in Redis: ${watch.breakdown()} s`);
    say(`  ("taken" includes the ${QUIET_SECONDS} s quiet period and up to two 0.5 s scan intervals)`);
    return { ms: ms - QUIET_SECONDS * 1000, detail: watch.breakdown() };
  } finally {
    watch.close();
  }
}

/** 3. Peak RSS (VmHWM) of the supervisor and of each stage process, by role. */
async function peakMemory(y: Yaddas): Promise<Map<string, number | null>> {
  const now = await rolePids(y.pid);
  const out = new Map<string, number | null>();
  for (const role of ROLES) {
    const pid = now.get(role);
    if (pid !== y.pids.get(role))
      odd.push(`the ${role} process was restarted (pid ${y.pids.get(role)} → ${pid ?? 'none'}); its peak covers only the new one`);
    out.set(role, pid === undefined ? null : await peakRss(pid));
  }
  out.set('supervisor', await peakRss(y.pid));
  return out;
}

const fmtMB = (b: number | null | undefined) => (b == null ? '-' : `${(b / MB).toFixed(0)} MB`);

function printMemory(y: Yaddas, mem: Map<string, number | null>): void {
  say(`peak resident memory (VmHWM from /proc/<pid>/status) after the ${GIB} GiB runs; target < 300 MB per stage process:`);
  const rowsOf = ROLES.map((r) => [r, String(y.pids.get(r) ?? '-'), fmtMB(mem.get(r)), verdict((mem.get(r) ?? Infinity) < MEMORY_TARGET)]);
  say(
    table(
      ['process', 'pid', 'peak RSS', ''],
      [...rowsOf, ['supervisor + embedded S3 server', String(y.pid), fmtMB(mem.get('supervisor')), '']],
    ),
  );
  say('');
}

/** 4. BENCH_PAGES scan-like TIFF pages through `yaddas ingest --wait`. */
async function pages(y: Yaddas): Promise<void> {
  say(`== 4. ${PAGES} pages of 300-dpi A4 TIFF`);
  const dir = path.join(WORK, 'src/pages');
  const t = performance.now();
  const bytes = await writePages(dir, PAGES, (n) => n % 10 === 0 && say(`  generated ${n}/${PAGES} pages`));
  await writeMetadata(dir, { identifier: `bench-book-${tag()}`, type: 'book' });
  say(
    `generated ${PAGES} pages, ${(bytes / MB).toFixed(0)} MB (${(bytes / PAGES / MB).toFixed(1)} MB a page) in ${secs(performance.now() - t)}`,
  );
  const watch = new IngestWatch(y.prefix, 'pages');
  let done = false;
  const following = watch.follow(3_600_000, () => done).catch(() => watch.record);
  try {
    const r = await ingestViaCli(y, ROOT, dir);
    done = true;
    await following;
    const item = r.items[0];
    if (item?.status !== 'preserved') throw new Error(`yaddas ingest: pages not preserved: ${JSON.stringify(r.items)}`);
    if (unexpected(r.stderr)) odd.push(`yaddas ingest (pages) wrote to stderr: ${unexpected(r.stderr).slice(0, 300)}`);
    const ppm = PAGES / (r.ms / 60_000);
    const rate = mbps(bytes, r.ms);
    say(
      `yaddas ingest --wait --json: ${item.status} ${item.id} ${item.version}, ${secs(r.ms)}, ${ppm.toFixed(0)} pages/min, ${rate.toFixed(0)} MB/s`,
    );
    say(`  steps seen in Redis: ${watch.breakdown()} s`);
    rows.push({
      what: `${PAGES} pages A4 300 dpi (${(bytes / MB).toFixed(0)} MB), yaddas ingest`,
      value: `${secs(r.ms)}, ${ppm.toFixed(0)} pages/min, ${rate.toFixed(0)} MB/s`,
      target: '(reported)',
      verdict: '',
    });
  } finally {
    done = true;
    watch.close();
  }
}

/** 2 and 3: the big master three ways, then every process's peak memory. */
async function bigMaster(y: Yaddas, big: string, size: number, sha512: string): Promise<Map<string, number | null>> {
  say(`== 2. preserving the ${GIB} GiB master end to end`);
  const viaCliMs = await bigViaCli(y, path.dirname(big));
  const peerMs = await peer(y, big, sha512);

  // The same bytes as a second item (another identifier, so another OCFL object), renamed in.
  const second = path.join(WORK, 'src/big-inbox');
  await writeMetadata(second, { identifier: `bench-big-${tag()}`, type: 'map' });
  await fs.rename(big, path.join(second, path.basename(big)));
  const inbox = await bigViaInbox(y, second);

  const ratio = (ms: number) => `${(ms / peerMs).toFixed(2)}× awscli`;
  say('');
  say(
    table(
      ['', 'seconds', 'MB/s', 'vs awscli'],
      [
        ['awscli upload + download + sha512sum', (peerMs / 1000).toFixed(1), mbps(size, peerMs).toFixed(0), '1.00×'],
        [
          'Yaddaş, yaddas ingest --wait (copies into staging first)',
          (viaCliMs / 1000).toFixed(1),
          mbps(size, viaCliMs).toFixed(0),
          ratio(viaCliMs),
        ],
        [
          `Yaddaş, inbox (rename) path, minus the ${QUIET_SECONDS} s quiet period`,
          (inbox.ms / 1000).toFixed(1),
          mbps(size, inbox.ms).toFixed(0),
          ratio(inbox.ms),
        ],
      ],
    ),
  );
  say('Yaddaş: hashed (3 digests) while uploading, read back and compared, OCFL version written, item released.');
  say('`yaddas ingest` copies the item into staging (the original stays); a drop into the inbox is renamed.\n');
  const target = `≤ awscli ${secs(peerMs)}`;
  rows.push({ what: `${GIB} GiB master, awscli up + down + sha512sum`, value: secs(peerMs), target: '(peer)', verdict: '' });
  rows.push({
    what: `${GIB} GiB master, yaddas ingest (incl. copy)`,
    value: `${secs(viaCliMs)} (${ratio(viaCliMs)})`,
    target,
    verdict: verdict(viaCliMs <= peerMs),
  });
  rows.push({
    what: `${GIB} GiB master, inbox (rename) path`,
    value: `${secs(inbox.ms)} (${ratio(inbox.ms)})`,
    target,
    verdict: verdict(inbox.ms <= peerMs),
  });

  say('== 3. peak memory');
  const mem = await peakMemory(y);
  printMemory(y, mem);
  return mem;
}

function memoryRows(mem: Map<string, number | null>): void {
  for (const role of ROLES) {
    const b = mem.get(role);
    if (b == null) continue;
    rows.push({ what: `peak RSS, ${role}`, value: `${(b / MB).toFixed(0)} MB`, target: '< 300 MB', verdict: verdict(b < MEMORY_TARGET) });
  }
  const sup = mem.get('supervisor');
  if (sup != null)
    rows.push({
      what: 'peak RSS, supervisor + embedded S3 server',
      value: `${(sup / MB).toFixed(0)} MB`,
      target: '(not a stage)',
      verdict: '',
    });
}

let yaddas: Yaddas | undefined;

/** Stops Yaddaş and removes its Redis keys; says what it found. */
async function shutDown(): Promise<void> {
  const y = yaddas;
  if (!y) return;
  yaddas = undefined;
  say('== 5. stopping Yaddaş (SIGTERM to the supervisor; it drains every stage)');
  const stop = await stopYaddas(y);
  say(`stopped in ${secs(stop.ms)}${stop.forced ? ' (forced: it had not drained in time)' : ''}`);
  if (stop.forced) odd.push('Yaddaş did not drain within 180 s of SIGTERM; a second SIGTERM forced it');
  if (stop.orphans.length > 0) odd.push(`stage processes outlived the supervisor (pids ${stop.orphans.join(', ')}); sent them SIGTERM`);
  if (y.child.exitCode !== null && y.child.exitCode !== 0) odd.push(`the supervisor exited with status ${y.child.exitCode}`);
  const removed = await cleanRedis(y.prefix);
  say(`removed ${removed} Redis keys of prefix ${y.prefix}\n`);
  const problems = logProblems(y.logFile);
  if (problems.length > 0)
    odd.push(
      `Yaddaş logged ${problems.length} warnings/errors (${y.logFile}), first ones:\n      ${problems.slice(0, 8).join('\n      ')}`,
    );
}

async function main(): Promise<number> {
  if (!(GIB > 0) || !Number.isInteger(PAGES) || PAGES < 1) throw new Error('BENCH_GB must be > 0 and BENCH_PAGES a whole number ≥ 1');
  await fs.rm(WORK, { recursive: true, force: true });
  await fs.mkdir(WORK, { recursive: true });
  await machineFacts();

  const big = path.join(WORK, 'src/big-cli/atlas.pdf');
  say(`generating the ${GIB} GiB master…`);
  const size = await writeRandomPdf(big, Math.round(GIB * 1024 * MiB));
  await writeMetadata(path.dirname(big), { identifier: `bench-big-${tag()}`, type: 'map' });
  const sha512 = await checksumPass(big, size);

  let broken: string | undefined;
  const t = performance.now();
  yaddas = await startYaddas(WORK, ROOT, QUIET_SECONDS);
  try {
    await waitUntilUp(yaddas);
    say(
      `Yaddaş up in ${secs(performance.now() - t)}: supervisor pid ${yaddas.pid}, S3 ${yaddas.endpoint}, Redis prefix ${yaddas.prefix}, log ${yaddas.logFile}\n`,
    );
    memoryRows(await bigMaster(yaddas, big, size, sha512));
    await pages(yaddas);
    // For information: inspecting and storing pages is a different load from one big file.
    const mem = await peakMemory(yaddas);
    say(
      `peak RSS after the pages too (for information): ${[...mem].map(([r, b]) => `${r === 'supervisor' ? 'supervisor + S3' : r} ${fmtMB(b)}`).join(', ')}\n`,
    );
  } catch (err) {
    broken = (err as Error).message;
  } finally {
    await shutDown();
  }

  say('== summary');
  say(summaryTable(rows));
  if (odd.length > 0) {
    say('\nworth a look:');
    for (const o of new Set(odd)) say(`  - ${o}`);
  }
  if (broken) say(`\nBROKEN: ${broken}`);
  if (KEEP) say(`\nkept ${WORK}`);
  else await fs.rm(WORK, { recursive: true, force: true });
  return broken ? 1 : 0;
}

// Ctrl-C: stop Yaddaş and remove its keys rather than leave them in the shared Redis.
process.once('SIGINT', () => {
  say('\ninterrupted: stopping Yaddaş');
  void shutDown()
    .then(() => (KEEP ? undefined : fs.rm(WORK, { recursive: true, force: true })))
    .finally(() => process.exit(130));
});

process.exit(
  await main().catch((err) => {
    say(`BROKEN: ${(err as Error).stack ?? err}`);
    return shutDown().then(() => 1);
  }),
);
