/**
 * `npm start` / `yaddas start`: brings up the embedded services where nothing is configured,
 * says where everything is, checks storage, then runs the inbox watcher and every stage as a
 * process of its own, restarting any that dies, and drains them all on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { makeFolder } from './adapters/local-fs.js';
import { type Config, redactUrl, workFolders } from './config/load.js';
import { createLogger, type Logger } from './log.js';
import { createApp, rolesFor } from './app.js';
import { ensureRedis, type Running, superviseEmbeddedS3 } from './services/embedded.js';
import { loadConfigOrExit } from './process.js';
import { prepareStorage } from './ops/storage-setup.js';

/** Node's arguments to run a role's entry (compiled, or the TypeScript through tsx in development). */
function workerArgs(role: string): string[] {
  const compiled = fileURLToPath(new URL(`../workers/${role}.js`, import.meta.url));
  if (existsSync(compiled)) return [compiled];
  return ['--import', 'tsx', fileURLToPath(new URL(`../workers/${role}.ts`, import.meta.url))];
}

/** Brings up what the configuration needs and checks it; returns the services it started. */
export async function prepareServices(config: Config, log: Logger): Promise<Running[]> {
  const started: Running[] = [];
  for (const f of workFolders(config)) await makeFolder(f);
  const redis = await ensureRedis(config, log);
  if (redis) started.push(redis);
  const s3 = await superviseEmbeddedS3(config, log, workerArgs('s3'), { ...process.env, YADDAS_SUPERVISED: '1' });
  if (s3) started.push(s3);

  const app = createApp(config, log);
  try {
    for (const w of await app.redisWarnings()) log.warn(`Redis: ${w}`);
    // Every institution's storage roots and public location.
    for (const t of app.tenants) {
      const setup = await prepareStorage(
        { preservation: t.preservation, access: t.access, publicBaseUrl: t.config.access.publicBaseUrl, replicas: t.replicas },
        config.embeddedS3 || config.s3.createBuckets,
      );
      for (const d of setup.done) t.log.info(d);
      for (const w of setup.warnings) t.log.warn(w);
    }
  } finally {
    await app.close();
  }
  return started;
}

export function describeSetup(config: Config, started: Running[]): string {
  const lines = [
    'Yaddaş is starting',
    `  inbox            ${config.inbox}   (${config.intake.mode === 'quiet' ? `taken after ${config.intake.quietSeconds}s without change` : `taken when the marker "${config.intake.markerName}" appears`}; scanned every ${config.intake.pollSeconds}s)`,
    `  rejected items   ${config.intake.rejectedDir}`,
    `  data folder      ${config.dataDir}   (staging ${config.intake.stagingDir}, done ${config.intake.doneDir})`,
    `  Redis            ${redactUrl(config.redis.url)}   key prefix "${config.redis.prefix}"`,
    `  S3 endpoint      ${config.s3.endpoint}${config.embeddedS3 ? '   (embedded)' : ''}`,
    `  buckets          preservation s3://${config.s3.preservationBucket} (OCFL 1.1)   access s3://${config.s3.accessBucket}`,
    `  console          http://${config.console.host.includes(':') ? `[${config.console.host}]` : config.console.host}:${config.console.port}/  (dashboard; /metrics, /health, /ready)${config.console.user && config.console.password ? '' : '   (read-only: no YADDAS_CONSOLE_USER/PASSWORD)'}`,
    `  OCFL versions    by ${config.ocfl.userName} <${config.ocfl.userAddress}>${config.sources['ocfl.userAddress'] === 'default' ? '   (no YADDAS_OCFL_USER_ADDRESS: the public base URL stands in; set a mailto: of the unit responsible)' : ''}`,
    `  OCR              ${config.ocr.enabled ? `on, default languages ${config.ocr.languages}, ${config.ocr.engines} engine(s)` : 'off (YADDAS_OCR=false)'}; webhooks: ${config.webhooks.urls.length || 'none'}`,
  ];
  if (config.institutionsFile) {
    lines.push(`  institutions     ${config.institutionsFile}`);
    for (const i of config.institutions)
      lines.push(
        `    ${i.id.padEnd(14)} ${i.name.az ?? i.name.en ?? i.name.ru}: inbox ${i.inboxes.join(', ')}; ids ${i.namespace}:…; objects s3://${i.storage.preservationBucket}/${i.storage.preservationPrefix}; public ${i.storage.publicBaseUrl}`,
      );
  }
  for (const s of started) lines.push(`  started          ${s.describe}`);
  return lines.join('\n');
}

