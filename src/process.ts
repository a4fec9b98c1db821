/**
 * Running one role as a process: configuration, logger, app, the role itself, and a graceful
 * drain on SIGTERM. Every worker entry in workers/ is this.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from 'bullmq';
import { ConfigError, loadConfig, redactUrl, type Config } from './config/load.js';
import { createLogger, type Logger } from './log.js';
import { createApp, createWatcher, rolesFor, startWorker, type App, type Role } from './app.js';
import { redisAnswers } from './adapters/redis/connection.js';

export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`yaddas: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

export async function waitForRedis(cfg: Config, log: Logger, seconds = 30): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    if (await redisAnswers(cfg.redis.url)) return;
    if (i === 0) log.warn('Redis does not answer yet; waiting');
    await sleep(1000);
  }
  log.fatal(`Redis does not answer at ${new URL(cfg.redis.url).host}; start it or set REDIS_URL`);
  process.exit(1);
}

/**
 * A graceful drain on SIGTERM: running jobs finish, no new ones start. Run on its own (docker
 * compose, a systemd unit per stage), a second signal forces the exit. Under the supervisor
 * (`npm start`) it is the supervisor that forces, on its own second signal; its children drain
 * when it tells them (IPC) or when the signal reaches them directly, and a signal that arrives
 * twice (a process manager signalling the whole process group, and the supervisor after it) still
 * drains once.
 *
 * Listening starts before the role does: asked to stop while still starting (waiting for Redis,
 * loading OCR engines), a process exits at once, since nothing of its own is running yet (a job
 * it may just have taken runs again elsewhere), instead of leaving the supervisor waiting.
 */
export function listenForShutdown(log: Logger): { whenStopping(stop: () => Promise<void>): void } {
  const supervised = process.env.YADDAS_SUPERVISED === '1';
  let stopFn: (() => Promise<void>) | undefined;
  let stopping = false;
  const handler = (why: string) => {
    if (stopping) {
      if (supervised) return void log.debug({ why }, 'already draining');
      log.warn({ signal: why }, 'second signal: exiting now; running jobs will run again elsewhere');
      process.exit(1);
    }
    stopping = true;
    if (!stopFn) {
      log.info({ signal: why }, 'stopping before it was ready: nothing to drain');
      process.exit(0);
    }
    log.info({ signal: why }, 'draining: finishing running jobs, taking no new ones');
    stopFn()
      .then(() => process.exit(0))
      .catch((err) => {
        log.error({ err }, 'error while stopping');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  if (supervised) {
    // Ctrl-C reaches the whole process group; the supervisor decides what it means.
    process.on('SIGINT', () => undefined);
    process.on('message', (m) => {
      if ((m as { yaddas?: string } | null)?.yaddas === 'drain') handler('supervisor asked');
    });
    // If the supervisor dies, do not run on as an orphan.
    process.on('disconnect', () => handler('supervisor gone'));
  } else {
    process.on('SIGINT', () => handler('SIGINT'));
  }
  return {
    whenStopping(stop) {
      stopFn = stop;
    },
  };
}

/** Tells the supervisor, when there is one, that this process's role is ready for work. */
function sayReady(role: string): void {
  if (process.send) process.send({ yaddas: 'ready', role });
}

/** Runs one role: the inbox watcher ('intake'), the console, or the worker of a queue. */
export async function runRole(role: Role | 'intake' | 'console'): Promise<void> {
  await runRoles([role], role);
}

/**
 * Runs several roles in this one process, on one App (one Redis connection set, one S3 client,
 * one OCR pool): `npm start` on one machine runs them all so (YADDAS_PROCESSES=one), with the same
 * code each role runs alone. `name` is what the logs and the supervisor call the process.
 */
export async function runRoles(roles: ReadonlyArray<Role | 'intake' | 'console'>, name: string): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger(config, name);
  const shutdown = listenForShutdown(log);
  await waitForRedis(config, log);
  const app: App = createApp(config, log);
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  if (process.env.YADDAS_SUPERVISED !== '1') {
    // Run on its own (docker compose, systemd): say where everything is, as `npm start` does.
    log.info(
      {
        inbox: config.inbox,
        dataDir: config.dataDir,
        redis: redactUrl(config.redis.url),
        s3: config.s3.endpoint,
        buckets: [config.s3.preservationBucket, config.s3.accessBucket],
      },
      `${name} starting`,
    );
    if (roles.includes('intake')) for (const w of await app.redisWarnings()) log.warn(`Redis: ${w}`);
  }
  const stops: Array<() => Promise<void>> = [];
  // Stopping: first what takes new work in (the watcher, the console), then the workers drain.
  shutdown.whenStopping(async () => {
    for (const stop of stops) await stop();
    await app.close();
  });
  if (roles.includes('intake')) {
    const watcher = createWatcher(app);
    await watcher.start();
    log.info(
      { inbox: config.inbox, rejected: config.intake.rejectedDir, mode: config.intake.mode, quietSeconds: config.intake.quietSeconds },
      'watching the inbox',
    );
    stops.push(() => watcher.stop());
  }
  if (roles.includes('console')) {
    // Loaded here only: fastify and Bull Board are the console's, and every stage process would
    // otherwise pay for loading them at start-up.
    const { startConsole } = await import('./console/server.js');
    const { server, url } = await startConsole(app);
    log.info({ url }, `console at ${url} (/metrics, /health, /ready)`);
    stops.push(() => server.close());
  }
  const workers: Worker[] = [];
  for (const role of roles) {
    if (role === 'intake' || role === 'console') continue;
    const worker = await startWorker(app, role);
    workers.push(worker);
  }
  stops.push(async () => {
    await Promise.all(workers.map((w) => w.close()));
  });
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  for (const w of workers) log.info({ queue: w.name, concurrency: w.opts.concurrency }, 'worker started');
  sayReady(name);
}

/** The embedded S3 server's process (workers/s3.ts): tells the supervisor where it listens. */
export async function runS3Process(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger(config, 's3');
  const shutdown = listenForShutdown(log);
  const { runS3Server } = await import('./services/embedded.js');
  const server = await runS3Server(config, log);
  shutdown.whenStopping(() => server.stop());
  if (process.send) process.send({ yaddas: 'ready', role: 's3', endpoint: server.endpoint });
}

/** Every role of this configuration in this one process (workers/stages.ts; YADDAS_PROCESSES=one). */
export async function runEveryRole(): Promise<void> {
  const config = loadConfigOrExit();
  await runRoles(['intake', ...rolesFor(config), 'console'], 'stages');
}
