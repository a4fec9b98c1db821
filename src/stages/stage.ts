/**
 * The stage kit: what every stage's contract is made of. A stage is a folder under stages/:
 *
 * - `<name>.stage.ts` is its contract, pure: the payload of one job and what it returns, the slice
 *   of the ingest's state it owns, and its spec: `fanOut` (the jobs of its step, from the state)
 *   and `fold` (what their results and failures make of the state). Table-tested without I/O.
 * - `<name>.processor.ts` is its handler: one job's I/O, through the ports it is given.
 *
 * The pipeline (pipeline/plan.ts) lists the steps and composes the specs; it knows no stage's
 * insides, and nothing here knows the pipeline or BullMQ.
 */
import type { CollectionMembership } from '../adapters/redis/collection-membership.js';
import type { Embargoes } from '../adapters/redis/embargoes.js';
import type { EventStream } from '../adapters/redis/event-stream.js';
import type { MetricsStore } from '../adapters/redis/metrics-store.js';
import type { PreservationState } from '../adapters/redis/preservation-state.js';
import type { OcrEngines } from '../adapters/ocr-engine.js';
import type { Institution } from '../config/institutions.js';
import type { Config } from '../config/load.js';
import { decodeFailure, ErrorCodes, YaddasError } from '../domain/errors.js';
import type { IngestManifest, Outcome } from '../domain/item.js';
import { type AccessFacts, accessWithheld } from '../domain/withdrawal.js';
import type { Logger } from '../log.js';
import type { Locks } from '../storage/locks.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { OcflStore } from '../storage/ocfl-store.js';
import type { OcflUser } from '../storage/ocfl.core.js';

/** Where a stage's worker must run: `intake` stages read the staged files on local disk. */
export type Host = 'intake' | 'any';

/** The access copies of the version an ingest made: published, or why not. */
export interface Publication {
  status: 'published' | 'failed' | 'skipped';
  reason?: string;
}

/** What every stage may read of an ingest's state: what intake knew, and what has been decided. */
export interface IngestCore {
  manifest: IngestManifest;
  /** the item's fate (preserved, rejected, failed), once decided; only clean-up steps run after a rejection */
  outcome?: Outcome;
  /** set once the access copies are decided (preservation does not depend on them) */
  publication?: Publication;
}

/** One job of a step: its key (a page number or "item", unique in the step) and its payload. */
export interface ChildJob<P> {
  key: string;
  data: P;
}

/** Every payload names its ingest and item (logs, metrics and progress are keyed by them). */
export interface JobRef {
  ingestId: string;
  itemId: string;
  /** the page or view a job is about, when it is about one */
  page?: number;
}

export const jobRef = (s: IngestCore): { ingestId: string; itemId: string } => ({
  ingestId: s.manifest.ingestId,
  itemId: s.manifest.itemId,
});

/**
 * A stage's contract. `S` is the part of the ingest's state it reads and writes: `fold` returns
 * the whole state it was given with its own slice changed, whatever else that state holds.
 */
export interface StageSpec<N extends string, P extends JobRef, R, S extends IngestCore> {
  name: N;
  runsOn: Host;
  /** what people see while an item is in this step */
  label: string;
  /** runs even when an earlier step decided the outcome (clean-up and release) */
  always?: boolean;
  /** the item's status (preserved, rejected, failed) is final once this step is done */
  endsPreservation?: boolean;
  /** the jobs of this step; none skips it */
  fanOut(s: S): ChildJob<P>[];
  /**
   * Folds the jobs' results (by key) and the failures that outlived their retries ("CODE: reason",
   * by key) into the state. Setting `outcome` ends the ingest after the `always` steps.
   */
  fold<T extends S>(s: T, results: Readonly<Record<string, R>>, failures: Readonly<Record<string, string>>): T;
}

/** What a handler knows of the job it runs, besides its payload. */
export interface StageContext {
  log: Logger;
  /** 1 on the first attempt */
  attempt: number;
  /** progress for operators (say, bytes uploaded so far); best effort, never fails the job */
  progress(p: Record<string, unknown>): void;
}

/**
 * One job's work. A permanent failure is a YaddasError with `permanent: true`; anything else
 * thrown is retried; RetryLater runs it again later without using up an attempt.
 */
export type StageHandler<P, R> = (data: P, ctx: StageContext) => Promise<R>;

