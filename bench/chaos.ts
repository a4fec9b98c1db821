/**
 * `npm run chaos` (issue 10, item 8): a whole Yaddaş under abuse, then proof that nothing was
 * lost, changed or doubled. It is a script, not a timed test: it takes 10–25 minutes.
 *
 * Everything it uses is its own, so that it can break it without touching anyone else's: a private
 * redis-server with AOF (Debian's), the embedded S3 server (s3rver, `dist/workers/s3.js`) as a
 * process of its own that Yaddaş reaches as an external endpoint (so that the supervisor does not
 * restart it behind our back), temporary inbox, staging and rejected areas, a unique Redis key
 * prefix, and ports in 7100–7199 (none of which is on the fetch standard's list of bad ports).
 *
 * It makes its own material (so that it knows the ground truth: every original's SHA-512), starts
 * the supervisor (`dist/workers/all.js`), drops the items into the inbox over a few minutes, and
 * meanwhile SIGKILLs random stage processes, restarts Redis once and stops S3 for 30 s. Then it
 * waits until everything has settled and checks the result with Yaddaş's own code (the ingest
 * records, the OCFL validator, the queues) and with its own reading of both buckets and the event
 * stream. Exit status 1 when a check fails; every process it started is stopped whatever happens.
 *
 * Knobs: CHAOS_KILLS (default 20, at least 15), CHAOS_TIMEOUT_MINUTES (30), CHAOS_KEEP=1 keeps the
 * work folder (kept anyway when a check fails).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { redisAnswers } from '../src/adapters/redis/connection.js';
import { type App, createApp } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import type { IngestRecord } from '../src/domain/ingest-record.js';
import { createLogger } from '../src/log.js';
import { queueStates } from '../src/ops/operations.js';
import { AUDIT_QUEUE } from '../src/pipeline/plan.js';
import { itemKeys } from '../src/storage/access-layout.js';
import { LogicalPaths, type Inventory } from '../src/storage/ocfl.core.js';
import { validateObject } from '../src/storage/ocfl-validate.js';
import { TEXTS, wrap } from '../tests/helpers/text-pages.js';
import { sleep } from './lib/proc.js';
import { say, table } from './lib/report.js';
import { rolePids } from './lib/yaddas.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, HERE.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
const REDIS_SERVER = '/usr/bin/redis-server';
const KILLS = Math.max(15, Number(process.env.CHAOS_KILLS ?? 20));
const TIMEOUT_MS = Number(process.env.CHAOS_TIMEOUT_MINUTES ?? 30) * 60_000;
const S3_OUTAGE_MS = 30_000;
/** Items are dropped over this long, so that kills and outages meet items at every step. */
const DROP_SPAN_MS = 240_000;
const PRESERVATION_BUCKET = 'yaddas-preservation';
const ACCESS_BUCKET = 'yaddas-access';

// ---- ground truth ------------------------------------------------------------------------------

interface Page {
  name: string;
  sha512: string;
  size: number;
}

interface Item {
  /** the name it is dropped under: a folder, or a single image file */
  source: string;
  /** metadata.json's identifier (the item id); null for a single file, whose id Yaddaş makes */
  identifier: string | null;
  kind: 'book' | 'album' | 'photo';
  /** OCR on ingest: a second OCFL version holds the text */
  ocr: boolean;
  pages: Page[];
}

/**
 * The audit queue always holds its schedulers' next runs (the audit sweep, the embargo lift) as
 * delayed jobs: they are not work left over.
 */
async function schedulerRuns(app: App): Promise<number> {
  const delayed = await app.queues.bullQueue(AUDIT_QUEUE).getDelayed(0, -1);
  return delayed.filter((j) => j.id?.startsWith('repeat:')).length;
}

/** Books are OCRed (v1 masters, v2 text); photo albums and single photographs are not. */
const BOOKS = [14, 12, 10, 8, 6, 4, 2];
const ALBUMS = [12, 10, 8, 8, 4, 2];
const PHOTOS = 3;

const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

/** A small deterministic generator, so that each page's words come in an order of their own. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A 150-dpi A5-ish page of real English text (so that OCR has words to find), grey LZW TIFF. */
async function bookPage(title: string, page: number, seed: number): Promise<Buffer> {
  const r = rng(seed);
  const words = TEXTS.eng.split(/\s+/).sort(() => r() - 0.5);
  const lines = wrap(`${title}, page ${page}. ${words.join(' ')}`, 46);
  const body = lines.map((l, i) => `<text x="110" y="${170 + i * 54}">${esc(l)}</text>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1240" height="1754"><rect width="100%" height="100%" fill="#fbfaf6"/><g font-family="DejaVu Serif" font-size="34" fill="#1a1a1a">${body}</g></svg>`;
  return sharp(Buffer.from(svg))
    .greyscale()
    .withMetadata({ density: 150 })
    .tiff({ compression: 'lzw', xres: 150 / 25.4, yres: 150 / 25.4 })
    .toBuffer();
}

/** A colour "photograph" (grain and shapes placed at random), JPEG. */
async function photo(seed: number): Promise<Buffer> {
  const r = rng(seed);
  const shapes = Array.from({ length: 14 }, () => {
    const c = `rgb(${Math.floor(r() * 255)},${Math.floor(r() * 255)},${Math.floor(r() * 255)})`;
    return `<circle cx="${Math.floor(r() * 1600)}" cy="${Math.floor(r() * 1200)}" r="${40 + Math.floor(r() * 260)}" fill="${c}" fill-opacity="0.7"/>`;
  }).join('');
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1200">${shapes}</svg>`);
  return sharp({
    create: { width: 1600, height: 1200, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 140, sigma: 12 } },
  })
    .composite([{ input: svg }])
    .jpeg({ quality: 88 })
    .toBuffer();
}

