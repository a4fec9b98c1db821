/**
 * `npm run bench`: issue 2's measurements, on input it generates, against the real processes.
 *   1. the checksum pass (SHA-512 + SHA-256 + MD5 in one read) in MB/s, beside sha512sum;
 *   2. preserving a 1 GiB master end to end, beside awscli upload + download + sha512sum;
 *   3. the peak memory (VmHWM) of every Yaddaş process while doing it;
 *   4. preserving 50 pages of 300-dpi A4 TIFFs.
 * A measurement, not a test: it exits 0 when a target is missed, non-zero when something broke.
 * Knobs: BENCH_GB (default 1), BENCH_PAGES (default 50); --keep keeps bench/.work.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { digestFile } from '../src/checksum/digests.js';
import { scanLikePage } from './lib/page.js';

const exec = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), fileURLToPath(import.meta.url).includes('/dist/') ? '../..' : '..');
const WORK = path.join(ROOT, 'bench/.work');
const GB = Number(process.env.BENCH_GB ?? 1);
const PAGES = Number(process.env.BENCH_PAGES ?? 50);
const AWS = '/usr/bin/aws';
const MiB = 1024 * 1024;

interface Row { what: string; value: string; target: string; verdict: 'PASS' | 'MISS' | '' }
const rows: Row[] = [];
const say = (s: string) => process.stdout.write(s + '\n');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A large master that inspects in no time: a PDF whose body is random (incompressible) bytes. */
async function bigPdf(file: string, bytes: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const out = createWriteStream(file);
  const write = (b: Buffer) => new Promise<void>((r) => (out.write(b) ? r() : out.once('drain', () => r())));
  await write(Buffer.from('%PDF-1.4\n%'));
  for (let done = 0; done < bytes; done += MiB) await write(randomBytes(Math.min(MiB, bytes - done)));
  await write(Buffer.from('\n%%EOF\n'));
  await new Promise<void>((r) => out.end(() => r()));
}

function awsEnv() {
  return { ...process.env, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
}

interface Yaddas { child: ChildProcess; env: Record<string, string>; endpoint: string; prefix: string; log: string }

async function startYaddas(): Promise<Yaddas> {
  const port = await freePort();
  const prefix = `bench-${randomBytes(3).toString('hex')}`;
  const env: Record<string, string> = {
    YADDAS_DATA_DIR: path.join(WORK, 'data'),
    YADDAS_INBOX: path.join(WORK, 'inbox'),
    YADDAS_REJECTED_DIR: path.join(WORK, 'rejected'),
    YADDAS_CONFIG_DIR: path.join(WORK, 'no-config'),
    YADDAS_REDIS_PREFIX: prefix,
    YADDAS_S3_PORT: String(port),
    YADDAS_QUIET_SECONDS: '1',
    YADDAS_POLL_SECONDS: '0.25',
    YADDAS_DONE_RETENTION_DAYS: '0',
    YADDAS_LOG_FORMAT: 'json',
    YADDAS_LOG_LEVEL: 'info',
  };
  const log = path.join(WORK, 'yaddas.log');
  const out = await fs.open(log, 'w');
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/workers/all.js')], { env: { ...process.env, ...env }, stdio: ['ignore', out.fd, out.fd] });
  await out.close(); // the child has its own copy of the descriptor
  // Ready when the watcher and all six workers have said so.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const text = readFileSync(log, 'utf8');
    const started = (text.match(/"worker started"/g) ?? []).length;
    if (started >= 6 && text.includes('watching the inbox')) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`Yaddaş did not start; see ${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, env, endpoint: `http://127.0.0.1:${port}`, prefix, log };
}

async function yaddasIngest(y: Yaddas, dir: string): Promise<Array<{ id: string; status: string; reason?: string }>> {
  const { stdout } = await exec(process.execPath, [path.join(ROOT, 'bin/yaddas.js'), 'ingest', dir, '--wait', '--json'], {
    env: { ...process.env, ...y.env, AWS_ENDPOINT_URL_S3: y.endpoint, YADDAS_LOG_LEVEL: 'warn' },
    maxBuffer: 64 * MiB,
  }).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '[]', stderr: e.stderr }));
  const results = JSON.parse(stdout) as Array<{ id: string; status: string; reason?: string }>;
  for (const r of results) if (r.status !== 'preserved') throw new Error(`not preserved: ${JSON.stringify(r)}`);
  return results;
}