/** Webhook deliveries of an event, queued by announce (the pipeline's queues implement this). */
export interface Deliveries {
  /** `type`: the event's type (item.published by default), for the receiver's header */
  queue(d: Array<{ eventId: string; itemId: string; url: string; body: string; type?: string }>): Promise<void>;
}

/** What handlers are built from: the composition root hands every stage the same ports. */
export interface StagePorts {
  /** the configuration as this institution's stages read it (its buckets, public location, collections) */
  config: Config;
  /** the institution whose items these ports serve */
  institution: Institution;
  log: Logger;
  /** the preservation bucket's OCFL objects */
  preservation: OcflStore;
  /** the access bucket */
  access: ObjectStore;
  locks: Locks;
  /** whether an ingest has ended entirely (a lock holder that finished without letting go) */
  ingestEnded(ingestId: string): Promise<boolean>;
  /** counters and histograms every process adds to (OCR confidence) */
  metrics: MetricsStore;
  /** this process's OCR engines, started on first use */
  ocr(): Promise<OcrEngines>;
  /** the time now: the installation's clock, a test's own in tests (embargoes are lifted by it) */
  now(): Date;
  /** the downstream event stream */
  events: EventStream;
  /** which items are in which exhibitions and collections */
  membership: CollectionMembership;
  /** items under embargo, by when it ends */
  embargoes: Embargoes;
  deliveries: Deliveries;
  /** the replica stores: further copies of the preservation bucket's storage root */
  replicas: Array<{ name: string; ocfl: OcflStore }>;
  /** copies, audits and damage as Redis knows them (the history is kept in storage too) */
  keeping: PreservationState;
  /** queues copies to replicas, audits and repairs */
  preservationJobs: PreservationJobs;
}

/** The preservation queues, as stages see them (the pipeline's queues implement this). */
export interface PreservationJobs {
  /**
   * copies of an object's new version to the replicas named (job ids fixed: adding twice is a
   * no-op); `again`: a copy asked for once more (an audit found the replica behind or damaged)
   */
  replicate(itemId: string, version: string, copies: string[], opts?: { again?: boolean }): Promise<void>;
  /** audits of objects in copies; `operator` ones go first and are not held to the bandwidth limit */
  audit(jobs: Array<{ itemId: string; copy: string; due: number }>, by: 'schedule' | 'operator'): Promise<number>;
}

/** Builds a stage's handler from the ports (each processor module exports one). */
export type HandlerFactory<P, R> = (ports: StagePorts) => StageHandler<P, R>;

/** An ingest whose masters were just stored as a new version: the access steps have work. */
export const newlyPreserved = (s: IngestCore): boolean => s.outcome?.status === 'preserved' && !s.outcome.unchanged;

/** Failures that outlived their retries make the item `failed`, with the first one as reason. */
export function failWith<T extends IngestCore>(s: T, what: string, failures: Readonly<Record<string, string>>): T {
  const first = Object.values(failures)[0] ?? '';
  const { code, message } = decodeFailure(first);
  const n = Object.keys(failures).length;
  return { ...s, outcome: { status: 'failed', code, reason: `${what} failed${n > 1 ? ` for ${n} files` : ''}: ${message}` } };
}

/** The first failure's message ("CODE: reason" decoded), for reasons shown to people. */
export const firstFailure = (failures: Readonly<Record<string, string>>): string => decodeFailure(Object.values(failures)[0] ?? '').message;

export const hasFailures = (failures: Readonly<Record<string, string>>): boolean => Object.keys(failures).length > 0;

/** Who OCFL versions name as their user (the configuration always has an address: load.ts). */
export const ocflUser = (c: Config): OcflUser => ({ name: c.ocfl.userName, address: c.ocfl.userAddress });

/** A view's master that its object does not hold (removed by hand?): permanent, nothing to retry. */
export const masterNotInObject = (d: { itemId: string; page: number; sha512: string }): YaddasError =>
  new YaddasError(
    ErrorCodes.STAGED_FILE_MISSING,
    `The master of page ${d.page} (SHA-512 ${d.sha512.slice(0, 16)}…) is not in object ${d.itemId}.`,
    {
      permanent: true,
    },
  );

/**
 * Why nothing of the item may be public now (withdrawn, restricted), from its head version's item
 * record; undefined when it may be. Every writer of the access bucket asks, before and after writing.
 */
export async function accessWithheldNow(ocfl: OcflStore, itemId: string, now: Date): Promise<string | undefined> {
  return accessWithheld((await ocfl.readHead<AccessFacts>(itemId))?.record, now);
}