/** Writes every item under `dir` and returns what it wrote, with each original's SHA-512. */
async function makeMaterial(dir: string, tag: string): Promise<Item[]> {
  const items: Item[] = [];
  let seed = Number.parseInt(tag.slice(0, 6), 16);
  const write = async (file: string, bytes: Buffer): Promise<Page> => {
    await fs.writeFile(file, bytes);
    return { name: path.basename(file), sha512: sha512(bytes), size: bytes.length };
  };
  const folder = async (kind: 'book' | 'album', n: number, pages: number) => {
    const id = `chaos-${tag}-${kind}-${String(n).padStart(2, '0')}`;
    const title = `${kind === 'book' ? 'Chaos book' : 'Chaos album'} ${n}`;
    const d = path.join(dir, id);
    await fs.mkdir(d, { recursive: true });
    const metadata =
      kind === 'book' ? { identifier: id, title, type: 'book', ocrLanguages: 'eng' } : { identifier: id, title, type: 'photograph' };
    await fs.writeFile(path.join(d, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
    const item: Item = { source: id, identifier: id, kind, ocr: kind === 'book', pages: [] };
    for (let p = 1; p <= pages; p++) {
      const bytes = kind === 'book' ? await bookPage(title, p, ++seed) : await photo(++seed);
      item.pages.push(await write(path.join(d, `${String(p).padStart(3, '0')}.${kind === 'book' ? 'tif' : 'jpg'}`), bytes));
    }
    items.push(item);
  };
  for (const [i, n] of BOOKS.entries()) await folder('book', i + 1, n);
  for (const [i, n] of ALBUMS.entries()) await folder('album', i + 1, n);
  for (let i = 1; i <= PHOTOS; i++) {
    const name = `chaos-${tag}-photo-${i}.jpg`;
    items.push({
      source: name,
      identifier: null,
      kind: 'photo',
      ocr: false,
      pages: [await write(path.join(dir, name), await photo(++seed))],
    });
  }
  const digests = items.flatMap((it) => it.pages.map((p) => p.sha512));
  // The duplicate-page checks below rely on every page being unique.
  if (new Set(digests).size !== digests.length) throw new Error('two generated pages came out identical');
  return items;
}

// ---- processes ---------------------------------------------------------------------------------

const t0 = performance.now();
const at = () => `+${((performance.now() - t0) / 1000).toFixed(1)}s`.padStart(8);
const note = (s: string) => say(`${at()}  ${s}`);
const rand = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1_000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** `n` ports of 7100–7199 that nobody listens on, in random order. */
async function freePorts(n: number): Promise<number[]> {
  const candidates = Array.from({ length: 100 }, (_, i) => 7100 + i).sort(() => Math.random() - 0.5);
  const out: number[] = [];
  for (const p of candidates) {
    if (out.length === n) break;
    if (!(await portAnswers(p)) && (await canListen(p))) out.push(p);
  }
  if (out.length < n) throw new Error('not enough free ports in 7100-7199');
  return out;
}

async function until(what: string, ms: number, test: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await sleep(200);
  }
}

/** The caller's environment without anything that would point Yaddaş at other services. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(YADDAS_|AWS_|REDIS_URL$|NODE_ENV$)/.test(k)) delete env[k];
  return env;
}

/** A process we started, in a process group of its own so that Ctrl-C reaches only this script. */
interface Proc {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
}

async function startProc(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, logFile: string | null): Promise<Proc> {
  const out = logFile ? await fs.open(logFile, 'a') : null;
  const child = spawn(cmd, args, { env, detached: true, stdio: ['ignore', out?.fd ?? 'ignore', out?.fd ?? 'ignore'] });
  await out?.close();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  live.add(child);
  void exited.then(() => live.delete(child));
  return { name, child, exited };
}

const running = (p: Proc | undefined): p is Proc => p !== undefined && p.child.exitCode === null && p.child.signalCode === null;

/** SIGTERM, and SIGKILL (to its whole group when `group`) if it has not gone after `graceMs`. */
async function stopProc(p: Proc | undefined, graceMs: number, group = false): Promise<'stopped' | 'killed' | 'gone'> {
  if (!running(p)) return 'gone';
  p.child.kill('SIGTERM');
  if (await Promise.race([p.exited.then(() => true), sleep(graceMs).then(() => false)])) {
    if (group) killGroup(p);
    return 'stopped';
  }
  killGroup(p);
  p.child.kill('SIGKILL');
  await p.exited;
  return 'killed';
}

/** The supervisor's stage processes are in its process group (it was started detached). */
function killGroup(p: Proc): void {
  try {
    process.kill(-p.child.pid!, 'SIGKILL');
  } catch {
    // the group is empty already
  }
}

/** Every child still running, so that even a crash of this script leaves none behind. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      c.kill('SIGKILL');
    }
  }
});

// ---- the run -----------------------------------------------------------------------------------

interface Kill {
  at: number;
  role: string;
  pid: number;
  /** jobs of its queue running at the time (somewhere) */
  active: number;
}

interface Figures {
  kills: Kill[];
  redisRestarts: number;
  redisDownMs: number;
  redisKeys: [number, number];
  s3OutageMs: number;
  s3Stop: string;
  materialMs: number;
  upMs: number;
  chaosMs: number;
  settleMs: number;
  timedOut: boolean;
}

