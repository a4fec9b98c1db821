/**
 * The composition root: the one place where configuration becomes connections, adapters,
 * services and stage processors. Entry points (workers/, the CLI) call this and nothing else.
 */
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from './config/load.js';
import type { Logger } from './log.js';
import { createRedis } from './adapters/redis.js';
import { S3ObjectStore, createS3Client } from './adapters/s3-object-store.js';
import { Intake } from './intake/intake.js';
import { Watcher } from './intake/watcher.js';
import { createOrchestrator } from './pipeline/orchestrator.js';
import {
  INGEST_QUEUE,
  NOTIFY_QUEUE,
  STAGES,
  type DerivePayload,
  type DeriveReturn,
  type PublishPayload,
  type PublishReturn,
  type StageName,
} from './pipeline/plan.js';
import { Queues, createWorker, wrapProcessor, type StageHandler } from './pipeline/queues.js';
import { StatusStore } from './pipeline/status-store.js';
import { OcflStore } from './storage/ocfl-store.js';
import { inspectProcessor } from './stages/inspect/inspect.processor.js';
import { prepareProcessor } from './stages/prepare/prepare.processor.js';
import { storeProcessor } from './stages/store/store.processor.js';
import { commitProcessor } from './stages/commit/commit.processor.js';
import { releaseProcessor } from './stages/release/release.processor.js';
import { deriveProcessor } from './stages/derive/derive.processor.js';
import { publishProcessor } from './stages/publish/publish.processor.js';
import { Collections } from './stages/publish/collections.js';
import { ocrProcessor } from './stages/ocr/ocr.processor.js';
import { announceProcessor } from './stages/announce/announce.processor.js';
import { notifyProcessor } from './stages/announce/notify.processor.js';
import { EventStream } from './adapters/event-stream.js';
import { MetricsStore } from './metrics/metrics-store.js';
import { textProcessor } from './stages/text/text.processor.js';
import { pdfProcessor } from './stages/pdf/pdf.processor.js';
import { OcrPool } from './adapters/ocr-engine.js';
import { prepareTessdata } from './adapters/tessdata.js';
import { languageHint } from './domain/ocr-languages.js';
import { createRequire } from 'node:module';

export type Role = StageName | typeof INGEST_QUEUE | typeof NOTIFY_QUEUE;
export const ROLES: readonly Role[] = [INGEST_QUEUE, ...(Object.keys(STAGES) as StageName[]), NOTIFY_QUEUE];

export interface App {
  config: Config;
  log: Logger;
  redis: Redis;
  s3: S3Client;
  queues: Queues;
  status: StatusStore;
  preservation: OcflStore;
  access: S3ObjectStore;
  intake: Intake;
  metrics: MetricsStore;
  /** the OCR engines of this process and the languages found, started on first use */
  ocr(): Promise<OcrEngines>;
  close(): Promise<void>;
}

export interface OcrEngines {
  pool: OcrPool;
  languages: ReadonlySet<string>;
  engine: { name: string; version: string };
  tessdataDir: string;
}

/** The languages every OCR process should have: the configured default and the region's four. */
const EXPECTED_LANGUAGES = ['aze', 'aze_cyrl', 'rus', 'eng'];

