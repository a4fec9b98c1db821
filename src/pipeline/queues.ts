/**
 * The one BullMQ wrapper: queues, job options, and the processor wrapper that every stage runs
 * through (child logger, timing, the mapping of permanent failures to UnrecoverableError).
 */
import { DelayedError, Job, type JobsOptions, Queue, UnrecoverableError, WaitingChildrenError, Worker } from 'bullmq';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { DURATION_BUCKETS, type MetricsStore } from '../adapters/redis/metrics-store.js';
import type { Config } from '../config/load.js';
import { decodeFailure, ErrorCodes, encodeFailure, RetryLater, YaddasError } from '../domain/errors.js';
import type { IngestManifest } from '../domain/item.js';
import type { Logger } from '../log.js';
import type { Deliveries, PreservationJobs, StageContext, StageHandler } from '../stages/stage.js';
import { AUDIT_QUEUE, INGEST_QUEUE, type IngestState, ingestJobId, NOTIFY_QUEUE, PLAN_VERSION, REPLICATE_QUEUE } from './plan.js';

export interface QueueDeps {
  /** a connection for producers (queues); workers get their own blocking connections */
  connection: Redis;
  workerConnection: () => Redis;
  prefix: string;
  jobs: Config['jobs'];
  webhooks: Pick<Config['webhooks'], 'attempts' | 'backoffSeconds'>;
}

const DAY = 24 * 3600;

/** The job states operators are shown. */
/** BullMQ's lowest priority (2^21 - 1); ranks beyond it share it. */
const MAX_PRIORITY = 2_097_151;

export const JOB_STATES = ['waiting', 'active', 'delayed', 'waiting-children', 'prioritized', 'failed', 'completed'] as const;
type JobState = (typeof JOB_STATES)[number];

/** A job id part for an object id (which may hold characters BullMQ's ids must not). */
const idPart = (id: string) => createHash('sha256').update(id).digest('hex').slice(0, 24);

/** The audit scheduler's id: one per installation, however many processes upsert it. */
export const AUDIT_SCHEDULER = 'audit-sweep';
/** The embargo lift's scheduler, on the audit queue: one per installation, however many audit workers run. */
export const EMBARGO_SCHEDULER = 'embargo-lift';

export class Queues implements Deliveries, PreservationJobs {
  private readonly queues = new Map<string, Queue>();
  constructor(private readonly deps: QueueDeps) {}

