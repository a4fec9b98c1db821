/**
 * A whole Yaddaş for one test file: its own inbox, data and rejected folders, its own Redis key
 * prefix and its own buckets on the run's real Redis and S3, the real workers in this process
 * (or some of them as real child processes), and the clean-up afterwards.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import { loadConfig, type Config } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { prepareStorage } from '../../src/ops/storage-setup.js';
import { createApp, createWatcher, startWorker, ROLES, type App, type Role } from '../../src/app.js';
import type { IngestRecord } from '../../src/domain/ingest-record.js';
import { type EndedWhen, waitForIngests } from '../../src/ops/wait.js';
import { writeItem } from './fixtures.js';
import type { Watchers } from '../../src/intake/watcher.js';

const exec = promisify(execFile);
export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Harness {
  id: string;
  dir: string;
  env: Record<string, string>;
  config: Config;
  app: App;
  /** a Redis connection of the test's own, to look at what Yaddaş wrote from outside */
  redis: Redis;
  workers: Map<Role, Worker>;
  watcher?: Watchers;
  startWorkers(roles?: readonly Role[]): Promise<void>;
  stopWorker(role: Role): Promise<void>;
  waitFor(ingestId: string, timeoutMs?: number): Promise<IngestRecord>;
  /** runs Debian's awscli against this harness's S3 (an independent client) */
  aws(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** roles whose workers run in this process (default all; [] for none) */
  roles?: readonly Role[];
  /** also run the inbox watcher */
  watch?: boolean;
  env?: Record<string, string>;
  /** the App's clock (embargoes), for tests that move time instead of waiting */
  now?: () => Date;
}