/** Peak resident memory (VmHWM) of the supervisor and each stage process, by role. */
async function peakMemory(y: Yaddas): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const read = async (pid: number) => {
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  };
  out['supervisor + embedded S3'] = await read(y.child.pid!);
  for (const pid of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== y.child.pid) continue;
    const cmd = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    const role = /workers\/(\w+)\.js/.exec(cmd)?.[1];
    if (role) out[role] = await read(Number(pid));
  }
  return out;
}

async function waitPreserved(y: Yaddas, sourceName: string, timeoutMs: number): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const id of await redis.zrevrange(`${y.prefix}:yd:ingests`, 0, 20)) {
        const rec = await redis.hgetall(`${y.prefix}:yd:ingest:${id}`);
        if (rec.sourceName !== sourceName) continue;
        if (rec.status === 'preserved') return;
        if (rec.status === 'rejected' || rec.status === 'failed') throw new Error(`${sourceName}: ${rec.status}: ${rec.reason}`);
      }
      if (Date.now() > deadline) throw new Error(`${sourceName} not preserved in time`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    redis.disconnect();
  }
}

async function cleanRedis(prefix: string): Promise<void> {
  const r = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await r.unlink(...keys);
  } while (cursor !== '0');
  r.disconnect();
}

async function main(): Promise<void> {
  await fs.rm(WORK, { recursive: true, force: true });
  await fs.mkdir(WORK, { recursive: true });
  const bytes = Math.round(GB * 1024 * MiB);
  say(`Yaddaş benchmark — ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString()}`);
  say(`input: a ${GB} GiB master, ${PAGES} pages of 2480×3508 (300 dpi A4) LZW TIFF; embedded S3 (s3rver) and Redis on this machine\n`);

  // 1. Checksum pass, page cache warm (the file was just written).
  const big = path.join(WORK, 'src/big-1/atlas.pdf');
  await bigPdf(big, bytes);
  await fs.writeFile(path.join(WORK, 'src/big-1/metadata.json'), JSON.stringify({ identifier: `bench-big-${randomBytes(3).toString('hex')}`, type: 'map' }));
  await exec('sh', ['-c', `cat "${big}" > /dev/null`]);
  const size = (await fs.stat(big)).size;
  const ours = await timed(() => digestFile(big));
  const peer = await timed(() => exec('sha512sum', [big]));
  const mbps = size / 1e6 / (ours.ms / 1000);
  say(`checksum pass: SHA-512+SHA-256+MD5 in one read ${mbps.toFixed(0)} MB/s; sha512sum alone ${(size / 1e6 / (peer.ms / 1000)).toFixed(0)} MB/s (warm page cache)`);
  rows.push({ what: 'checksum pass, 3 digests', value: `${mbps.toFixed(0)} MB/s`, target: '≥ 200 MB/s', verdict: mbps >= 200 ? 'PASS' : 'MISS' });

  const y = await startYaddas();
  let failed = false;
  try {
    // 2. The 1 GiB master through `yaddas ingest --wait`, then the peer on the same S3.
    const viaCli = await timed(() => yaddasIngest(y, path.join(WORK, 'src/big-1')));
    const env = awsEnv();
    const copy = path.join(WORK, 'peer-copy.bin');
    const peerRun = await timed(async () => {
      await exec(AWS, ['--endpoint-url', y.endpoint, 's3', 'cp', big, 's3://yaddas-access/bench/peer.bin', '--only-show-errors'], { env });
      await exec(AWS, ['--endpoint-url', y.endpoint, 's3', 'cp', 's3://yaddas-access/bench/peer.bin', copy, '--only-show-errors'], { env });
      await exec('sha512sum', [copy]);
    });
    await fs.rm(copy, { force: true });
    say(`${GB} GiB master, yaddas ingest --wait (copy into staging, inspect, hash+upload, read back, OCFL commit): ${secs(viaCli.ms)}`);
    say(`${GB} GiB master, awscli upload + download + sha512sum: ${secs(peerRun.ms)}`);

    // The inbox path: a rename into the inbox (what staff's drop becomes), minus the quiet period.
    const big2 = path.join(WORK, 'src/big-2');
    await fs.mkdir(big2, { recursive: true });
    await fs.rename(big, path.join(big2, 'atlas.pdf'));
    await fs.writeFile(path.join(big2, 'metadata.json'), JSON.stringify({ identifier: `bench-big-${randomBytes(3).toString('hex')}`, type: 'map' }));
    const viaInbox = await timed(async () => {
      await fs.rename(big2, path.join(WORK, 'inbox/big-2'));
      await waitPreserved(y, 'big-2', 600_000);
    });
    const inboxMs = viaInbox.ms - 1000;
    say(`${GB} GiB master dropped in the inbox (rename), to preserved, minus the 1 s quiet period: ${secs(inboxMs)}`);
    rows.push({ what: `${GB} GiB master, inbox drop`, value: secs(inboxMs), target: `≤ awscli ${secs(peerRun.ms)}`, verdict: inboxMs <= peerRun.ms ? 'PASS' : 'MISS' });
    rows.push({ what: `${GB} GiB master, yaddas ingest (copies first)`, value: secs(viaCli.ms), target: `≤ awscli ${secs(peerRun.ms)}`, verdict: viaCli.ms <= peerRun.ms ? 'PASS' : 'MISS' });

    // 3. Peak memory so far: the 1 GiB runs are the largest thing these processes did.
    const mem = await peakMemory(y);
    say(`peak memory (VmHWM) of each process while preserving the ${GB} GiB masters:`);
    for (const [role, mb] of Object.entries(mem)) {
      say(`  ${role.padEnd(26)} ${mb.toFixed(0)} MB`);
      if (role !== 'supervisor + embedded S3') rows.push({ what: `peak memory, ${role}`, value: `${mb.toFixed(0)} MB`, target: '< 300 MB', verdict: mb < 300 ? 'PASS' : 'MISS' });
    }

    // 4. Fifty pages of 300-dpi A4 TIFFs.
    const pagesDir = path.join(WORK, 'src/pages');
    await fs.mkdir(pagesDir, { recursive: true });
    let total = 0;
    for (let i = 1; i <= PAGES; i++) {
      const page = (await scanLikePage({ width: 2480, height: 3508, seed: i, dpi: 300 }))!;
      total += page.length;
      await fs.writeFile(path.join(pagesDir, `${String(i).padStart(4, '0')}.tif`), page);
    }
    await fs.writeFile(path.join(pagesDir, 'metadata.json'), JSON.stringify({ identifier: `bench-book-${randomBytes(3).toString('hex')}`, type: 'book' }));
    const book = await timed(() => yaddasIngest(y, pagesDir));
    const ppm = PAGES / (book.ms / 60_000);
    say(`${PAGES} pages (${(total / 1e6).toFixed(0)} MB of LZW TIFF): ${secs(book.ms)}, ${ppm.toFixed(0)} pages/min, ${(total / 1e6 / (book.ms / 1000)).toFixed(0)} MB/s`);
    rows.push({ what: `${PAGES} pages of 300-dpi A4 TIFF`, value: `${secs(book.ms)} (${ppm.toFixed(0)} pages/min)`, target: '(reported)', verdict: '' });
  } catch (err) {
    failed = true;
    say(`benchmark broke: ${(err as Error).message}`);
  } finally {
    const exited = new Promise((r) => y.child.once('exit', r));
    y.child.kill('SIGTERM');
    await exited;
    await cleanRedis(y.prefix);
  }

  say('\nsummary');
  for (const r of rows) say(`  ${r.what.padEnd(44)} ${r.value.padEnd(26)} ${r.target.padEnd(22)} ${r.verdict}`);
  if (!process.argv.includes('--keep')) await fs.rm(WORK, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}

await main();