  private get(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.deps.connection, prefix: this.deps.prefix });
      this.queues.set(name, q);
    }
    return q;
  }

  /** Options of every stage job: retried with exponential backoff and jitter. */
  /**
   * A step's job. `rank` is its place among its ingest's jobs of that step (1 for the first page):
   * it is the job's priority, so that a stage's workers take every item's first pages before any
   * item's later ones. A 3,000-page map set then shares the workers with the 3-page book dropped
   * after it, page for page, instead of making it wait for all 3,000 (issue 10). BullMQ takes
   * jobs of equal priority in the order they came.
   */
  childOptions(jobId: string, parent: { id: string; queue: string }, rank = 1): JobsOptions {
    return {
      jobId,
      parent,
      priority: Math.min(Math.max(1, rank), MAX_PRIORITY),
      attempts: this.deps.jobs.attempts,
      backoff: { type: 'exponential', delay: this.deps.jobs.backoffSeconds * 1000, jitter: 0.5 },
      // A child that fails for good does not leave its ingest waiting forever: the ingest
      // resumes, sees the failure and decides (rejected or failed).
      ignoreDependencyOnFailure: true,
      removeOnComplete: { age: 7 * DAY },
      removeOnFail: { age: 30 * DAY },
    };
  }

  /** Starts (or, with the same ingest id, finds) the flow of one ingest. */
  async startIngest(manifest: IngestManifest): Promise<string> {
    return this.startFrom({ manifest, step: 0, spawned: false, plan: PLAN_VERSION, inspected: {}, stored: {} });
  }

  /**
   * Queues an ingest with the state it starts from: step 0 for an item taken from the inbox, a
   * later step for `yaddas reocr` and retries. The job id is the ingest id, so adding it twice is
   * a no-op.
   */
  async startFrom(state: IngestState): Promise<string> {
    const jobId = ingestJobId(state.manifest.ingestId);
    await this.get(INGEST_QUEUE).add(INGEST_QUEUE, state, {
      jobId,
      // The orchestrator only fails on Redis trouble or a bug; let it try for a long while.
      attempts: 50,
      backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
      removeOnComplete: { age: 30 * DAY },
      removeOnFail: false,
    });
    return jobId;
  }

  /** One delivery job per event and webhook: the job id is fixed, so a retried announce adds nothing. */
  async queue(deliveries: Array<{ eventId: string; itemId: string; url: string; body: string; type?: string }>): Promise<void> {
    if (deliveries.length === 0) return;
    const { attempts, backoffSeconds } = this.deps.webhooks;
    await this.get(NOTIFY_QUEUE).addBulk(
      deliveries.map((d, i) => ({
        name: NOTIFY_QUEUE,
        data: d,
        opts: {
          jobId: `notify-${d.eventId}-${i}`,
          attempts,
          backoff: { type: 'exponential', delay: backoffSeconds * 1000, jitter: 0.3 },
          removeOnComplete: { age: 7 * DAY },
          removeOnFail: { age: 30 * DAY },
        },
      })),
    );
  }

  /**
   * Copies of an object's new version to replicas: retried every minute or so for a day (a
   * replica that is down for longer is caught up by its next audit, which queues the copy again).
   */
  async replicate(itemId: string, version: string, copies: string[], opts: { again?: boolean } = {}): Promise<void> {
    if (copies.length === 0) return;
    await this.get(REPLICATE_QUEUE).addBulk(
      copies.map((copy) => ({
        name: REPLICATE_QUEUE,
        data: { itemId, copy, version },
        opts: {
          // Asked for again (by an audit): a job of its own, whatever the first one's id still holds.
          jobId: `replicate-${copy}-${idPart(itemId)}-${version}${opts.again ? `-a${Date.now()}` : ''}`,
          // A minute apart by default (12 × the jobs' first backoff, at most a minute), for a day.
          attempts: 1440,
          backoff: { type: 'fixed', delay: Math.min(60_000, this.deps.jobs.backoffSeconds * 12_000), jitter: 0.5 },
          removeOnComplete: { age: DAY },
          removeOnFail: { age: 30 * DAY },
        },
      })),
    );
  }

  /**
   * Audits of objects in copies. The job id names the object, the copy and the time of its last
   * audit (`due`), so the scheduler handing out an audit again before it ran adds nothing.
   * A person's audits go before the schedule's.
   */
  async audit(jobs: Array<{ itemId: string; copy: string; due: number }>, by: 'schedule' | 'operator'): Promise<number> {
    if (jobs.length === 0) return 0;
    const added = await this.get(AUDIT_QUEUE).addBulk(
      jobs.map((j) => ({
        name: AUDIT_QUEUE,
        data: { itemId: j.itemId, copy: j.copy, by, ...(by === 'schedule' ? { due: j.due } : {}) },
        opts: {
          jobId: `audit-${j.copy}-${idPart(j.itemId)}-${by === 'operator' ? `op${Date.now()}` : j.due}`,
          // The scheduler's sweeps (priority 1) go first, then a person's audits, then the schedule's.
          priority: by === 'operator' ? 2 : 10,
          attempts: this.deps.jobs.attempts,
          backoff: { type: 'exponential', delay: this.deps.jobs.backoffSeconds * 1000, jitter: 0.5 },
          // Gone once done, so that the id is free for the next time this object is due (the
          // result is kept by the audit itself, in Redis and the history).
          removeOnComplete: true,
          removeOnFail: { age: DAY },
        },
      })),
    );
    return added.length;
  }

  /** The installation's one audit scheduler (BullMQ job scheduler: upserting it again changes nothing else). */
  async scheduleAudits(everyMs: number): Promise<void> {
    await this.get(AUDIT_QUEUE).upsertJobScheduler(
      AUDIT_SCHEDULER,
      { every: Math.max(1000, Math.round(everyMs)) },
      { name: 'sweep', data: { sweep: true }, opts: { priority: 1, removeOnComplete: 50, removeOnFail: 50 } },
    );
  }

  /** The installation's one embargo lift (every `everyMs`; upserting it again changes nothing else). */
  async scheduleEmbargoLift(everyMs: number): Promise<void> {
    await this.get(AUDIT_QUEUE).upsertJobScheduler(
      EMBARGO_SCHEDULER,
      { every: Math.max(1000, Math.round(everyMs)) },
      { name: 'lift', data: { lift: true }, opts: { priority: 1, removeOnComplete: 50, removeOnFail: 50 } },
    );
  }

  /** A lift now, besides the schedule's (`yaddas embargoes --lift`, tests). */
  async liftEmbargoesNow(): Promise<string> {
    const job = await this.get(AUDIT_QUEUE).add('lift', { lift: true }, { priority: 1, removeOnComplete: 50, removeOnFail: 50 });
    return job.id ?? '';
  }

  /** The failures of an ingest's jobs that outlived their retries, and its own: "CODE: reason" decoded. */
  async ingestFailures(ingestId: string): Promise<Array<{ job: string; code: string; reason: string }>> {
    const job = await Job.fromId(this.get(INGEST_QUEUE), ingestJobId(ingestId));
    if (!job) return [];
    const out: Array<{ job: string; code: string; reason: string }> = [];
    for (const [key, failed] of Object.entries(await job.getIgnoredChildrenFailures())) {
      const { code, message } = decodeFailure(failed);
      out.push({ job: key.split(':').slice(-1)[0] ?? key, code, reason: message });
    }
    if (job.failedReason) {
      const { code, message } = decodeFailure(job.failedReason);
      out.push({ job: job.id ?? ingestId, code, reason: message });
    }
    return out;
  }

  /**
   * The BullMQ queue itself, for the pipeline's own use and for Bull Board (which shows queues
   * as BullMQ has them). Everything else asks the methods here.
   */
  bullQueue(name: string): Queue {
    return this.get(name);
  }

  /** What operators see of a queue: paused or not, workers connected, jobs by state. */
  async state(
    name: string,
    states: readonly JobState[] = JOB_STATES,
  ): Promise<{ paused: boolean; workers: number; counts: Record<string, number> }> {
    const q = this.get(name);
    const [paused, workers, counts] = await Promise.all([q.isPaused(), q.getWorkersCount(), q.getJobCounts(...states)]);
    return { paused, workers, counts };
  }

  /** Pauses a queue for every worker (running jobs finish), or resumes it. */
  async setPaused(name: string, paused: boolean): Promise<void> {
    if (paused) await this.get(name).pause();
    else await this.get(name).resume();
  }

  /** Starts a worker of a queue (its own blocking connection), named after this machine and process. */
  worker(name: string, processor: (job: Job, token?: string) => Promise<unknown>, opts: WorkerOptions, log: Logger): Worker {
    return createWorker(this.deps, name, processor, opts, log);
  }

  /** How many workers (of any machine) are connected to a queue. */
  async workerCount(name: string): Promise<number> {
    return this.get(name).getWorkersCount();
  }

  /** How many workers of a queue are connected from one machine (workers are named after it). */
  async workersOn(name: string, host: string): Promise<number> {
    // BullMQ reports each worker's connection name (CLIENT SETNAME) as `rawname`.
    return (await this.get(name).getWorkers()).filter((w) => String(w.rawname ?? '').includes(`:w:${host}:`)).length;
  }

  /** Redis answers (readiness checks). */
  async ping(): Promise<void> {
    await this.deps.connection.ping();
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}

