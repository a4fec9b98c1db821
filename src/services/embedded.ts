/**
 * The embedded defaults: a private Redis when nothing answers at REDIS_URL, and an S3-compatible
 * server (s3rver) on 127.0.0.1 when no S3 endpoint is configured, both keeping their data under
 * the data folder. They exist so that a newcomer's first `npm start` works; production points
 * REDIS_URL and the AWS variables at real services.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { redisAnswers } from '../adapters/redis/connection.js';
import S3rver from 's3rver';
import type { Config } from '../config/load.js';
import type { Logger } from '../log.js';

export interface Running {
  describe: string;
  stop(): Promise<void>;
}

/** Whether something accepts TCP connections at host:port. */
export function portAnswers(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

const isLocal = (host: string) => ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);

/**
 * Makes sure Redis answers at the configured URL: when nothing does, the URL is local, embedded
 * Redis is allowed and redis-server is installed, starts a private one with AOF under the data
 * folder. Returns null when Redis was already there.
 */
export async function ensureRedis(cfg: Config, log: Logger): Promise<Running | null> {
  if (await redisAnswers(cfg.redis.url)) return null;
  const u = new URL(cfg.redis.url);
  const port = Number(u.port || 6379);
  if (cfg.redis.embedded === 'off' || !isLocal(u.hostname)) {
    throw new Error(`Redis does not answer at ${u.host}. Start it, or point REDIS_URL at a running Redis.`);
  }
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error(
      `Redis does not answer at ${u.host} and redis-server is not installed. Install it (scripts/setup.sh does: apt-get install redis-server) or set REDIS_URL.`,
    );
  }
  const dir = path.join(cfg.dataDir, 'redis');
  await fs.mkdir(dir, { recursive: true });
  const args = [
    '--port',
    String(port),
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
    '--daemonize',
    'no',
    '--logfile',
    path.join(dir, 'redis.log'),
  ];
  if (u.password) args.push('--requirepass', decodeURIComponent(u.password));
  // A process group of its own: a SIGTERM to Yaddaş's group (systemd, `kill -- -PGID`) must not
  // stop Redis while the stages drain; the supervisor stops it once they have.
  const child: ChildProcess = spawn('redis-server', args, { stdio: 'ignore', detached: true });
  for (let i = 0; i < 100; i++) {
    if (await redisAnswers(cfg.redis.url, 500)) break;
    if (child.exitCode !== null)
      throw new Error(`the embedded redis-server exited (code ${child.exitCode}); see ${path.join(dir, 'redis.log')}`);
    await sleep(100);
  }
  log.info({ port, dir }, 'started a private Redis (AOF on) because nothing answered at REDIS_URL');
  // It runs in a process group of its own (above): whatever way this process ends, Redis ends
  // with it (SIGTERM: it writes its AOF and exits), rather than being left on its port.
  process.once('exit', () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  return {
    describe: `embedded redis-server on 127.0.0.1:${port}, data in ${dir}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The embedded S3 server (s3rver) in this process, on 127.0.0.1, with both buckets. */
export async function runS3Server(cfg: Config, log: Logger): Promise<{ endpoint: string; directory: string; stop(): Promise<void> }> {
  const directory = path.join(cfg.dataDir, 's3');
  await fs.mkdir(directory, { recursive: true });
  const server = new S3rver({
    // s3rver checks no signatures: it must never listen beyond this machine.
    address: '127.0.0.1',
    port: cfg.s3.embeddedPort,
    directory,
    silent: true,
    configureBuckets: [{ name: cfg.s3.preservationBucket }, { name: cfg.s3.accessBucket }],
  });
  const addr = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${addr.port}`;
  log.info({ endpoint, directory }, 'embedded S3 server listening');
  return { endpoint, directory, stop: () => server.close() };
}

/**
 * For a command that reads storage while Yaddaş is stopped: the embedded S3 server in this
 * process for the command's duration, unless one already answers on its port.
 */
export async function ensureEmbeddedS3(cfg: Config, log: Logger): Promise<Running | null> {
  if (!cfg.embeddedS3) return null;
  if (cfg.s3.embeddedPort !== 0 && (await portAnswers('127.0.0.1', cfg.s3.embeddedPort))) return null;
  const s = await runS3Server(cfg, log);
  cfg.s3.endpoint = s.endpoint;
  return { describe: `embedded S3 (s3rver) on ${s.endpoint}, data in ${s.directory}`, stop: s.stop };
}

/**
 * For `npm start`: the embedded S3 server as a process of its own (workers/s3.js), so that a
 * failure inside it (s3rver has crashed on file names its file system cannot hold) ends only
 * that process, never the supervisor: it is started again, and the stages retry their requests
 * meanwhile. Like the private Redis, it runs in a process group of its own, so that a SIGTERM to
 * Yaddaş's group does not stop it while the stages drain; the supervisor stops it last.
 */
export async function superviseEmbeddedS3(cfg: Config, log: Logger, args: string[], env: NodeJS.ProcessEnv): Promise<Running | null> {
  if (!cfg.embeddedS3) return null;
  if (cfg.s3.embeddedPort !== 0 && (await portAnswers('127.0.0.1', cfg.s3.embeddedPort))) return null;
  let child: ChildProcess | undefined;
  let stopping = false;
  let endpoint = '';
  const start = (attempt: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const c = spawn(process.execPath, args, { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: true });
      child = c;
      const startedAt = Date.now();
      c.on('message', (m) => {
        const msg = m as { yaddas?: string; endpoint?: string } | null;
        if (msg?.yaddas === 'ready' && msg.endpoint) resolve(msg.endpoint);
      });
      c.on('exit', (code, signal) => {
        reject(new Error(`the embedded S3 server exited (code ${code}, signal ${signal}) while starting`));
        if (stopping) return;
        const quick = Date.now() - startedAt < 10_000;
        const delay = quick ? Math.min(30_000, 1000 * 2 ** attempt) : 1000;
        log.error(
          { role: 's3', code, signal },
          `the embedded S3 server exited; restarting it in ${delay / 1000}s (stages retry meanwhile)`,
        );
        setTimeout(() => {
          if (!stopping)
            start(quick ? attempt + 1 : 0).catch((err: Error) =>
              log.error({ err: { message: err.message } }, 'the embedded S3 server did not start'),
            );
        }, delay).unref();
      });
    });
  endpoint = await start(0);
  cfg.s3.endpoint = endpoint;
  process.once('exit', () => {
    if (child && child.exitCode === null) child.kill('SIGTERM');
  });
  return {
    describe: `embedded S3 (s3rver) on ${endpoint}, data in ${path.join(cfg.dataDir, 's3')}, a process of its own`,
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        if (!child || child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
