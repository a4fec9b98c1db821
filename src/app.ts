/**
 * The composition root: the one place where configuration becomes connections, adapters, ports
 * and stage handlers. Entry points (workers/, the CLI, the console) call this and nothing else,
 * and get ports, never a raw Redis or S3 client.
 */
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createOcrEngines } from './adapters/ocr-engine.js';
import { CollectionMembership } from './adapters/redis/collection-membership.js';
import { createRedis, redisDurabilityWarnings } from './adapters/redis/connection.js';
import { Embargoes } from './adapters/redis/embargoes.js';
import { EventStream } from './adapters/redis/event-stream.js';
import { redisKeys } from './adapters/redis/keys.js';
import { RedisLocks } from './adapters/redis/locks.js';
import { MetricsStore } from './adapters/redis/metrics-store.js';
import { PreservationState } from './adapters/redis/preservation-state.js';
import { Series } from './adapters/redis/series.js';
import { StatusStore } from './adapters/redis/status-store.js';
import { createS3Client, S3ObjectStore } from './adapters/s3-object-store.js';
import type { Config } from './config/load.js';
import { withTimeout } from './domain/time.js';
import { Intake } from './intake/intake.js';
import { Watcher } from './intake/watcher.js';
import type { Logger } from './log.js';
import { createOrchestrator } from './pipeline/orchestrator.js';
import {
  AUDIT_QUEUE,
  INGEST_QUEUE,
  KEEPING,
  NOTIFY,
  NOTIFY_QUEUE,
  PLAN,
  type Payload,
  REPLICATE_QUEUE,
  type Result,
  STAGES,
  type StageName,
} from './pipeline/plan.js';
import { Queues, wrapProcessor } from './pipeline/queues.js';
import type { StageHandler, StagePorts } from './stages/stage.js';
import type { Locks } from './storage/locks.js';
import type { ObjectStore } from './storage/object-store.js';
import { PrefixedObjectStore } from './storage/prefixed-store.js';
import { OcflStore } from './storage/ocfl-store.js';

export type Role = StageName | typeof INGEST_QUEUE | typeof NOTIFY_QUEUE | typeof REPLICATE_QUEUE | typeof AUDIT_QUEUE;
export const ROLES: readonly Role[] = [INGEST_QUEUE, ...PLAN, NOTIFY_QUEUE, REPLICATE_QUEUE, AUDIT_QUEUE];

/** The roles this configuration runs (the `replicate` worker only when there are replicas). */
export const rolesFor = (c: Config): Role[] => ROLES.filter((r) => r !== REPLICATE_QUEUE || c.copies.replicas.length > 0);

export interface App extends StagePorts {
  config: Config;
  log: Logger;
  queues: Queues;
  /** the ingest records */
  status: StatusStore;
  preservation: OcflStore;
  /** the replica stores (copies.file): each a storage root holding copies of the primary's objects */
  replicas: Array<{ name: string; ocfl: OcflStore }>;
  access: ObjectStore;
  locks: Locks;
  intake: Intake;
  metrics: MetricsStore;
  /** the console's chart points */
  series: Series;
  /** Redis and both buckets, each checked with a time limit: "ok" or what went wrong */
  checks(timeoutMs?: number): Promise<Record<string, string>>;
  /** the ways this Redis can lose jobs, in plain words (none: empty) */
  redisWarnings(): Promise<string[]>;
  /** another bucket on the same S3 service, with the same client (exports) */
  bucketStore(bucket: string): ObjectStore;
  /** a stage's handler, wired to the ports (loaded on first use) */
  handler<N extends StageName>(stage: N): Promise<StageHandler<Payload<N>, Result<N>>>;
  close(): Promise<void>;
}