export async function runSupervisor(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger(config, 'yaddas');
  // The supervisor runs no work of its own (the embedded S3 server is a process of its own too):
  // whatever goes wrong in it is logged, and it goes on keeping the stages running.
  process.on('uncaughtException', (err) => log.error({ err }, 'unexpected error in the supervisor; it goes on'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unexpected rejection in the supervisor; it goes on'));
  let started: Running[];
  try {
    started = await prepareServices(config, log);
  } catch (err) {
    log.fatal({ err }, `cannot start: ${(err as Error).message}`);
    process.exit(1);
  }
  process.stdout.write(`${describeSetup(config, started)}\n`);

  // Children find the services this process started through the settings that name them: the
  // embedded S3 server by its port (so that they know it is the embedded one, and keep to its
  // limits), Redis by its URL.
  const env = {
    ...process.env,
    YADDAS_SUPERVISED: '1',
    REDIS_URL: config.redis.url,
    ...(config.embeddedS3 ? { YADDAS_S3_PORT: new URL(config.s3.endpoint).port } : {}),
  };
  const children = new Map<string, ChildProcess>();
  // One process for everything (the same code, one Node runtime's memory), or one per stage.
  const roles = config.processes === 'one' ? ['stages'] : ['intake', ...rolesFor(config), 'console'];
  const ready = new Set<string>();
  const startedAt = performance.now();
  let stopping = false;

  const launch = (role: string, attempt = 0) => {
    const args = workerArgs(role);
    const child = spawn(process.execPath, args, { env, stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
    children.set(role, child);
    const launchedAt = Date.now();
    child.on('message', (m) => {
      if ((m as { yaddas?: string } | null)?.yaddas !== 'ready' || ready.has(role)) return;
      ready.add(role);
      if (ready.size === roles.length) {
        const seconds = Number(((performance.now() - startedAt) / 1000).toFixed(1));
        log.info({ processes: roles, seconds }, `all stages running, ready in ${seconds} s; stop with Ctrl-C (drains running jobs)`);
      }
    });
    child.on('exit', (code, signal) => {
      children.delete(role);
      if (stopping) return;
      const quick = Date.now() - launchedAt < 10_000;
      const delay = quick ? Math.min(30_000, 1000 * 2 ** attempt) : 1000;
      log.error({ role, code, signal }, `the ${role} process exited; restarting in ${delay / 1000}s`);
      setTimeout(() => {
        if (!stopping) launch(role, quick ? attempt + 1 : 0);
      }, delay);
    });
  };
  for (const role of roles) launch(role);
  setTimeout(() => {
    const waiting = roles.filter((r) => !ready.has(r));
    if (waiting.length > 0 && !stopping) log.warn({ waiting }, `still starting after 60 s: ${waiting.join(', ')}`);
  }, 60_000).unref();

  /**
   * First signal: every stage is asked to drain (over IPC, not with another signal: a process
   * manager that signals the whole group has already signalled them once). Second: killed.
   */
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: killing every stage now; their running jobs will run again');
      for (const c of children.values()) c.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping: draining every stage');
    await Promise.all(
      [...children.values()].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            if (c.connected) c.send({ yaddas: 'drain' }, (err) => err && c.kill('SIGTERM'));
            else c.kill('SIGTERM');
          }),
      ),
    );
    for (const s of started.reverse()) await s.stop().catch((err) => log.error({ err }, 'stopping a service failed'));
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