function ocrEngines(config: Config, log: Logger): { get(): Promise<OcrEngines>; close(): Promise<void> } {
  let made: Promise<OcrEngines> | undefined;
  return {
    get() {
      made ??= (async () => {
        const td = await prepareTessdata(config.dataDir, config.ocr.tessdataDir);
        const languages = new Set(td.languages.keys());
        const wanted = [...new Set([...config.ocr.languages.split('+'), ...EXPECTED_LANGUAGES])];
        const missing = wanted.filter((c) => !languages.has(c));
        if (missing.length > 0)
          log.warn(
            { missing },
            `OCR languages missing: ${missing.map((c) => `${c} (${languageHint(c)})`).join('; ')}; items in them are preserved without text until they are installed`,
          );
        log.info(
          { languages: [...td.languages.values()].map((l) => `${l.code} (${l.kind})`), dir: td.dir, engines: config.ocr.engines },
          'OCR language data ready',
        );
        const require = createRequire(import.meta.url);
        const version = `${(require('tesseract.js/package.json') as { version: string }).version} (tesseract.js-core ${(require('tesseract.js-core/package.json') as { version: string }).version})`;
        const pool = new OcrPool({
          langPath: td.dir,
          engines: config.ocr.engines,
          recycleAfter: config.ocr.recycleAfterPages,
          pageTimeoutMs: config.ocr.pageTimeoutSeconds * 1000,
          log,
        });
        if (!missing.some((c) => config.ocr.languages.split('+').includes(c))) pool.warm(config.ocr.languages);
        return { pool, languages, engine: { name: 'tesseract.js', version }, tessdataDir: td.dir };
      })();
      return made;
    },
    async close() {
      if (made) await (await made.catch(() => undefined))?.pool.close();
    },
  };
}

export function createApp(config: Config, log: Logger): App {
  const redis = createRedis(config, 'worker');
  redis.on('error', (err) => log.warn({ err: { message: err.message } }, 'Redis connection error'));
  const workerConnections: Redis[] = [];
  const queues = new Queues({
    connection: redis,
    workerConnection: () => {
      const c = createRedis(config, 'worker');
      c.on('error', () => undefined);
      workerConnections.push(c);
      return c;
    },
    prefix: config.redis.prefix,
    jobs: config.jobs,
  });
  const status = new StatusStore(redis, config.redis.prefix);
  const s3 = createS3Client(config.s3);
  const upload = { partSizeMiB: config.s3.partSizeMiB, concurrency: config.s3.uploadConcurrency };
  const preservation = new OcflStore(new S3ObjectStore(s3, config.s3.preservationBucket, upload));
  const access = new S3ObjectStore(s3, config.s3.accessBucket, upload);
  const metrics = new MetricsStore(redis, config.redis.prefix);
  const intake = new Intake({
    stagingDir: config.intake.stagingDir,
    rejectedDir: config.intake.rejectedDir,
    markerName: config.intake.markerName,
    status,
    queues,
    log,
    ocr: { enabled: config.ocr.enabled, languages: config.ocr.languages },
    metrics,
  });
  const engines = ocrEngines(config, log);
  return {
    config,
    log,
    redis,
    s3,
    queues,
    status,
    preservation,
    access,
    intake,
    metrics,
    ocr: engines.get,
    async close() {
      await engines.close();
      await queues.close();
      await Promise.all(workerConnections.map((c) => c.quit().catch(() => c.disconnect())));
      await redis.quit().catch(() => redis.disconnect());
      s3.destroy();
    },
  };
}