/** `now`: the clock every rule that depends on the time reads (tests give their own). */
export function createApp(config: Config, log: Logger, opts: { now?: () => Date } = {}): App {
  const keys = redisKeys(config.redis.prefix);
  const redis = createRedis(config, 'worker');
  redis.on('error', (err) => log.warn({ err: { message: err.message } }, 'Redis connection error'));
  const extra: Redis[] = [];
  const connection = (opts: { keyPrefix?: string } = {}) => {
    const c = createRedis(config, 'worker', opts);
    c.on('error', () => undefined);
    extra.push(c);
    return c;
  };
  const queues = new Queues({
    connection: redis,
    workerConnection: connection,
    prefix: config.redis.prefix,
    jobs: config.jobs,
    webhooks: config.webhooks,
  });
  const status = new StatusStore(redis, keys);
  const keeping = new PreservationState(redis, keys);
  const replicaNames = config.copies.replicas.map((r) => r.name);
  // Locks get a connection of their own whose key prefix keeps them under `<prefix>:yd:`.
  const locks = new RedisLocks(connection({ keyPrefix: keys.root }));
  const s3 = createS3Client(config.s3);
  const upload = { partSizeMiB: config.s3.partSizeMiB, concurrency: config.s3.uploadConcurrency };
  // Every version written to the primary is queued for the replicas and for its first audit.
  const preservation = new OcflStore(new S3ObjectStore(s3, config.s3.preservationBucket, upload), locks, {
    async versionWritten(objectId, version) {
      await keeping.versionWritten(objectId, version, replicaNames);
      await queues.replicate(objectId, version, replicaNames);
    },
  });
  // Each replica is a storage root of its own, reached with its own client and credentials.
  const replicas = config.copies.replicas.map((r) => ({
    name: r.name,
    ocfl: new OcflStore(
      new PrefixedObjectStore(
        new S3ObjectStore(createS3Client({ ...config.s3, ...r, endpoint: r.endpoint.replace(/\/+$/, '') }), r.bucket, upload),
        r.prefix,
      ),
      locks,
    ),
  }));
  const access = new S3ObjectStore(s3, config.s3.accessBucket, upload);
  const metrics = new MetricsStore(redis, keys);
  const intake = new Intake({
    stagingDir: config.intake.stagingDir,
    rejectedDir: config.intake.rejectedDir,
    markerName: config.intake.markerName,
    status,
    queues,
    log,
    ocr: { enabled: config.ocr.enabled, languages: config.ocr.languages },
    limits: {
      maxPages: config.intake.maxPages,
      embeddedS3: config.embeddedS3,
      areas: [config.intake.stagingDir, config.intake.doneDir, config.intake.rejectedDir],
    },
    metrics,
  });
  const engines = createOcrEngines(config, log);
  const app: App = {
    bucketStore: (bucket: string) => new S3ObjectStore(s3, bucket, upload),
    config,
    log,
    queues,
    status,
    preservation,
    replicas,
    access,
    locks,
    intake,
    metrics,
    series: new Series(redis, keys),
    events: new EventStream(redis, keys, config.events.maxLength),
    membership: new CollectionMembership(redis, keys),
    embargoes: new Embargoes(redis, keys),
    now: opts.now ?? (() => new Date()),
    deliveries: queues,
    keeping,
    preservationJobs: queues,
    ingestEnded: (ingestId) => status.hasEnded(ingestId),
    ocr: engines.get,
    async checks(timeoutMs = 3000) {
      const out: Record<string, string> = {};
      const check = (name: string, p: Promise<unknown>) =>
        withTimeout(p, timeoutMs, () => new Error(`no answer within ${timeoutMs / 1000} s`)).then(
          () => (out[name] = 'ok'),
          (err: Error) => (out[name] = err.message),
        );
      await Promise.all([
        check('redis', status.ping()),
        check(`s3:${preservation.bucket}`, preservation.ping()),
        check(`s3:${access.bucket}`, access.ping()),
      ]);
      return out;
    },
    redisWarnings: () => redisDurabilityWarnings(redis),
    async handler(stage) {
      const factory = await STAGES[stage].handler();
      return factory(app);
    },
    async close() {
      await engines.close();
      await queues.close();
      await Promise.all(extra.map((c) => c.quit().catch(() => c.disconnect())));
      await redis.quit().catch(() => redis.disconnect());
      s3.destroy();
    },
  };
  return app;
}

/** How often ended embargoes are looked for: a Redis range query, so often costs nothing. */
const LIFT_EVERY_MS = 60_000;

/** How many jobs of a role one process runs at a time. */
function concurrencyOf(c: Config, role: Role): number {
  switch (role) {
    case 'prepare':
    case 'publish':
    case 'announce':
      return c.concurrency.commit;
    // One OCR job per engine: the pool's size is the worker's concurrency.
    case 'ocr':
      return c.ocr.engines;
    default:
      return c.concurrency[role];
  }
}

/** Starts the BullMQ worker of one role (a stage, the ingest orchestrator, or webhook deliveries). */
export async function startWorker(app: App, role: Role): Promise<Worker> {
  const c = app.config;
  const log = app.log;
  const opts = { concurrency: concurrencyOf(c, role), lockSeconds: c.jobs.lockSeconds };
  if (role === INGEST_QUEUE) {
    return app.queues.worker(role, createOrchestrator({ queues: app.queues, status: app.status, log, metrics: app.metrics }), opts, log);
  }
  if (role === REPLICATE_QUEUE) {
    return app.queues.worker(role, wrapProcessor(role, (await KEEPING.replicate())(app), log, app.metrics), opts, log);
  }
  if (role === AUDIT_QUEUE) {
    // Every audit process upserts the one scheduler: however many run, there is one. Again every
    // sweep's interval, so that a Redis that lost its data has its scheduler back by itself.
    const everyMs = c.audit.sweepMinutes * 60_000;
    await app.queues.scheduleAudits(everyMs);
    await app.queues.scheduleEmbargoLift(LIFT_EVERY_MS);
    const audit = (await KEEPING.audit())(app);
    const { liftEmbargoes } = await import('./ops/embargo.js');
    // The embargo lift rides on the audit queue (one scheduler, any one worker), but publishes:
    // it gets the whole App, not the audit's ports.
    const handler: typeof audit = (data, ctx) => ('lift' in data ? liftEmbargoes(app) : audit(data, ctx));
    const worker = app.queues.worker(role, wrapProcessor(role, handler, log, app.metrics), opts, log);
    const keep = setInterval(
      () => {
        void app.queues.scheduleAudits(everyMs).catch(() => undefined);
        void app.queues.scheduleEmbargoLift(LIFT_EVERY_MS).catch(() => undefined);
      },
      Math.max(5_000, everyMs),
    );
    keep.unref();
    worker.on('closing', () => clearInterval(keep));
    return worker;
  }
  if (role === NOTIFY_QUEUE) {
    return app.queues.worker(role, wrapProcessor(role, (await NOTIFY.handler())(app), log, app.metrics), opts, log);
  }
  // The OCR engines start with the worker, so missing languages are reported at start-up.
  if (role === 'ocr')
    void app.ocr().catch((err: Error) => log.error({ err: { message: err.message } }, 'OCR engines could not be prepared'));
  return app.queues.worker(role, wrapProcessor(role, await app.handler(role), log, app.metrics, app.status), opts, log);
}

export function createWatcher(app: App): Watcher {
  return new Watcher({ config: app.config, locks: app.locks, intake: app.intake, log: app.log });
}
