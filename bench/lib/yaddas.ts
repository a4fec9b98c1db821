/**
 * Yaddaş as the benchmark runs it: the real supervisor (`dist/workers/all.js`) with the embedded
 * S3 server on a free port and a private Redis key prefix, its CLI, and what Redis says about
 * each ingest.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { PLAN, QUEUE_NAMES, STAGES } from '../../src/pipeline/plan.js';
import { alive, childPids, freePort, run, sleep, workerRole, type RunResult } from './proc.js';

export const AWS = '/usr/bin/aws'; // Debian's awscli; another `aws` may come first on PATH
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The roles the supervisor runs, one process each: the inbox watcher and a worker per queue. */
export const ROLES: readonly string[] = ['intake', ...QUEUE_NAMES];

export interface Yaddas {
  child: ChildProcess;
  pid: number;
  /** the environment Yaddaş runs with (also given to its CLI) */
  env: NodeJS.ProcessEnv;
  endpoint: string;
  prefix: string;
  inbox: string;
  accessBucket: string;
  quietSeconds: number;
  logFile: string;
  /** role → pid of its process when Yaddaş had come up (to notice restarts) */
  pids: Map<string, number>;
}

/** The caller's environment without anything that would point Yaddaş or awscli elsewhere. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_PROFILE']) delete env[k];
  return env;
}

/** Starts the supervisor (which starts the embedded S3 server, then one process per role). */
export async function startYaddas(
  work: string,
  root: string,
  quietSeconds: number,
  extraEnv: Record<string, string> = {},
): Promise<Yaddas> {
  const port = Number(extraEnv.YADDAS_S3_PORT ?? (await freePort()));
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const inbox = path.join(work, 'inbox');
  const yaddasEnv = {
    YADDAS_DATA_DIR: path.join(work, 'data'),
    YADDAS_INBOX: inbox,
    YADDAS_REJECTED_DIR: path.join(work, 'rejected'),
    // Measure the defaults, not whatever a developer has in config/local.json.
    YADDAS_CONFIG_DIR: path.join(work, 'no-config'),
    YADDAS_REDIS_PREFIX: prefix,
    YADDAS_S3_PORT: String(port),
    YADDAS_QUIET_SECONDS: String(quietSeconds),
    YADDAS_POLL_SECONDS: '0.5',
    YADDAS_LOG_FORMAT: 'json',
    YADDAS_LOG_LEVEL: 'warn',
    // Issue 2's figures are about preservation; the OCR benchmark (bench/ocr.ts) turns OCR on.
    YADDAS_OCR: 'false',
    // One process per stage unless a benchmark asks otherwise: the figures by process (memory,
    // CPU, the chaos run's kills) are per stage.
    YADDAS_PROCESSES: 'per-stage',
    ...extraEnv,
  };
  const env = { ...cleanEnv(), ...yaddasEnv };
  const logFile = path.join(work, 'yaddas.log');
  const out = await fs.open(logFile, 'w');
  const child = spawn(process.execPath, [path.join(root, 'dist/workers/all.js')], { env, stdio: ['ignore', out.fd, out.fd] });
  await out.close(); // the child has its own copy of the descriptor
  return {
    child,
    pid: child.pid!,
    env,
    endpoint: `http://127.0.0.1:${port}`,
    prefix,
    inbox,
    accessBucket: process.env.YADDAS_ACCESS_BUCKET ?? 'yaddas-access',
    quietSeconds,
    logFile,
    pids: new Map(),
  };
}

/** awscli's environment for the embedded S3 server: its fixed credentials, no user config. */
export function awsEnv(y: Yaddas): NodeJS.ProcessEnv {
  const none = path.join(path.dirname(y.logFile), 'no-aws-config');
  return {
    ...cleanEnv(),
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REGION: 'us-east-1',
    AWS_PAGER: '',
    // awscli's defaults (8 MB parts, 10 threads), whatever ~/.aws says
    AWS_CONFIG_FILE: none,
    AWS_SHARED_CREDENTIALS_FILE: none,
  };
}

export function aws(y: Yaddas, args: string[]): Promise<RunResult> {
  return run(AWS, ['--endpoint-url', y.endpoint, ...args], awsEnv(y));
}

/** BullMQ names each worker's connection `<prefix>:<base64 of the queue name>` (CLIENT SETNAME). */
async function queuesWithWorkers(redis: Redis, prefix: string): Promise<string[]> {
  const names = new Set([...String(await redis.client('LIST')).matchAll(/ name=(\S+)/g)].map((m) => m[1]!));
  const has = (q: string) => {
    const base = `${prefix}:${Buffer.from(q).toString('base64')}`;
    return [...names].some((n) => n === base || n.startsWith(`${base}:w:`));
  };
  return QUEUE_NAMES.filter(has);
}