/** Each stage's handler, wired to its adapters (also run in-process by `yaddas rederive`). */
export function handlerFor(app: App, stage: StageName): StageHandler<never, unknown> {
  const c = app.config;
  switch (stage) {
    case 'inspect':
      return inspectProcessor({ stagingDir: c.intake.stagingDir, maxPixels: c.intake.maxPixels }) as StageHandler<never, unknown>;
    case 'prepare':
      return prepareProcessor({ status: app.status, ocfl: app.preservation }) as StageHandler<never, unknown>;
    case 'store':
      return storeProcessor({ stagingDir: c.intake.stagingDir, ocfl: app.preservation }) as StageHandler<never, unknown>;
    case 'commit': {
      const user = c.ocfl.userAddress ? { name: c.ocfl.userName, address: c.ocfl.userAddress } : { name: c.ocfl.userName };
      return commitProcessor({ ocfl: app.preservation, user }) as StageHandler<never, unknown>;
    }
    case 'release':
      return releaseProcessor({
        stagingDir: c.intake.stagingDir,
        doneDir: c.intake.doneDir,
        rejectedDir: c.intake.rejectedDir,
        doneRetentionDays: c.intake.doneRetentionDays,
        status: app.status,
        ocfl: app.preservation,
      }) as StageHandler<never, unknown>;
    case 'derive':
      return deriveProcessor({
        ocfl: app.preservation,
        access: app.access,
        derive: c.derive,
        publicBaseUrl: c.access.publicBaseUrl,
        maxPixels: c.intake.maxPixels,
      }) as StageHandler<never, unknown>;
    case 'ocr':
      return ocrProcessor({
        ocfl: app.preservation,
        engines: app.ocr,
        maxPixels: c.intake.maxPixels,
        metrics: app.metrics,
      }) as StageHandler<never, unknown>;
    case 'text': {
      const user = c.ocfl.userAddress ? { name: c.ocfl.userName, address: c.ocfl.userAddress } : { name: c.ocfl.userName };
      return textProcessor({
        ocfl: app.preservation,
        access: app.access,
        status: app.status,
        user,
        ...(c.access.attribution ? { agency: c.access.attribution } : {}),
      }) as StageHandler<never, unknown>;
    }
    case 'pdf':
      return pdfProcessor({ access: app.access }) as StageHandler<never, unknown>;
    case 'announce':
      return announceProcessor({
        events: new EventStream(app.redis, c.redis.prefix, c.events.maxLength),
        queues: app.queues,
        webhooks: c.webhooks,
        preservationBucket: c.s3.preservationBucket,
        accessBucket: c.s3.accessBucket,
        publicBaseUrl: c.access.publicBaseUrl,
      }) as StageHandler<never, unknown>;
    case 'publish':
      return publishProcessor({
        access: app.access,
        ocfl: app.preservation,
        publicBaseUrl: c.access.publicBaseUrl,
        attribution: c.access.attribution,
        preservationBucket: c.s3.preservationBucket,
        collections: new Collections({
          redis: app.redis,
          prefix: c.redis.prefix,
          access: app.access,
          defs: c.collections,
          publicBaseUrl: c.access.publicBaseUrl,
          log: app.log,
        }),
      }) as StageHandler<never, unknown>;
  }
}

/** Starts the BullMQ worker of one role (a stage, or the ingest orchestrator). */
export function startWorker(app: App, role: Role): Worker {
  const c = app.config;
  const log = app.log;
  if (role === INGEST_QUEUE) {
    const processor = createOrchestrator({ queues: app.queues, status: app.status, log, metrics: app.metrics });
    return createWorker(
      app.queues.deps,
      INGEST_QUEUE,
      processor as never,
      { concurrency: c.concurrency.ingest, lockSeconds: c.jobs.lockSeconds },
      log,
    );
  }
  if (role === NOTIFY_QUEUE) {
    const processor = wrapProcessor(
      role,
      notifyProcessor({ secret: c.webhooks.secret, timeoutMs: c.webhooks.timeoutSeconds * 1000 }) as StageHandler<
        { ingestId?: string },
        unknown
      >,
      log,
      app.metrics,
    );
    return createWorker(
      app.queues.deps,
      role,
      processor as never,
      { concurrency: c.concurrency.notify, lockSeconds: c.jobs.lockSeconds },
      log,
    );
  }
  // One OCR job per engine: the pool's size is the worker's concurrency.
  const concurrency =
    role === 'prepare' || role === 'publish' || role === 'announce'
      ? c.concurrency.commit
      : role === 'ocr'
        ? c.ocr.engines
        : c.concurrency[role];
  // The OCR engines start with the worker, so missing languages are reported at start-up.
  if (role === 'ocr')
    void app.ocr().catch((err: Error) => log.error({ err: { message: err.message } }, 'OCR engines could not be prepared'));
  const processor = wrapProcessor(
    role,
    handlerFor(app, role) as StageHandler<{ ingestId?: string }, unknown>,
    log,
    app.metrics,
    app.status,
  );
  return createWorker(app.queues.deps, role, processor as never, { concurrency, lockSeconds: c.jobs.lockSeconds }, log);
}

export function createWatcher(app: App): Watcher {
  return new Watcher({ config: app.config, redis: app.redis, intake: app.intake, log: app.log });
}
