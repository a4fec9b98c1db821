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
import { Sessions, StaffLog } from './adapters/redis/sessions.js';
import { EventStream } from './adapters/redis/event-stream.js';
import { institutionKeys, redisKeys } from './adapters/redis/keys.js';
import { RedisLocks } from './adapters/redis/locks.js';
import { MetricsStore } from './adapters/redis/metrics-store.js';
import { PreservationState } from './adapters/redis/preservation-state.js';
import { Series } from './adapters/redis/series.js';
import { StatusStore } from './adapters/redis/status-store.js';
import { createS3Client, S3ObjectStore } from './adapters/s3-object-store.js';
import type { Config } from './config/load.js';
import { type Institution, institutionOfItem } from './config/institutions.js';
import { ErrorCodes, YaddasError } from './domain/errors.js';
import { withTimeout } from './domain/time.js';
import { Intake } from './intake/intake.js';
import { Watcher, Watchers } from './intake/watcher.js';
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
  /** console sessions and login failures (Redis), shared by every console process */
  sessions: Sessions;
  /** what staff changed from the console, who and when */
  staffLog: StaffLog;
  /** the log without an institution (the installation's own lines: workers, the supervisor) */
  installationLog: Logger;
  /** the institution this App serves (an installation without an institutions file has one) */
  institution: Institution;
  /** every institution's App, this one among them: the same Redis, queues and OCR pool, each its own storage */
  tenants: App[];
  /** the App of the institution an item belongs to (its id's namespace); a permanent error for no institution's */
  forItem(itemId: string): App;
  forInstitution(id: string): App | undefined;
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
  const replicaNames = config.copies.replicas.map((r) => r.name);
  // Locks get a connection of their own whose key prefix keeps them under `<prefix>:yd:`.
  const locks = new RedisLocks(connection({ keyPrefix: keys.root }));
  const s3 = createS3Client(config.s3);
  const upload = { partSizeMiB: config.s3.partSizeMiB, concurrency: config.s3.uploadConcurrency };
  const replicaClients = config.copies.replicas.map((r) => ({
    r,
    store: new S3ObjectStore(createS3Client({ ...config.s3, ...r, endpoint: r.endpoint.replace(/\/+$/, '') }), r.bucket, upload),
  }));
  const metrics = new MetricsStore(redis, keys);
  const engines = createOcrEngines(config, log);
  // What every institution shares: one Redis, one set of queues, one OCR pool, one clock.
  const shared = {
    bucketStore: (bucket: string) => new S3ObjectStore(s3, bucket, upload),
    queues,
    status,
    locks,
    metrics,
    series: new Series(redis, keys),
    events: new EventStream(redis, keys, config.events.maxLength),
    embargoes: new Embargoes(redis, keys),
    sessions: new Sessions(redis, keys),
    staffLog: new StaffLog(redis, keys),
    deliveries: queues,
    preservationJobs: queues,
    ingestEnded: (ingestId: string) => status.hasEnded(ingestId),
    ocr: engines.get,
    now: opts.now ?? (() => new Date()),
    redisWarnings: () => redisDurabilityWarnings(redis),
    installationLog: log,
  };
  const several = config.institutions.length > 1 || config.institutionsFile !== '';
  const tenants: App[] = [];
  const byId = new Map<string, App>();

  /** One institution's ports: its storage roots, public location, inbox and collections, over the shared ones. */
  const tenant = (inst: Institution): App => {
    const c = tenantConfig(config, inst);
    // Lines name the institution when there are several (one alone needs no name on each line).
    const tlog = several ? log.child({ institution: inst.id }) : log;
    // An institution without a namespace (the one an installation had before its institutions
    // file) keeps the keys and replica folders it had; each other has its own.
    const own = inst.namespace ? inst.id : '';
    const keeping = new PreservationState(redis, institutionKeys(keys, own));
    const bucketAt = (bucket: string, prefix: string, publicRead = false) => {
      const store = new S3ObjectStore(s3, bucket, upload);
      return prefix ? new PrefixedObjectStore(store, prefix, { publicRead }) : store;
    };
    // Every version written to the primary is queued for the replicas and for its first audit.
    const preservation = new OcflStore(bucketAt(inst.storage.preservationBucket, inst.storage.preservationPrefix), locks, {
      async versionWritten(objectId, version) {
        await keeping.versionWritten(objectId, version, replicaNames);
        await queues.replicate(objectId, version, replicaNames);
      },
    });
    // Each replica is a storage root of its own, reached with its own client and credentials; with
    // several institutions, each keeps its root in a folder of its id there.
    const replicas = replicaClients.map(({ r, store }) => ({
      name: r.name,
      ocfl: new OcflStore(new PrefixedObjectStore(store, `${r.prefix}${own ? `${own}/` : ''}`), locks),
    }));
    const access = bucketAt(inst.storage.accessBucket, inst.storage.accessPrefix, true);
    const intake = new Intake({
      stagingDir: inst.stagingDir,
      rejectedDir: inst.rejectedDir,
      markerName: c.intake.markerName,
      status,
      queues,
      log: tlog,
      ocr: { enabled: c.ocr.enabled, languages: inst.ocrLanguages },
      limits: {
        maxPages: c.intake.maxPages,
        embeddedS3: c.embeddedS3,
        areas: [inst.stagingDir, inst.doneDir, inst.rejectedDir],
      },
      metrics,
      institution: { id: inst.id, namespace: inst.namespace, defaults: inst.defaults, languages: inst.languages },
    });
    const handlers = new Map<StageName, Promise<StageHandler<never, unknown>>>();
    const app: App = {
      ...shared,
      config: c,
      log: tlog,
      institution: inst,
      tenants,
      preservation,
      replicas,
      access,
      intake,
      keeping,
      // Collections are the institution's own: two may both have "20-yanvar".
      membership: new CollectionMembership(redis, keys, own),
      forItem: (itemId) => forItem(itemId),
      forInstitution: (id) => byId.get(id),
      async checks(timeoutMs = 3000) {
        const out: Record<string, string> = {};
        const check = (name: string, p: Promise<unknown>) =>
          withTimeout(p, timeoutMs, () => new Error(`no answer within ${timeoutMs / 1000} s`)).then(
            () => (out[name] = 'ok'),
            (err: Error) => (out[name] = err.message),
          );
        await Promise.all([
          check('redis', status.ping()),
          ...tenants.flatMap((t) => [
            check(`s3:${t.preservation.bucket}`, t.preservation.ping()),
            check(`s3:${t.access.bucket}`, t.access.ping()),
          ]),
        ]);
        return out;
      },
      handler<N extends StageName>(stage: N) {
        let h = handlers.get(stage);
        if (!h) {
          h = STAGES[stage].handler().then((factory) => factory(app) as StageHandler<never, unknown>);
          handlers.set(stage, h);
        }
        return h as unknown as Promise<StageHandler<Payload<N>, Result<N>>>;
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
  };
  for (const inst of config.institutions) {
    const t = tenant(inst);
    tenants.push(t);
    byId.set(inst.id, t);
  }
  /** The App of the institution whose namespace the item id has; a permanent error for any other. */
  function forItem(itemId: string): App {
    const inst = institutionOfItem(config.institutions, itemId);
    if (!inst)
      throw new YaddasError(
        ErrorCodes.UNKNOWN_INSTITUTION,
        `No institution here has the id namespace of "${itemId}" (${config.institutions.map((i) => (i.namespace ? `${i.namespace}:…` : 'ids without a namespace')).join(', ')}).`,
        { permanent: true },
      );
    return byId.get(inst.id)!;
  }
  // The first institution's App is the installation's: what holds for all is the same in each.
  return tenants[0]!;
}

/** The configuration as one institution's stages read it: its folders, buckets, public location, collections, OCR languages. */
export function tenantConfig(c: Config, inst: Institution): Config {
  return {
    ...c,
    inbox: inst.inboxes[0]!,
    intake: { ...c.intake, rejectedDir: inst.rejectedDir, stagingDir: inst.stagingDir, doneDir: inst.doneDir },
    s3: { ...c.s3, preservationBucket: inst.storage.preservationBucket, accessBucket: inst.storage.accessBucket },
    access: {
      ...c.access,
      publicBaseUrl: inst.storage.publicBaseUrl,
      attribution: inst.attribution,
      collectionsFile: inst.collectionsFile ?? '',
    },
    collections: inst.collections,
    ocr: { ...c.ocr, languages: inst.ocrLanguages },
  };
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
  const log = app.installationLog;
  const opts = { concurrency: concurrencyOf(c, role), lockSeconds: c.jobs.lockSeconds };
  // One worker per queue serves every institution: each job runs with its item's institution's ports.
  // (an id in no institution's namespace names none here: the job's own run refuses it, for good)
  const institutionOf =
    app.tenants.length > 1 || c.institutionsFile ? (itemId: string) => institutionOfItem(c.institutions, itemId)?.id : undefined;
  const routed = <P extends { itemId?: string }, R>(make: (t: App) => Promise<StageHandler<P, R>>): StageHandler<P, R> => {
    const built = new Map<App, Promise<StageHandler<P, R>>>();
    return async (data, ctx) => {
      const t = data.itemId ? app.forItem(data.itemId) : app;
      let h = built.get(t);
      if (!h) {
        h = make(t);
        built.set(t, h);
      }
      return (await h)(data, ctx);
    };
  };
  if (role === INGEST_QUEUE) {
    return app.queues.worker(
      role,
      createOrchestrator({
        queues: app.queues,
        status: app.status,
        log,
        metrics: app.metrics,
        ...(institutionOf ? { institutionOf } : {}),
      }),
      opts,
      log,
    );
  }
  if (role === REPLICATE_QUEUE) {
    const factory = await KEEPING.replicate();
    return app.queues.worker(
      role,
      wrapProcessor(
        role,
        routed(async (t) => factory(t)),
        log,
        app.metrics,
        undefined,
        institutionOf,
      ),
      opts,
      log,
    );
  }
  if (role === AUDIT_QUEUE) {
    // Every audit process upserts the one scheduler: however many run, there is one. Again every
    // sweep's interval, so that a Redis that lost its data has its scheduler back by itself.
    const everyMs = c.audit.sweepMinutes * 60_000;
    await app.queues.scheduleAudits(everyMs);
    await app.queues.scheduleEmbargoLift(LIFT_EVERY_MS);
    const factory = await KEEPING.audit();
    // One audit handler per institution (its copies, its audit state), built once.
    const audits = new Map(app.tenants.map((t) => [t, factory(t)] as const));
    const audit = routed(async (t) => audits.get(t)!);
    const { liftEmbargoes } = await import('./ops/embargo.js');
    // The sweep and the embargo lift are the installation's: each institution's in turn. The
    // lift rides on the audit queue (one scheduler, any one worker), but publishes: it gets the
    // whole App, not the audit's ports.
    const each = async <R>(fn: (t: App) => Promise<R>): Promise<R> => {
      let last: R | undefined;
      for (const t of app.tenants) last = await fn(t);
      return last as R;
    };
    const handler: typeof audit = (data, ctx) =>
      'lift' in data ? liftEmbargoes(app) : 'sweep' in data ? each((t) => audits.get(t)!(data, { ...ctx, log: t.log })) : audit(data, ctx);
    const worker = app.queues.worker(role, wrapProcessor(role, handler, log, app.metrics, undefined, institutionOf), opts, log);
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
  return app.queues.worker(
    role,
    wrapProcessor(
      role,
      routed((t) => t.handler(role)),
      log,
      app.metrics,
      app.status,
      institutionOf,
    ),
    opts,
    log,
  );
}

/** One watcher per inbox of every institution, started and stopped together. */
export function createWatcher(app: App): Watchers {
  return new Watchers(
    app.tenants.flatMap((t) =>
      t.institution.inboxes.map(
        (inbox, i) =>
          new Watcher({ config: { ...t.config, inbox }, locks: t.locks, intake: t.intake, log: t.log.child({ inbox }), recovers: i === 0 }),
      ),
    ),
  );
}

/**
 * The installation as staff of one institution see it (`yaddas --institution anl …`): its items
 * only, by id and in every list and count; an item of another institution is "not there" for it.
 */
export function institutionOnly(app: App, id: string): App {
  const own = app.forInstitution(id);
  if (!own) throw new Error(`there is no institution "${id}" here (${app.tenants.map((t) => t.institution.id).join(', ')})`);
  const others = new Set(app.tenants.filter((t) => t !== own).map((t) => t.institution.id));
  const forItem = (itemId: string): App => {
    const t = app.forItem(itemId);
    if (others.has(t.institution.id)) throw new Error(`${itemId} is not an item of ${id}`);
    return t;
  };
  const only = [id] as const;
  const s = own.status;
  // The same store, reading the institution's own indexes unless told otherwise.
  const status: StatusStore = Object.assign(Object.create(s) as StatusStore, {
    recent: (limit?: number, i?: readonly string[]) => s.recent(limit, i ?? only),
    listed: (kind: 'failed' | 'rejected' | 'held', limit: number, i?: readonly string[]) => s.listed(kind, limit, i ?? only),
    inflight: (i?: readonly string[]) => s.inflight(i ?? only),
    stuck: (ms: number, now?: number, i?: readonly string[]) => s.stuck(ms, now, i ?? only),
    count: (i?: readonly string[]) => s.count(i ?? only),
    get: async (ingestId: string) => {
      const r = await s.get(ingestId);
      return r && !others.has(r.institution ?? '') ? r : null;
    },
  });
  const scoped: App = { ...own, status, tenants: [own], forItem, forInstitution: (x) => (x === id ? own : undefined) };
  return scoped;
}
