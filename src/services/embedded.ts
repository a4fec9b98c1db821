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

/**
 * Starts the embedded S3 server (s3rver) on 127.0.0.1 with both buckets, unless one already
 * answers on its port (another Yaddaş process of this installation runs it).
 */
export async function ensureEmbeddedS3(cfg: Config, log: Logger): Promise<Running | null> {
  if (!cfg.embeddedS3) return null;
  const port = cfg.s3.embeddedPort;
  if (port !== 0 && (await portAnswers('127.0.0.1', port))) return null;
  const directory = path.join(cfg.dataDir, 's3');
  await fs.mkdir(directory, { recursive: true });
  const server = new S3rver({
    // s3rver checks no signatures: it must never listen beyond this machine.
    address: '127.0.0.1',
    port,
    directory,
    silent: true,
    configureBuckets: [{ name: cfg.s3.preservationBucket }, { name: cfg.s3.accessBucket }],
  });
  const addr = (await server.run()) as { port: number };
  cfg.s3.endpoint = `http://127.0.0.1:${addr.port}`;
  log.info({ endpoint: cfg.s3.endpoint, directory }, 'started the embedded S3 server');
  return {
    describe: `embedded S3 (s3rver) on ${cfg.s3.endpoint}, data in ${directory}`,
    stop: async () => {
      await server.close();
    },
  };
}