/**
 * Waits until Yaddaş can take work: awscli lists the embedded server's buckets (made before the
 * stage processes start), every queue has a worker in Redis, and every role has its process.
 * The log is at `warn`, so it cannot be watched for "started" lines.
 */
export async function waitUntilUp(y: Yaddas, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const check = (what: string) => {
    if (y.child.exitCode !== null) throw new Error(`Yaddaş exited (${y.child.exitCode}) while starting; its log:\n${tail(y.logFile)}`);
    if (Date.now() > deadline) throw new Error(`Yaddaş did not come up in ${timeoutMs / 1000} s (${what}); its log:\n${tail(y.logFile)}`);
  };
  for (;;) {
    const ls = await aws(y, ['s3', 'ls']);
    if (ls.code === 0 && ls.stdout.includes(y.accessBucket)) break;
    check('S3 not answering');
    await sleep(300);
  }
  // The replicate worker runs only where replicas are configured.
  const queues = QUEUE_NAMES.filter((q) => q !== 'replicate' || y.env.YADDAS_COPIES_FILE);
  const roles = y.env.YADDAS_PROCESSES === 'one' ? ['stages'] : ROLES.filter((r) => r !== 'replicate' || y.env.YADDAS_COPIES_FILE);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    for (;;) {
      const ready = await queuesWithWorkers(redis, y.prefix);
      if (queues.every((q) => ready.includes(q))) break;
      check(`workers of ${queues.filter((q) => !ready.includes(q)).join(', ')} not registered`);
      await sleep(200);
    }
  } finally {
    redis.disconnect();
  }
  for (;;) {
    y.pids = await rolePids(y.pid);
    if (roles.every((r) => y.pids.has(r))) break;
    check('not every role has its process');
    await sleep(200);
  }
  // The watcher's first scan comes after its recovery pass; give it a moment.
  await sleep(2_000);
}

/** role → pid of the supervisor's children. */
export async function rolePids(supervisor: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const pid of await childPids(supervisor)) {
    const role = await workerRole(pid);
    if (role) out.set(role, pid);
  }
  return out;
}

export interface CliItem {
  path: string;
  id: string | null;
  ingestId: string | null;
  status: string;
  version?: string;
  reason?: string;
}