/** Debian's awscli; a pip-installed `aws` earlier on PATH may behave differently. */
export const AWS_BIN = process.env.YADDAS_TEST_AWS ?? '/usr/bin/aws';

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const id = `yt${randomBytes(4).toString('hex')}`;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `yaddas-${id}-`));
  const external = inject('s3External');
  const env: Record<string, string> = {
    YADDAS_INBOX: path.join(dir, 'inbox'),
    YADDAS_DATA_DIR: path.join(dir, 'data'),
    YADDAS_REJECTED_DIR: path.join(dir, 'rejected'),
    YADDAS_CONFIG_DIR: path.join(dir, 'no-config'),
    YADDAS_QUIET_SECONDS: '1',
    YADDAS_POLL_SECONDS: '0.2',
    YADDAS_JOB_ATTEMPTS: '4',
    YADDAS_JOB_BACKOFF_SECONDS: '0.2',
    YADDAS_JOB_LOCK_SECONDS: '4',
    YADDAS_REDIS_PREFIX: id,
    REDIS_URL: inject('redisUrl'),
    AWS_ENDPOINT_URL_S3: inject('s3Endpoint'),
    AWS_ACCESS_KEY_ID: external ? (process.env.AWS_ACCESS_KEY_ID ?? '') : 'S3RVER',
    AWS_SECRET_ACCESS_KEY: external ? (process.env.AWS_SECRET_ACCESS_KEY ?? '') : 'S3RVER',
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    YADDAS_PRESERVATION_BUCKET: `${id}-pres`,
    YADDAS_ACCESS_BUCKET: `${id}-acc`,
    YADDAS_LOG_LEVEL: process.env.YADDAS_TEST_LOG_LEVEL ?? 'error',
    YADDAS_LOG_FORMAT: 'json',
    // OCR takes seconds a page: only the tests about it turn it on.
    YADDAS_OCR: 'false',
    ...opts.env,
  };
  const config = loadConfig({ env, cwd: dir });
  const log = createLogger(config, `test-${id}`);
  const app = createApp(config, log, opts.now ? { now: opts.now } : {});
  for (const d of [config.inbox, config.intake.rejectedDir, config.intake.stagingDir]) await fs.mkdir(d, { recursive: true });
  // As the supervisor makes them ready: created, the access bucket readable by anyone.
  for (const t of app.tenants) {
    for (const d of [t.config.intake.rejectedDir, t.config.intake.stagingDir, ...t.institution.inboxes])
      await fs.mkdir(d, { recursive: true });
    const setup = await prepareStorage(
      { preservation: t.preservation, access: t.access, publicBaseUrl: t.config.access.publicBaseUrl },
      true,
    );
    // A test with a public URL of its own (a proxy it starts later) checks readability itself.
    if (setup.warnings.length > 0 && !opts.env?.YADDAS_PUBLIC_BASE_URL) throw new Error(setup.warnings.join('\n'));
  }

  const workers = new Map<Role, Worker>();
  const h: Harness = {
    id,
    dir,
    env,
    config,
    app,
    redis: new Redis(config.redis.url),
    workers,
    async startWorkers(roles = ROLES) {
      for (const r of roles) if (!workers.has(r)) workers.set(r, await startWorker(app, r));
    },
    async stopWorker(role) {
      await workers.get(role)?.close();
      workers.delete(role);
    },
    waitFor: (ingestId, timeoutMs = 60_000) => waitEnded(h, ingestId, timeoutMs, 'preservation'),
    async aws(args) {
      const awsEnv = {
        ...process.env,
        AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
        AWS_DEFAULT_REGION: env.AWS_REGION,
        AWS_PAGER: '',
      };
      const { stdout } = await exec(AWS_BIN, ['--endpoint-url', config.s3.endpoint, ...args], { env: awsEnv, maxBuffer: 64 * 1024 * 1024 });
      return stdout;
    },
    async stop() {
      await h.watcher?.stop();
      await Promise.all([...workers.values()].map((w) => w.close()));
      await cleanRedis(config.redis.url, id);
      if (external) await emptyBuckets(h);
      await app.close();
      h.redis.disconnect();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
  await h.startWorkers(opts.roles ?? ROLES);
  if (opts.watch) {
    h.watcher = createWatcher(app);
    await h.watcher.start();
  }
  return h;
}

/** Removes every key of this test's prefix, leaving anything else on the Redis alone. */
async function cleanRedis(url: string, prefix: string): Promise<void> {
  const r = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await r.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

async function emptyBuckets(h: Harness): Promise<void> {
  const buckets = new Set(h.app.tenants.flatMap((t) => [t.institution.storage.preservationBucket, t.institution.storage.accessBucket]));
  for (const b of buckets) await h.aws(['s3', 'rb', `s3://${b}`, '--force']).catch(() => '');
}

/** Runs the built `yaddas` command with a harness's environment. */
export async function yaddas(
  h: Harness,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [path.join(ROOT, 'bin/yaddas.js'), ...args], {
      env: { ...process.env, ...h.env, ...extraEnv },
      cwd: h.dir,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Takes an item (written to a fresh folder) as `yaddas ingest` would, copying it. */
export async function takeItem(h: Harness, name: string, files: Record<string, Buffer | string>) {
  const src = path.join(h.dir, 'src', String(Math.random()).slice(2), name);
  await writeItem(src, files);
  return h.app.intake.take(src, name, { move: false, via: 'cli' });
}

/**
 * Waits until an ingest has ended (ops/wait.ts, as every `--wait` does): by default rejected or
 * failed, or preserved with every later step done; with 'preservation', once its status is final.
 */
export async function waitEnded(h: Harness, ingestId: string, timeoutMs = 60_000, when: EndedWhen = 'all'): Promise<IngestRecord> {
  const { records, timedOut } = await waitForIngests(h.app, [ingestId], { when, timeoutSeconds: timeoutMs / 1000, pollMs: 100 });
  const rec = records.get(ingestId);
  if (!rec || timedOut.length > 0)
    throw new Error(`ingest ${ingestId} did not end (${when}) in ${timeoutMs} ms (last: ${JSON.stringify(rec)})`);
  return rec;
}