/**
 * Turns a stage handler into a BullMQ processor. Never swallows an error: permanent failures
 * become UnrecoverableError (no retry) with "CODE: reason"; RetryLater moves the job back to the
 * delayed set without using up an attempt; everything else is rethrown so BullMQ retries it with
 * backoff.
 */
export function wrapProcessor<P extends { ingestId?: string; itemId?: string; page?: number }, R>(
  stage: string,
  handler: StageHandler<P, R>,
  baseLog: Logger,
  metrics?: MetricsStore,
  status?: { progress(ingestId: string, stage: string): Promise<void> },
  /** the institution of an item id, with several institutions (logs and metrics name it) */
  institutionOf?: (itemId: string) => string | undefined,
) {
  // Metrics never fail the work they describe.
  const record = (log: Logger, fn: (m: MetricsStore) => Promise<void>) => {
    if (metrics) fn(metrics).catch((err: Error) => log.warn({ err: { message: err.message } }, 'could not record a metric'));
  };
  return async (job: Job<P>, token?: string): Promise<R> => {
    const bindings: Record<string, unknown> = { stage, jobId: job.id, attempt: job.attemptsMade + 1 };
    const institution = job.data.itemId && institutionOf ? institutionOf(job.data.itemId) : undefined;
    if (institution) bindings.institution = institution;
    if (job.data.itemId) bindings.itemId = job.data.itemId;
    if (job.data.ingestId) bindings.ingestId = job.data.ingestId;
    if (job.data.page !== undefined) bindings.page = job.data.page;
    const log = baseLog.child(bindings);
    const started = performance.now();
    const ctx: StageContext = {
      log,
      attempt: job.attemptsMade + 1,
      progress: (p) => void job.updateProgress(p).catch(() => undefined),
    };
    try {
      const result = await handler(job.data, ctx);
      log.debug({ ms: Math.round(performance.now() - started) }, `${stage} done`);
      record(log, (m) =>
        m.observe(
          'stage_duration_seconds',
          DURATION_BUCKETS,
          { stage, outcome: 'success', ...(institution ? { institution } : {}) },
          (performance.now() - started) / 1000,
        ),
      );
      // Pages done of total, for the dashboard.
      if (status && job.data.ingestId && job.data.page !== undefined) status.progress(job.data.ingestId, stage).catch(() => undefined);
      return result;
    } catch (err) {
      if (err instanceof DelayedError || err instanceof WaitingChildrenError) throw err;
      if (err instanceof RetryLater) {
        await job.moveToDelayed(Date.now() + err.ms, token);
        throw new DelayedError(err.message);
      }
      const ms = Math.round(performance.now() - started);
      const last = (err instanceof YaddasError && err.permanent) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const code = err instanceof YaddasError ? err.code : ErrorCodes.INTERNAL;
      record(log, async (m) => {
        await m.observe(
          'stage_duration_seconds',
          DURATION_BUCKETS,
          { stage, outcome: last ? 'failure' : 'retry', ...(institution ? { institution } : {}) },
          ms / 1000,
        );
        if (last) await m.inc('failures_total', { stage, code, ...(institution ? { institution } : {}) });
      });
      if (err instanceof YaddasError) {
        const message = encodeFailure(err.code, err.message);
        if (err.permanent) {
          log.error({ err, code: err.code, ms }, `${stage} failed permanently: ${err.message}`);
          throw new UnrecoverableError(message);
        }
        log.warn({ err, code: err.code, ms }, `${stage} failed, will retry: ${err.message}`);
        throw new Error(message, { cause: err });
      }
      log.warn({ err, ms }, `${stage} failed, will retry`);
      throw new Error(encodeFailure(ErrorCodes.INTERNAL, (err as Error).message ?? String(err)), { cause: err });
    }
  };
}

export interface WorkerOptions {
  concurrency: number;
  lockSeconds?: number;
}

function createWorker(
  deps: QueueDeps,
  queue: string,
  processor: (job: Job, token?: string) => Promise<unknown>,
  opts: WorkerOptions,
  log: Logger,
): Worker {
  const lockDuration = (opts.lockSeconds ?? 30) * 1000;
  const worker = new Worker(queue, processor, {
    connection: deps.workerConnection(),
    prefix: deps.prefix,
    concurrency: opts.concurrency,
    lockDuration,
    stalledInterval: lockDuration,
    // A killed worker's job is "stalled" and runs again; several kills in a row must not fail it.
    maxStalledCount: 20,
    autorun: true,
    // Named after the machine and process, so that `yaddas health ROLE` (a container's health
    // check) can tell that this machine's worker is connected.
    name: `${hostname()}:${process.pid}`,
  });
  worker.on('error', (err) => log.error({ err, queue }, 'worker error'));
  worker.on('failed', (job, err) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1))
      log.error({ jobId: job.id, queue, err: { message: err.message } }, 'job failed for good');
  });
  return worker;
}