interface Check {
  what: string;
  value: string;
  ok: boolean;
  details: string[];
}

class Run {
  readonly tag = randomBytes(4).toString('hex');
  readonly prefix = `chaos-${this.tag}`;
  work = '';
  ports = { redis: 0, s3: 0, console: 0 };
  redis?: Proc;
  s3?: Proc;
  yaddas?: Proc;
  monitor?: Redis;
  app?: App;
  env: NodeJS.ProcessEnv = {};
  items: Item[] = [];
  figures: Figures = {
    kills: [],
    redisRestarts: 0,
    redisDownMs: 0,
    redisKeys: [0, 0],
    s3OutageMs: 0,
    s3Stop: '',
    materialMs: 0,
    upMs: 0,
    chaosMs: 0,
    settleMs: 0,
    timedOut: false,
  };

  get redisUrl() {
    return `redis://127.0.0.1:${this.ports.redis}`;
  }
  dir(name: string) {
    return path.join(this.work, name);
  }

  async setUp(): Promise<void> {
    this.work = await fs.mkdtemp(path.join(os.tmpdir(), 'yaddas-chaos-'));
    for (const d of ['redis', 's3-server', 'data', 'inbox', 'rejected', 'material', 'no-config']) await fs.mkdir(this.dir(d));
    const [redis, s3, consolePort] = await freePorts(3);
    this.ports = { redis: redis!, s3: s3!, console: consolePort! };
    this.env = {
      ...cleanEnv(),
      YADDAS_DATA_DIR: this.dir('data'),
      YADDAS_INBOX: this.dir('inbox'),
      YADDAS_REJECTED_DIR: this.dir('rejected'),
      // Yaddaş's defaults, not whatever a developer has in config/local.json.
      YADDAS_CONFIG_DIR: this.dir('no-config'),
      YADDAS_REDIS_PREFIX: this.prefix,
      REDIS_URL: this.redisUrl,
      // Never a Redis of the supervisor's own: the one that is restarted must be the one in use.
      YADDAS_REDIS_EMBEDDED: 'off',
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${this.ports.s3}`,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      YADDAS_PRESERVATION_BUCKET: PRESERVATION_BUCKET,
      YADDAS_ACCESS_BUCKET: ACCESS_BUCKET,
      YADDAS_CONSOLE_PORT: String(this.ports.console),
      YADDAS_QUIET_SECONDS: '3',
      YADDAS_POLL_SECONDS: '1',
      YADDAS_OCR: 'true',
      YADDAS_OCFL_USER_ADDRESS: 'mailto:chaos@example.org',
      YADDAS_LOG_FORMAT: 'json',
      YADDAS_LOG_LEVEL: 'info',
    };
    await fs.writeFile(
      this.dir('env.sh'),
      `${Object.entries(this.env)
        .filter(([k]) => /^(YADDAS_|AWS_|REDIS_URL)/.test(k))
        .map(([k, v]) => `export ${k}='${v}'`)
        .join('\n')}\n`,
    );
  }

  async startRedis(): Promise<void> {
    const dir = this.dir('redis');
    const args = [
      '--port',
      String(this.ports.redis),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
      '--daemonize',
      'no',
      '--logfile',
      path.join(dir, 'redis.log'),
    ];
    this.redis = await startProc('redis', REDIS_SERVER, args, cleanEnv(), null);
    const r = this.redis;
    await until('redis-server answering', 30_000, async () => {
      if (!running(r)) throw new Error(`redis-server exited; see ${path.join(dir, 'redis.log')}`);
      return redisAnswers(this.redisUrl);
    });
  }

  /** s3rver as Yaddaş runs it embedded, but as an endpoint of ours: same port, same data, every start. */
  async startS3(): Promise<void> {
    const env = {
      ...cleanEnv(),
      YADDAS_DATA_DIR: this.dir('s3-server'),
      YADDAS_S3_PORT: String(this.ports.s3),
      YADDAS_CONFIG_DIR: this.dir('no-config'),
      YADDAS_PRESERVATION_BUCKET: PRESERVATION_BUCKET,
      YADDAS_ACCESS_BUCKET: ACCESS_BUCKET,
      YADDAS_LOG_FORMAT: 'json',
    };
    this.s3 = await startProc('s3', process.execPath, [path.join(ROOT, 'dist/workers/s3.js')], env, this.dir('s3.log'));
    const s = this.s3;
    await until('the S3 server answering', 30_000, async () => {
      if (!running(s)) throw new Error(`the S3 server exited; see ${this.dir('s3.log')}`);
      return portAnswers(this.ports.s3);
    });
  }

  async startYaddas(): Promise<void> {
    const started = performance.now();
    const log = this.dir('yaddas.log');
    this.yaddas = await startProc('yaddas', process.execPath, [path.join(ROOT, 'dist/workers/all.js')], this.env, log);
    const y = this.yaddas;
    await until('Yaddaş saying "all stages running"', 180_000, async () => {
      if (!running(y)) throw new Error(`Yaddaş exited while starting; see ${log}`);
      return readFileSync(log, 'utf8').includes('all stages running');
    });
    this.figures.upMs = performance.now() - started;
    this.monitor = new Redis(this.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2_000 });
    this.monitor.on('error', () => undefined);
  }

  /** Jobs of a queue running now (BullMQ's `<prefix>:<queue>:active` list); 0 when Redis is away. */
  async active(queue: string): Promise<number> {
    try {
      return await Promise.race([this.monitor!.llen(`${this.prefix}:${queue}:active`), sleep(2_000).then(() => 0)]);
    } catch {
      return 0;
    }
  }

  /** Keys in Redis, once the monitor's connection is back (it reconnects on its own). */
  async dbsize(): Promise<number> {
    for (let i = 0; ; i++) {
      try {
        return await this.monitor!.dbsize();
      } catch (err) {
        if (i === 30) throw err;
        await sleep(1_000);
      }
    }
  }

  async drop(): Promise<void> {
    const order = [...this.items].sort(() => Math.random() - 0.5);
    const times = order.map((_, i) => (i === 0 ? 0 : rand(0, DROP_SPAN_MS))).sort((a, b) => a - b);
    const start = performance.now();
    for (const [i, item] of order.entries()) {
      await sleep(Math.max(0, start + times[i]! - performance.now()));
      // A rename: the item appears whole, as a finished copy would.
      await fs.rename(path.join(this.dir('material'), item.source), path.join(this.dir('inbox'), item.source));
      note(`dropped ${item.source} (${item.pages.length} page${item.pages.length > 1 ? 's' : ''})`);
    }
  }

  /**
   * SIGKILLs a stage process every 5–20 s. Three times in four it is one whose queue has jobs
   * running (killing an idle process proves little), of the stages killed least so far, so that
   * every step gets its share rather than the ones busy longest; otherwise any process but the
   * console's.
   */
  async kill(): Promise<void> {
    while (this.figures.kills.length < KILLS) {
      await sleep(rand(5_000, 20_000));
      const byRole = [...(await rolePids(this.yaddas!.child.pid!)).entries()].filter(([role]) => role !== 'console');
      if (byRole.length === 0) continue;
      const withActive = await Promise.all(
        byRole.map(async ([role, pid]) => ({ role, pid, active: role === 'intake' ? 0 : await this.active(role) })),
      );
      const killed = (role: string) => this.figures.kills.filter((k) => k.role === role).length;
      const busy = withActive.filter((p) => p.active > 0);
      const least = Math.min(...busy.map((p) => killed(p.role)));
      const victim = pick(busy.length > 0 && Math.random() < 0.75 ? busy.filter((p) => killed(p.role) === least) : withActive);
      try {
        process.kill(victim.pid, 'SIGKILL');
      } catch {
        continue; // it had just exited
      }
      this.figures.kills.push({ at: performance.now(), ...victim });
      note(
        `SIGKILL ${victim.role} (pid ${victim.pid}, ${victim.active} job(s) of its queue running) — kill ${this.figures.kills.length}/${KILLS}`,
      );
    }
  }

  /** SIGTERM (Redis writes its AOF and exits, as SHUTDOWN does), then the same server, same dir. */
  async restartRedis(afterMs: number): Promise<void> {
    await sleep(afterMs);
    const before = await this.dbsize();
    const stopped = performance.now();
    note(`stopping Redis (${before} keys)`);
    await stopProc(this.redis, 30_000);
    await sleep(3_000);
    await this.startRedis();
    this.figures.redisDownMs = performance.now() - stopped;
    this.figures.redisRestarts++;
    const after = await this.dbsize();
    this.figures.redisKeys = [before, after];
    note(`Redis back after ${(this.figures.redisDownMs / 1000).toFixed(1)} s (${after} keys restored from its AOF)`);
  }

  async s3Outage(afterMs: number): Promise<void> {
    await sleep(afterMs);
    const stopped = performance.now();
    note('stopping the S3 server');
    // s3rver waits for open keep-alive connections on SIGTERM; after 3 s it is killed outright.
    this.figures.s3Stop = await stopProc(this.s3, 3_000);
    await until('the S3 port closed', 10_000, async () => !(await portAnswers(this.ports.s3)));
    await sleep(Math.max(0, stopped + S3_OUTAGE_MS - performance.now()));
    await this.startS3();
    this.figures.s3OutageMs = performance.now() - stopped;
    note(`S3 server back after ${(this.figures.s3OutageMs / 1000).toFixed(1)} s`);
  }

  async chaos(): Promise<void> {
    const start = performance.now();
    const redisAt = rand(45_000, 110_000);
    const s3At = rand(130_000, 200_000);
    await Promise.all([this.drop(), this.kill(), this.restartRedis(redisAt), this.s3Outage(s3At)]);
    this.figures.chaosMs = performance.now() - start;
  }

  /** Every dropped item has ended (preserved and published, or otherwise) and every queue is idle. */
  async settled(): Promise<{ done: boolean; summary: string }> {
    const app = this.app!;
    const records = await app.status.recent(10_000);
    const bySource = new Map(records.map((r) => [r.sourceName, r]));
    let ended = 0;
    for (const item of this.items) {
      const r = bySource.get(item.source);
      if (r && r.status !== 'queued' && r.status !== 'in-progress' && !r.stage && (r.status !== 'preserved' || r.publication)) ended++;
    }
    let jobs = 0;
    for (const q of await queueStates(app)) {
      const c = q.counts;
      const delayed = (c.delayed ?? 0) - (q.name === AUDIT_QUEUE ? await schedulerRuns(app) : 0);
      jobs += (c.waiting ?? 0) + (c.active ?? 0) + delayed + (c['waiting-children'] ?? 0) + (c.prioritized ?? 0);
    }
    const inflight = (await app.status.inflight()).length;
    return {
      done: ended === this.items.length && jobs === 0 && inflight === 0,
      summary: `${ended}/${this.items.length} items ended, ${jobs} jobs queued or running, ${inflight} ingests in flight`,
    };
  }

  async waitUntilSettled(deadline: number): Promise<void> {
    const started = performance.now();
    const cfg = loadConfig({ env: this.env, configDir: this.dir('no-config') });
    this.app = createApp(cfg, createLogger({ log: { level: 'error', format: 'json' } }, 'chaos', { to: 'stderr' }));
    let last = '';
    let lastSaid = 0;
    let quietTimes = 0;
    for (;;) {
      const s = await this.settled();
      // Settled twice in a row, 5 s apart: a job retried after a backoff shows up in between.
      quietTimes = s.done ? quietTimes + 1 : 0;
      if (quietTimes >= 2) break;
      if (s.summary !== last || performance.now() - lastSaid > 60_000) {
        note(s.summary);
        last = s.summary;
        lastSaid = performance.now();
      }
      if (Date.now() > deadline) {
        this.figures.timedOut = true;
        note(`gave up waiting: ${s.summary}`);
        break;
      }
      await sleep(5_000);
    }
    this.figures.settleMs = performance.now() - started;
  }

  async stopAll(): Promise<void> {
    if (running(this.yaddas)) {
      note('stopping Yaddaş (SIGTERM: it drains)');
      const how = await stopProc(this.yaddas, 120_000, true);
      if (how === 'killed') note('Yaddaş did not stop within 120 s of SIGTERM: killed');
    }
    await this.app?.close().catch(() => undefined);
    this.app = undefined;
    this.monitor?.disconnect();
    await stopProc(this.s3, 3_000);
    await stopProc(this.redis, 30_000);
  }

  // ---- checks ----------------------------------------------------------------------------------

  /** The checks run against our own Redis and S3 after Yaddaş has stopped: nothing moves under them. */
  async check(): Promise<Check[]> {
    const cfg = loadConfig({ env: this.env, configDir: this.dir('no-config') });
    const app = createApp(cfg, createLogger({ log: { level: 'error', format: 'json' } }, 'chaos', { to: 'stderr' }));
    try {
      return await this.checksWith(app);
    } finally {
      await app.close();
    }
  }

  private async checksWith(app: App): Promise<Check[]> {
    const n = this.items.length;
    const allPages = this.items.reduce((k, i) => k + i.pages.length, 0);
    /** a check whose count is of items: those with no problem, out of all */
    const sources = new Set(this.items.map((i) => i.source));
    const perItem = (what: string) => {
      const bad = new Set<string>();
      const details: string[] = [];
      return {
        fail(item: Item | string, why: string) {
          const name = typeof item === 'string' ? item : item.source;
          bad.add(name);
          details.push(`${name}: ${why}`);
        },
        done(extra = ''): Check {
          const failedItems = [...bad].filter((b) => sources.has(b)).length;
          return { what, value: `${n - failedItems}/${n}${extra}`, ok: details.length === 0, details };
        },
      };
    };
    const records: IngestRecord[] = await app.status.recent(10_000);
    const bySource = new Map<string, IngestRecord[]>();
    for (const r of records) bySource.set(r.sourceName, [...(bySource.get(r.sourceName) ?? []), r]);

    // 1. One ingest per dropped item, preserved and published; none of anything else.
    const once = perItem('items preserved and published exactly once');
    const ids = new Map<Item, string>();
    for (const item of this.items) {
      const rs = bySource.get(item.source) ?? [];
      if (rs.length !== 1) {
        once.fail(item, `${rs.length} ingests (${rs.map((x) => `${x.ingestId} ${x.status}`).join(', ')})`);
        if (rs.length === 0) continue;
      }
      const r = rs[0]!;
      ids.set(item, r.itemId);
      if (r.status !== 'preserved' || r.publication !== 'published' || r.unchanged)
        once.fail(
          item,
          `${r.status}${r.code ? ` ${r.code}` : ''}, publication ${r.publication ?? '-'}${r.unchanged ? ', unchanged' : ''}: ${r.reason ?? r.publicationReason ?? ''}`,
        );
      if (item.identifier && r.itemId !== item.identifier) once.fail(item, `item id ${r.itemId}, not ${item.identifier}`);
    }
    const strays = records.filter((r) => !this.items.some((i) => i.source === r.sourceName));
    for (const r of strays) once.fail(`(never dropped) ${r.sourceName}`, `${r.ingestId} ${r.status}`);

    const bytes = { same: 0, details: [] as string[] };
    const valid = perItem('objects valid (OCFL validator, every digest)');
    const versions = perItem('no duplicate versions (v1; v2 = OCR of books)');
    const pagesOcfl = perItem('no duplicate pages (OCFL states and contents)');
    const inventories = new Map<Item, Inventory>();
    let filesRead = 0;
    const warnings = new Map<string, number>();
    for (const item of this.items) {
      const id = ids.get(item);
      if (!id) {
        for (const c of [valid, versions, pagesOcfl]) c.fail(item, 'never taken: no object');
        bytes.details.push(`${item.source}: never taken: no object`);
        continue;
      }
      const root = app.preservation.rootOf(id);

      // 3. The project's OCFL validator, every digest of every file read back.
      const report = await validateObject(app.preservation.store, root, { checkDigests: true });
      filesRead += report.checkedFiles;
      for (const w of report.warnings) warnings.set(w.code, (warnings.get(w.code) ?? 0) + 1);
      if (!report.inventory) valid.fail(item, 'no readable inventory');
      for (const e of report.errors) valid.fail(item, `${e.code} ${e.path ? `${e.path}: ` : ''}${e.message}`);

      const inv = await app.preservation.readInventory(id).catch((err: Error) => {
        bytes.details.push(`${item.source}: inventory unreadable: ${err.message}`);
        return null;
      });
      if (!inv) {
        versions.fail(item, 'no inventory');
        pagesOcfl.fail(item, 'no inventory');
        continue;
      }
      inventories.set(item, inv);

      // 2. Every master read back from the bucket and digested here, against the original's SHA-512.
      const head = inv.versions[inv.head]!.state;
      for (const p of item.pages) {
        const logical = LogicalPaths.master(p.name);
        const digest = Object.entries(head).find(([, paths]) => paths.includes(logical))?.[0];
        const contentPath = digest ? inv.manifest[digest]?.[0] : undefined;
        if (!contentPath) {
          bytes.details.push(`${item.source}: ${logical} is not in the head version ${inv.head}`);
          continue;
        }
        const stream = await app.preservation.store.get(`${root}/${contentPath}`);
        if (!stream) {
          bytes.details.push(`${item.source}: ${contentPath} is missing from the bucket`);
          continue;
        }
        const h = createHash('sha512');
        let size = 0;
        for await (const chunk of stream) {
          h.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
        const got = h.digest('hex');
        if (got === p.sha512 && size === p.size) bytes.same++;
        else
          bytes.details.push(
            `${item.source}: ${contentPath}: ${size} bytes, SHA-512 ${got.slice(0, 16)}…; the original: ${p.size} bytes, ${p.sha512.slice(0, 16)}…`,
          );
      }

      // 4. v1 holds the masters; an OCRed book gets exactly one more version, for its text.
      const expected = item.ocr ? ['v1', 'v2'] : ['v1'];
      const got = Object.keys(inv.versions);
      if (got.join(',') !== expected.join(',')) versions.fail(item, `versions ${got.join(', ')}, expected ${expected.join(', ')}`);

      // 5. In every version each original once under masters/ and nothing else there; each
      // content stored once.
      const want = item.pages.map((p) => LogicalPaths.master(p.name)).sort();
      for (const [v, ver] of Object.entries(inv.versions)) {
        const masters = Object.values(ver.state)
          .flat()
          .filter((lp) => lp.startsWith('masters/'))
          .sort();
        if (masters.join('\n') !== want.join('\n'))
          pagesOcfl.fail(item, `${v} has ${masters.length} master paths for ${want.length} pages`);
        const shared = Object.values(ver.state).filter((paths) => paths.filter((lp) => lp.startsWith('masters/')).length > 1);
        if (shared.length > 0) pagesOcfl.fail(item, `${v}: ${shared.length} digest(s) under more than one master path`);
      }
      for (const [, paths] of Object.entries(inv.manifest))
        if (paths.length > 1) pagesOcfl.fail(item, `one content stored ${paths.length} times: ${paths.join(', ')}`);
    }

    // 6. The access side: one page entry, one canvas and one page folder per page, of the head.
    const access = perItem('no duplicate pages (item.json, manifest, page folders)');
    for (const item of this.items) {
      const id = ids.get(item);
      if (!id) {
        access.fail(item, 'never taken');
        continue;
      }
      const keys = itemKeys(id);
      const record = JSON.parse((await app.access.getBuffer(keys.item))?.toString('utf8') ?? 'null') as {
        pages?: Array<{ name: string; master?: { digests?: { sha512?: string } } }>;
        ocr?: { status?: string; version?: string };
        preservation?: { version?: string };
      } | null;
      const manifest = JSON.parse((await app.access.getBuffer(keys.manifest))?.toString('utf8') ?? 'null') as { items?: unknown[] } | null;
      const folders = await app.access.listFolders(keys.pages);
      const names = (record?.pages ?? []).map((p) => p.name);
      const digests = (record?.pages ?? []).map((p) => p.master?.digests?.sha512);
      if (!record) access.fail(item, 'no item.json');
      else if (names.join('\n') !== item.pages.map((p) => p.name).join('\n')) access.fail(item, `item.json lists ${names.length} pages`);
      else if (digests.join('\n') !== item.pages.map((p) => p.sha512).join('\n'))
        access.fail(item, 'item.json digests differ from the originals');
      if ((manifest?.items?.length ?? 0) !== item.pages.length)
        access.fail(item, `the manifest has ${manifest?.items?.length ?? 0} canvases`);
      if (folders.length !== item.pages.length) access.fail(item, `${folders.length} page folders in the access bucket`);
      // item.json names the version that holds the masters (v1: each item is dropped once) and,
      // for a book, the version that holds its OCR (the head).
      const head = inventories.get(item)?.head;
      if (record && record.preservation?.version !== 'v1')
        access.fail(item, `item.json names masters version ${record.preservation?.version}`);
      if (record && item.ocr && (record.ocr?.status !== 'done' || record.ocr.version !== head))
        access.fail(item, `OCR ${record.ocr?.status ?? 'missing'} in ${record.ocr?.version ?? '-'}, the head is ${head ?? '-'}`);
    }

    // 7. The event stream: one item.published per item, for its head version, and nothing else.
    const events = perItem('item.published exactly once per item');
    const r = new Redis(this.redisUrl, { maxRetriesPerRequest: 1 });
    const entries = await r.xrange(`${this.prefix}:yd:events`, '-', '+').finally(() => r.disconnect());
    const stream = entries.map(([, fields]) => {
      const f = new Map<string, string>();
      for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
      return JSON.parse(f.get('event') ?? '{}') as { id?: string; type?: string; itemId?: string; preservation?: { version?: string } };
    });
    const eventIds = stream.map((e) => e.id);
    if (new Set(eventIds).size !== eventIds.length)
      events.fail('(stream)', `${eventIds.length - new Set(eventIds).size} event id(s) appended twice`);
    for (const item of this.items) {
      const id = ids.get(item);
      const mine = stream.filter((e) => e.itemId === id);
      const published = mine.filter((e) => e.type === 'item.published');
      const head = inventories.get(item)?.head;
      if (published.length !== 1 || published[0]!.preservation?.version !== head)
        events.fail(
          item,
          `${published.length} item.published (${published.map((e) => e.preservation?.version).join(', ')}), head ${head ?? '-'}`,
        );
      if (mine.length !== published.length) events.fail(item, `${mine.length - published.length} other event(s)`);
    }
    const known = new Set(ids.values());
    for (const e of stream.filter((x) => !known.has(x.itemId ?? ''))) events.fail('(stream)', `an event for ${e.itemId}, never dropped`);

    // 8. Nothing stuck: no job in any state but completed, no ingest in flight, failed or
    // rejected, nothing left in the inbox, staging or rejected areas.
    const left: string[] = [];
    let jobsLeft = 0;
    for (const q of await queueStates(app)) {
      for (const [state, n] of Object.entries(q.counts)) {
        const k = n - (q.name === AUDIT_QUEUE && state === 'delayed' ? await schedulerRuns(app) : 0);
        if (state === 'completed' || k === 0) continue;
        jobsLeft += k;
        left.push(`queue ${q.name}: ${k} ${state}`);
      }
      if (q.paused) left.push(`queue ${q.name} is paused`);
    }
    const inflight = (await app.status.inflight()).length;
    const failed = (await app.status.listed('failed', 0)).total;
    const rejected = (await app.status.listed('rejected', 0)).total;
    if (inflight) left.push(`${inflight} ingest(s) in flight`);
    if (failed) left.push(`${failed} failed ingest(s)`);
    if (rejected) left.push(`${rejected} rejected ingest(s)`);
    const cfg = app.config;
    const entriesOf = async (d: string) => (existsSync(d) ? await fs.readdir(d) : []);
    let folderLeft = 0;
    for (const [area, d] of [
      ['inbox', cfg.inbox],
      ['staging', cfg.intake.stagingDir],
      ['rejected', cfg.intake.rejectedDir],
    ] as const) {
      for (const e of await entriesOf(d)) {
        const inside = await fs.readdir(path.join(d, e)).catch(() => [] as string[]);
        folderLeft++;
        left.push(`${area}: ${e}${inside.length === 0 ? ' (an empty folder)' : ` (${inside.join(', ')})`}`);
      }
    }
    const done = await entriesOf(cfg.intake.doneDir);
    if (done.length !== n) left.push(`${done.length} ingests in the done area for ${n} items`);

    return [
      once.done(strays.length ? `, ${strays.length} stray ingest(s)` : ''),
      {
        what: 'originals byte-identical in storage (SHA-512)',
        value: `${bytes.same}/${allPages} pages`,
        ok: bytes.same === allPages && bytes.details.length === 0,
        details: bytes.details,
      },
      valid.done(
        ` (${filesRead} files read back; warnings: ${[...warnings.entries()].map(([code, k]) => `${code} ×${k}`).join(', ') || 'none'})`,
      ),
      versions.done(),
      pagesOcfl.done(),
      access.done(),
      events.done(` (${stream.length} events in the stream)`),
      {
        what: 'nothing stuck (queues, records, folders)',
        value: `${jobsLeft} jobs left, ${inflight} in flight, ${failed} failed, ${rejected} rejected, ${folderLeft} left in inbox/staging/rejected`,
        ok: left.length === 0,
        details: left,
      },
    ];
  }
}

/** Errors Yaddaş logged, grouped by process and message, and the processes the supervisor restarted. */
function logSummary(file: string): { restarts: Map<string, number>; errors: Array<[string, number]> } {
  const restarts = new Map<string, number>();
  const errors = new Map<string, number>();
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const e = JSON.parse(line) as { level?: number; msg?: string; proc?: string; role?: string; err?: { message?: string } };
      if ((e.level ?? 0) < 50) continue;
      if (/exited; restarting/.test(e.msg ?? '')) {
        restarts.set(e.role ?? '?', (restarts.get(e.role ?? '?') ?? 0) + 1);
        continue;
      }
      const key = `${e.proc ?? '?'}: ${(e.msg ?? '').slice(0, 110)}${e.err?.message ? ` (${e.err.message.slice(0, 80)})` : ''}`;
      errors.set(key, (errors.get(key) ?? 0) + 1);
    } catch {
      // a line cut off by a kill
    }
  }
  return { restarts, errors: [...errors.entries()].sort((a, b) => b[1] - a[1]) };
}

const mmss = (ms: number) => `${Math.floor(ms / 60_000)}m ${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;

function report(run: Run, checks: Check[]): boolean {
  const f = run.figures;
  const pages = run.items.reduce((n, i) => n + i.pages.length, 0);
  const byRole = new Map<string, number>();
  for (const k of f.kills) byRole.set(k.role, (byRole.get(k.role) ?? 0) + 1);
  const logs = logSummary(run.dir('yaddas.log'));
  const restarts = [...logs.restarts.values()].reduce((a, b) => a + b, 0);
  const books = run.items.filter((i) => i.kind === 'book');
  say('');
  say('Chaos run');
  say(
    table(
      ['figure', 'value'],
      [
        ['items', `${run.items.length} (${books.length} books, OCRed; ${ALBUMS.length} photo albums; ${PHOTOS} single photographs)`],
        ['pages', `${pages} (${books.reduce((n, i) => n + i.pages.length, 0)} OCRed)`],
        [
          'stage processes killed (SIGKILL)',
          `${f.kills.length}, ${f.kills.filter((k) => k.active > 0).length} while their queue had jobs running: ${[...byRole.entries()]
            .sort((a, b) => b[1] - a[1])
            .map(([r, n]) => `${r} ${n}`)
            .join(', ')}`,
        ],
        ['restarts by the supervisor', `${restarts} (${restarts - f.kills.length} beyond the kills)`],
        [
          'Redis restarts',
          `${f.redisRestarts} (SIGTERM, down ${(f.redisDownMs / 1000).toFixed(1)} s; ${f.redisKeys[0]} keys just before, ${f.redisKeys[1]} from the AOF after: locks and jobs moved meanwhile)`,
        ],
        [
          'S3 outage',
          `${(f.s3OutageMs / 1000).toFixed(1)} s (${f.s3Stop === 'killed' ? 'SIGKILLed: it did not stop within 3 s of SIGTERM' : f.s3Stop === 'stopped' ? 'stopped by SIGTERM' : 'not run'})`,
        ],
        [
          'elapsed',
          `${mmss(performance.now() - t0)} (material ${mmss(f.materialMs)}, start-up ${mmss(f.upMs)}, chaos ${mmss(f.chaosMs)}, then until settled ${mmss(f.settleMs)}${f.timedOut ? ', TIMED OUT' : ''})`,
        ],
      ],
    ),
  );
  say('');
  say(
    table(
      ['check', 'count', 'result'],
      checks.map((c) => [c.what, c.value, c.ok ? 'PASS' : 'FAIL']),
    ),
  );
  for (const c of checks.filter((x) => !x.ok)) {
    say('');
    say(`${c.what}: FAIL`);
    for (const d of c.details.slice(0, 30)) say(`  - ${d}`);
    if (c.details.length > 30) say(`  … and ${c.details.length - 30} more`);
  }
  if (logs.errors.length > 0) {
    say('');
    say(`Errors Yaddaş logged (${logs.errors.reduce((n, [, c]) => n + c, 0)}; expected under chaos, listed to look into):`);
    for (const [m, n] of logs.errors.slice(0, 12)) say(`  ${String(n).padStart(4)}  ${m}`);
  }
  return checks.every((c) => c.ok) && !f.timedOut;
}

async function main(): Promise<number> {
  if (!existsSync(REDIS_SERVER)) {
    say(`${REDIS_SERVER} is not installed (apt-get install redis-server, or scripts/setup.sh): the chaos run needs a Redis of its own.`);
    return 2;
  }
  if (!existsSync(path.join(ROOT, 'dist/workers/all.js'))) {
    say('dist/ is missing: run `npm run chaos` (it builds first).');
    return 2;
  }
  const run = new Run();
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) process.exit(130); // a second Ctrl-C: the exit hook kills what is left
    interrupted = true;
    note(`${sig}: stopping everything this run started`);
    void run.stopAll().finally(() => {
      say(`work folder kept: ${run.work}`);
      process.exit(130);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let ok = false;
  try {
    await run.setUp();
    say(`Yaddaş chaos run — ${os.cpus().length} CPUs, Node ${process.version}, ${new Date().toISOString()}`);
    say(`  work folder ${run.work} (env.sh, yaddas.log, s3.log, redis/redis.log)`);
    say(
      `  Redis 127.0.0.1:${run.ports.redis} (AOF), S3 127.0.0.1:${run.ports.s3}, console 127.0.0.1:${run.ports.console}, prefix ${run.prefix}`,
    );
    let started = performance.now();
    run.items = await makeMaterial(run.dir('material'), run.tag);
    run.figures.materialMs = performance.now() - started;
    note(`material made: ${run.items.length} items, ${run.items.reduce((n, i) => n + i.pages.length, 0)} pages`);
    await run.startRedis();
    await run.startS3();
    await run.startYaddas();
    note(
      `Yaddaş up in ${(run.figures.upMs / 1000).toFixed(1)} s; the chaos begins (${KILLS} kills, a Redis restart, ${S3_OUTAGE_MS / 1000} s without S3)`,
    );
    started = Date.now();
    await run.chaos();
    note('chaos over; waiting for everything to settle');
    await run.waitUntilSettled(started + TIMEOUT_MS);
    // The checks read a still world: Yaddaş drained and stopped, Redis and S3 still ours.
    if (running(run.yaddas)) {
      note('stopping Yaddaş (SIGTERM: it drains)');
      await stopProc(run.yaddas, 120_000, true);
    }
    await run.app?.close();
    run.app = undefined;
    note('checking');
    const checks = await run.check();
    ok = report(run, checks);
  } catch (err) {
    say(`\nthe chaos run itself failed: ${(err as Error).stack ?? err}`);
  } finally {
    await run.stopAll();
    if (ok && process.env.CHAOS_KEEP !== '1') await fs.rm(run.work, { recursive: true, force: true });
    else if (run.work) say(`\nwork folder kept: ${run.work}`);
  }
  say(ok ? '\nchaos run: every check passed' : '\nchaos run: FAILED');
  return ok ? 0 : 1;
}

process.exitCode = await main();
// Nothing of ours is left running; open handles (a Redis reconnect timer) must not keep us here.
process.exit();