/** `yaddas ingest DIR --wait --json`, timed from start to exit. */
export async function ingestViaCli(y: Yaddas, root: string, dir: string): Promise<{ ms: number; items: CliItem[]; stderr: string }> {
  const r = await run(process.execPath, [path.join(root, 'bin/yaddas.js'), 'ingest', dir, '--wait', '--json'], {
    ...y.env,
    AWS_ENDPOINT_URL_S3: y.endpoint,
  });
  let items: CliItem[];
  try {
    items = JSON.parse(r.stdout) as CliItem[];
  } catch {
    throw new Error(`yaddas ingest exited ${r.code} without JSON results: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return { ms: r.ms, items, stderr: r.stderr };
}

/**
 * Follows one ingest's record in Redis, found by its source name (the item's folder name), and
 * notes when each step begins, sampling every 100 ms. The record is `<prefix>:yd:ingest:<id>`;
 * `<prefix>:yd:ingests` is a ZSET of ingest ids scored by the time they were taken.
 */
export class IngestWatch {
  private readonly redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  private readonly t0 = performance.now();
  private readonly since = Date.now() - 1_000;
  private ingestId: string | undefined;
  /** the steps in the order seen, with the time each was first seen (ms after the watch began) */
  readonly steps: Array<{ stage: string; at: number }> = [];
  /** ms after the watch began at which the record appeared (the item had been taken) */
  seenAt: number | undefined;
  /** ms after the watch began at which the status was first seen final */
  finalAt: number | undefined;
  record: Record<string, string> = {};

  constructor(
    private readonly prefix: string,
    private readonly sourceName: string,
  ) {}

  private async find(): Promise<string | undefined> {
    const ids = await this.redis.zrangebyscore(`${this.prefix}:yd:ingests`, this.since, '+inf');
    for (const id of ids) {
      if ((await this.redis.hget(`${this.prefix}:yd:ingest:${id}`, 'sourceName')) === this.sourceName) return id;
    }
    return undefined;
  }

  private async sample(): Promise<void> {
    this.ingestId ??= await this.find();
    if (!this.ingestId) return;
    const now = performance.now() - this.t0;
    this.seenAt ??= now;
    this.record = await this.redis.hgetall(`${this.prefix}:yd:ingest:${this.ingestId}`);
    const stage = this.record.stage;
    if (stage && this.steps.at(-1)?.stage !== stage) this.steps.push({ stage, at: now });
    if (this.finalAt === undefined && isFinal(this.record.status)) this.finalAt = now;
  }

  /** Samples until the ingest's status is final (preserved, rejected or failed), or `stop()`. */
  async follow(timeoutMs: number, stopped: () => boolean = () => false): Promise<Record<string, string>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.sample();
      const status = this.record.status;
      if (isFinal(status)) return this.record;
      if (stopped()) return this.record;
      if (Date.now() > deadline)
        throw new Error(`${this.sourceName}: not finished after ${timeoutMs / 1000} s (status ${status ?? 'not taken'})`);
      await sleep(100);
    }
  }

  /** e.g. "taken +1.6 | inspect 0.1 | prepare 0.1 | store 14.2 | commit 0.3 | release 0.2" (seconds) */
  breakdown(): string {
    const endMs = this.finalAt ?? performance.now() - this.t0;
    const parts = [`taken +${((this.seenAt ?? 0) / 1000).toFixed(1)}`];
    // Only the steps up to the final status: derive and publish come after preservation.
    const steps = this.steps.filter((s) => PRESERVATION_STEPS.includes(s.stage));
    for (const [i, s] of steps.entries()) parts.push(`${s.stage} ${(((steps[i + 1]?.at ?? endMs) - s.at) / 1000).toFixed(1)}`);
    return parts.join(' | ');
  }

  close(): void {
    this.redis.disconnect();
  }
}

/** The steps up to and including the one after which an item's status is final. */
const PRESERVATION_STEPS: string[] = PLAN.slice(0, PLAN.findIndex((p) => STAGES[p].spec.endsPreservation) + 1);
const isFinal = (status: string | undefined) => status === 'preserved' || status === 'rejected' || status === 'failed';

/**
 * SIGTERM to the supervisor, which drains every stage (running jobs finish, queued ones wait in
 * Redis). A second SIGTERM after `graceMs` makes it kill its children.
 */
export async function stopYaddas(y: Yaddas, graceMs = 180_000): Promise<{ ms: number; forced: boolean; orphans: number[] }> {
  const started = performance.now();
  let forced = false;
  if (y.child.exitCode === null && y.child.signalCode === null) {
    const exited = new Promise<void>((r) => y.child.once('exit', () => r()));
    y.child.kill('SIGTERM');
    if ((await Promise.race([exited.then(() => 'exited'), sleep(graceMs).then(() => 'late')])) === 'late') {
      forced = true;
      y.child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (y.child.exitCode === null) y.child.kill('SIGKILL');
    }
  }
  // Stage processes leave when the supervisor's IPC channel closes; give them a moment.
  let orphans: number[] = [];
  for (let i = 0; i < 50; i++) {
    orphans = [...y.pids.values()].filter(alive);
    if (orphans.length === 0) break;
    await sleep(200);
  }
  for (const pid of orphans) process.kill(pid, 'SIGTERM'); // ours (started by our supervisor), by pid
  return { ms: performance.now() - started, forced, orphans };
}

/** Removes every key of the prefix (SCAN + UNLINK); returns how many there were. */
export async function cleanRedis(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let removed = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) removed += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return removed;
}

/**
 * Warnings and errors Yaddaş logged (JSON lines at level ≥ 40), as "level process: message".
 * The start-up advice about Redis durability is left out: it is about the shared Redis here.
 */
export function logProblems(logFile: string): string[] {
  const out: string[] = [];
  for (const line of readText(logFile).split('\n')) {
    if (!line.startsWith('{')) {
      // The supervisor's plain "Yaddaş is starting" block is expected; anything error-like is not.
      if (/error|exception|fatal|warn/i.test(line)) out.push(`(not JSON) ${line.slice(0, 200)}`);
      continue;
    }
    try {
      const e = JSON.parse(line) as { level?: number; msg?: string; name?: string; err?: { message?: string } };
      if ((e.level ?? 0) < 40 || /^Redis: /.test(e.msg ?? '')) continue;
      out.push(
        `${e.level! >= 50 ? 'error' : 'warn'} ${e.name ?? ''}: ${e.msg ?? ''}${e.err?.message ? ` (${e.err.message})` : ''}`.slice(0, 300),
      );
    } catch {
      out.push(`(unparsed) ${line.slice(0, 200)}`);
    }
  }
  return out;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function tail(file: string, lines = 20): string {
  return readText(file).trimEnd().split('\n').slice(-lines).join('\n');
}
