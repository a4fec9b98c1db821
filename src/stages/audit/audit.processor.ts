/**
 * The `audit` queue's jobs: an audit of one object in one copy (and the repair of what it finds,
 * unless repairs wait for an operator), and the scheduler's sweep, which hands out the audits that
 * are due and writes the audit history to every copy.
 *
 * An audit reads every file of the object in that copy (storage/audit.ts), held to the process's
 * bandwidth when the schedule asked for it. What it finds is kept in Redis and in the history of
 * every copy; a file no copy holds good marks the object damaged and sends `item.damaged`.
 */
import { createHash } from 'node:crypto';
import type { EventStream } from '../../adapters/redis/event-stream.js';
import type { MetricsStore } from '../../adapters/redis/metrics-store.js';
import type { PreservationState } from '../../adapters/redis/preservation-state.js';
import { type AuditRecord, auditsDue, type RepairRecord } from '../../domain/audit-record.js';
import { RetryLater } from '../../domain/errors.js';
import { withTimeout } from '../../domain/time.js';
import type { Logger } from '../../log.js';
import { type AuditResult, auditObject } from '../../storage/audit.js';
import { readHistory, writeHistory } from '../../storage/audit-log.js';
import { type Locks, LockNames } from '../../storage/locks.js';
import type { Inventory } from '../../storage/ocfl.core.js';
import { OcflStore } from '../../storage/ocfl-store.js';
import { type RepairAction, repairObject } from '../../storage/repair.js';
import { Bandwidth, ThrottledObjectStore } from '../../storage/throttled-store.js';
import type { Deliveries, HandlerFactory, PreservationJobs, StageHandler } from '../stage.js';
import { damagedEvent } from './audit.core.js';
import type { AuditPayload, AuditReturn } from './audit.stage.js';

export const PRIMARY = 'primary';

export interface AuditDeps {
  primary: OcflStore;
  replicas: Array<{ name: string; ocfl: OcflStore }>;
  state: PreservationState;
  locks: Locks;
  jobs: PreservationJobs;
  events: EventStream;
  deliveries: Deliveries;
  webhookUrls: string[];
  metrics: MetricsStore;
  audit: { days: number; mbPerSecond: number; sweepMinutes: number; repair: 'auto' | 'operator' };
  /** the institution whose objects these are (item.damaged names it) */
  institution: string;
}

type Copy = { name: string; ocfl: OcflStore };

const DAY_MS = 24 * 3600 * 1000;
/** Most audits one sweep hands out per copy: a backlog drains over several sweeps. */
const SWEEP_CAP = 5000;
/** An object being written (an ingest, a copy, a repair) is audited a little later, not judged half-written. */
const BUSY_RETRY_MS = 5 * 60_000;
const COPY_LOCK_TTL_MS = 120_000;

/** Every copy by name: the primary first, then the replicas. */
export const allCopies = (d: Pick<AuditDeps, 'primary' | 'replicas'>): Copy[] => [{ name: PRIMARY, ocfl: d.primary }, ...d.replicas];

/** Whether anyone is writing the object in that copy now (its ingest on the primary, a copy job or repair). */
async function beingWritten(locks: Locks, copy: string, id: string): Promise<boolean> {
  if ((await locks.holder(LockNames.copy(copy, id))) !== null) return true;
  return copy === PRIMARY && (await locks.holder(LockNames.object(id))) !== null;
}

/** Runs `fn` as the one writer of the object in a copy, waiting a little for another to finish. */
function holdingCopy(locks: Locks, id: string) {
  return <T>(copy: string, fn: () => Promise<T>): Promise<T> =>
    locks.withLock(LockNames.copy(copy, id), { waitMs: 60_000, ttlMs: COPY_LOCK_TTL_MS }, fn);
}

/** The inventory that names each file's right digest: the primary's, or the first replica's that reads good. */
export async function referenceOf(copies: Copy[], id: string): Promise<Inventory | null> {
  for (const c of copies) {
    const inv = await c.ocfl.readInventory(id).catch(() => null);
    if (inv) return inv;
  }
  return null;
}

/**
 * Audits one object in one copy, repairs what a good copy can restore (or says it waits for an
 * operator), and keeps the result. `throttle`: the bandwidth scheduled audits are held to.
 */
export async function auditAndKeep(
  deps: AuditDeps,
  job: { itemId: string; copy: string; by: 'schedule' | 'operator'; due?: number },
  log: Logger,
  bandwidth?: Bandwidth,
): Promise<AuditRecord> {
  const copies = allCopies(deps);
  const names = copies.map((c) => c.name);
  const target = copies.find((c) => c.name === job.copy);
  if (!target) throw new Error(`no copy named "${job.copy}" (copies: ${names.join(', ')})`);
  const id = job.itemId;
  if (job.due !== undefined) {
    // Audited since it was handed out (this job ran before, and its worker died before finishing
    // it): counted once, not twice; damage it found is announced again (the event id is fixed).
    const place = await deps.state.placeInLine(job.copy, id);
    const last = (await deps.state.lastAudits(job.copy, [id]))[0];
    if (place !== null && place !== job.due && last) {
      log.info({ copy: job.copy, at: last.at }, `${id} in ${job.copy} was audited since this audit was handed out: not again`);
      if (last.noGoodCopy) await announceDamage(deps, last, (await deps.state.damagedSince(id)) ?? last.at, log);
      return last;
    }
  }
  const reading = bandwidth ? new OcflStore(new ThrottledObjectStore(target.ocfl.store, bandwidth), deps.locks) : target.ocfl;
  // Read when needed, once: to name what is wrong, to repair, or to compare a replica's head with
  // the primary's. An audit of the primary that finds it whole needs none (its own inventory was read).
  let referenceRead: Promise<Inventory | null> | undefined;
  const referenceNow = () => (referenceRead ??= referenceOf(copies, id));
  // A write to the object in this copy that starts and ends while a long audit reads it would
  // make its half-written version look like damage: what is being written is noted before and
  // after, and an audit that overlapped a write finds nothing (it runs again later).
  const before = await writing(deps.locks, target, id);
  const audit = await auditObject(target.name, reading, id, referenceNow);
  const reference = audit.status === 'damaged' || target.name !== PRIMARY ? await referenceNow() : null;
  if (audit.status === 'damaged') {
    const after = await writing(deps.locks, target, id);
    if (before.busy || after.busy || before.root !== after.root)
      throw new RetryLater(BUSY_RETRY_MS, `${id} was being written in ${target.name} while it was audited: audited again later`);
  }

  const record = auditRecord(audit, job.by);
  const metric = keepMetric(log);
  if (audit.status === 'damaged' && reference) {
    const dryRun = deps.audit.repair === 'operator';
    const r = await repairObject(copies, id, reference, {
      only: target.name,
      audit,
      dryRun,
      holding: holdingCopy(deps.locks, id),
      onAction: keepRepair(deps, id, names, log),
    });
    // A copy that could not be read may hold what is missing here: no verdict until it can.
    if (r.actions.some((a) => a.transient))
      throw new RetryLater(BUSY_RETRY_MS, `a copy of ${id} could not be read during its repair in ${target.name}: audited again later`);
    const after = r.after[0];
    if (!dryRun && after?.status === 'ok') {
      record.status = 'repaired';
      record.at = after.at;
    }
    if (r.actions.some((a) => a.outcome === 'no good copy')) {
      record.noGoodCopy = true;
      record.reason = 'a file that no copy holds good';
    }
    // A replica's damaged inventory or declaration is restored by copying them again, checked.
    if (target.name !== PRIMARY && r.actions.some((a) => a.outcome === 'left' && /inventory\.json|^0=/.test(a.path)))
      await deps.jobs.replicate(id, reference.head, [target.name], { again: true });
    if (target.name === PRIMARY && r.actions.some((a) => a.outcome === 'left')) {
      record.noGoodCopy = true;
      record.reason ??= "the primary's inventory, or files it does not list: only a person can set them right";
    }
  }
  if (audit.status === 'damaged' && !reference) {
    record.noGoodCopy = true;
    record.reason = 'no copy holds an inventory of it that reads good';
  }
  if (target.name === PRIMARY && audit.status === 'missing') {
    record.noGoodCopy = true;
    record.reason = 'the object is gone from the primary';
  }
  // A replica behind the primary, or without the object, gets its copy job again.
  if (target.name !== PRIMARY && reference && (audit.status === 'missing' || (audit.version && audit.version !== reference.head)))
    await deps.jobs.replicate(id, reference.head, [target.name], { again: true });

  await deps.state.recordAudit(record, names);
  await metric(() => deps.metrics.inc('audits_total', { copy: record.copy, status: record.status }));
  await metric(() => deps.metrics.inc('audit_bytes_total', { copy: record.copy }, audit.checkedBytes));

  if (record.noGoodCopy) {
    await announceDamage(deps, record, (await deps.state.damagedSince(id)) ?? record.at, log);
  } else if ((record.status === 'ok' || record.status === 'repaired') && (await deps.state.isDamaged(id))) {
    // Damaged no more only once every copy's last audit is whole.
    const lasts = await Promise.all(names.map(async (c) => (await deps.state.lastAudits(c, [id]))[0]));
    if (lasts.every((l) => l?.status === 'ok' || l?.status === 'repaired')) await deps.state.clearDamaged(id);
  }
  const level = record.status === 'ok' ? 'info' : 'warn';
  log[level](
    { copy: record.copy, status: record.status, files: record.files, checkedFiles: record.checkedFiles },
    `audit of ${id} in ${record.copy}: ${record.status}`,
  );
  return record;
}

/** An audit's result as it is kept (the validator's findings only when something was found). */
export function auditRecord(audit: AuditResult, by: AuditRecord['by']): AuditRecord {
  return {
    kind: 'audit',
    id: audit.id,
    copy: audit.copy,
    status: audit.status,
    ...(audit.version ? { version: audit.version } : {}),
    files: audit.files,
    checkedFiles: audit.checkedFiles,
    checkedBytes: audit.checkedBytes,
    at: audit.at,
    by,
    ...(audit.status === 'ok'
      ? {}
      : { findings: audit.findings.map((f) => ({ code: f.code, message: f.message, ...(f.path ? { path: f.path } : {}) })) }),
  };
}

/** Metrics never fail the work they describe. */
const keepMetric = (log: Logger) => (fn: () => Promise<void>) =>
  fn().catch((err: Error) => log.warn({ err: { message: err.message } }, 'metric not kept'));

/**
 * Keeps each repair action the moment it is taken (history of every copy, metric, log): a worker
 * killed after writing a file still leaves its record.
 */
export function keepRepair(deps: Pick<AuditDeps, 'state' | 'metrics'>, id: string, names: string[], log: Logger) {
  const metric = keepMetric(log);
  return async (a: RepairAction): Promise<void> => {
    const { transient: _, ...rest } = a;
    const rec: RepairRecord = { kind: 'repair', id, at: new Date().toISOString(), ...rest };
    await deps.state.recordHistory([rec], names);
    await metric(() => deps.metrics.inc('repairs_total', { copy: a.copy, outcome: a.outcome }));
    log.warn({ itemId: id, ...a }, `repair: ${a.path} in ${a.copy}: ${a.outcome}${a.from ? ` (from ${a.from})` : ''}`);
  };
}

/** Whether the object is being written in a copy (its lock held), and its root inventory's digest there. */
async function writing(locks: Locks, c: Copy, id: string): Promise<{ busy: boolean; root: string | null }> {
  const busy = await beingWritten(locks, c.name, id);
  const bytes = await c.ocfl.store.getBuffer(`${c.ocfl.rootOf(id)}/inventory.json`).catch(() => null);
  return { busy, root: bytes ? createHash('sha256').update(bytes).digest('hex') : null };
}

async function announceDamage(deps: AuditDeps, r: AuditRecord, since: string, log: Logger): Promise<void> {
  const reason = r.reason ?? 'a file that no copy holds good';
  const ev = damagedEvent(r, since, reason, deps.institution);
  const { added, json } = await deps.events.append(ev);
  // Once per discovery: deliveries only with the event's first appending.
  if (!added) return;
  await deps.deliveries.queue(deps.webhookUrls.map((url) => ({ eventId: ev.id, itemId: ev.itemId, url, body: json, type: ev.type })));
  log.error({ itemId: r.id, copy: r.copy, files: r.files, reason }, `item.damaged: ${r.id}: ${reason}`);
}

/**
 * The scheduler's sweep: rebuilds the audit state from the stored history when Redis lost it,
 * hands out the audits due in each copy, and writes waiting history records to every copy.
 */
export async function sweep(
  deps: AuditDeps,
  log: Logger,
  now = Date.now(),
): Promise<{ queued: number; flushed: number; rebuilt: boolean }> {
  const copies = allCopies(deps);
  let rebuilt = false;
  if (!(await deps.state.rebuilt())) {
    await rebuild(deps, copies, log, now);
    rebuilt = true;
  }
  const periodMs = deps.audit.days * DAY_MS;
  let queued = 0;
  for (const c of copies) {
    // A copy that does not answer gets no audits now (they would all say so): its objects stay due.
    const down = await withTimeout(c.ocfl.ping(), 10_000, () => new Error('no answer within 10 s')).then(
      () => null,
      (err: Error) => err.message,
    );
    if (down) {
      log.warn({ copy: c.name, reason: down }, `${c.name} cannot be reached: its audits wait for it`);
      continue;
    }
    const counts = await deps.state.auditCounts(c.name, now - periodMs, now - periodMs / 2);
    const n = auditsDue({ ...counts, sweepMs: deps.audit.sweepMinutes * 60_000, periodMs, cap: SWEEP_CAP });
    const due = await deps.state.oldest(c.name, n);
    queued += await deps.jobs.audit(
      due.map((d) => ({ itemId: d.id, copy: c.name, due: d.at })),
      'schedule',
    );
  }
  const flushed = await flushHistory(deps, copies, log);
  if (queued > 0 || flushed > 0) log.info({ queued, flushed }, 'audit sweep');
  return { queued, flushed, rebuilt };
}

/** Writes each copy's waiting history records to it, a batch at a time; a copy that is down keeps its own. */
export async function flushHistory(deps: Pick<AuditDeps, 'state' | 'locks'>, copies: Copy[], log: Logger): Promise<number> {
  let written = 0;
  for (const c of copies) {
    try {
      // Renewed while held; a short time to live, so that a worker killed while writing holds up
      // the next writer for seconds, not minutes (its batch is written again under the same name).
      await deps.locks.withLock(`audit-log:${c.name}`, { waitMs: 2000, ttlMs: 15_000 }, async () => {
        for (let i = 0; i < 100; i++) {
          const batch = await deps.state.takeBatch(c.name);
          if (batch.length === 0) return;
          await writeHistory(c.ocfl.store, batch);
          await deps.state.batchWritten(c.name);
          written += batch.length;
        }
      });
    } catch (err) {
      log.warn(
        { copy: c.name, err: { message: (err as Error).message } },
        `the audit history could not be written to ${c.name} now; it waits`,
      );
    }
  }
  return written;
}

/**
 * After Redis lost its data (or on the first sweep of an installation): each object's last audit
 * from the stored history (any copy's: each holds every copy's records), then every object of the
 * primary put in every copy's line (those the history does not name: audited first).
 */
async function rebuild(deps: AuditDeps, copies: Copy[], log: Logger, now: number): Promise<void> {
  const since = new Date(now - deps.audit.days * DAY_MS - 31 * DAY_MS);
  let restored = 0;
  for (const c of copies) {
    try {
      for await (const r of readHistory(c.ocfl.store, since)) {
        if (r.kind !== 'audit' || !copies.some((x) => x.name === r.copy)) continue;
        await deps.state.restoreAudit(r);
        restored++;
      }
      break;
    } catch (err) {
      log.warn(
        { copy: c.name, err: { message: (err as Error).message } },
        `the audit history of ${c.name} could not be read; trying the next copy`,
      );
    }
  }
  let objects = 0;
  const unreadable = (root: string, reason: string) =>
    log.error({ objectRoot: root }, `the object at ${root} cannot be audited by id: ${reason}; a person must look at it`);
  const replicas = copies.filter((c) => c.name !== PRIMARY).map((c) => c.name);
  for await (const id of deps.primary.objectIds(unreadable)) {
    for (const c of copies) await deps.state.track(c.name, id);
    await deps.state.restoreCopies(id, replicas);
    objects++;
  }
  const damaged = await deps.state.restoreDamaged(copies.map((c) => c.name));
  if (damaged > 0) log.error({ damaged }, `${damaged} damaged object(s) put back on the damaged list from the history`);
  await deps.state.markRebuilt();
  log.info({ restored, objects }, `audit state rebuilt from the stored history: ${restored} audits of ${objects} objects`);
}

export function auditProcessor(deps: AuditDeps): StageHandler<AuditPayload, AuditReturn> {
  // One bandwidth per process, shared by every scheduled audit it runs.
  const bandwidth = new Bandwidth(deps.audit.mbPerSecond * 1_000_000);
  return async (data, { log }) => {
    if ('sweep' in data) return sweep(deps, log);
    // The lift needs the operations' ports (it publishes): the composition root routes it.
    if ('lift' in data) throw new Error('the embargo lift is not an audit: the audit worker built by app.ts runs it');
    return auditAndKeep(deps, data, log, data.by === 'schedule' ? bandwidth : undefined);
  };
}

export const auditDeps = (p: Parameters<HandlerFactory<AuditPayload, AuditReturn>>[0]): AuditDeps => ({
  primary: p.preservation,
  replicas: p.replicas,
  state: p.keeping,
  locks: p.locks,
  jobs: p.preservationJobs,
  events: p.events,
  deliveries: p.deliveries,
  webhookUrls: p.config.webhooks.urls,
  metrics: p.metrics,
  audit: p.config.audit,
  institution: p.institution.id,
});

export const auditHandler: HandlerFactory<AuditPayload, AuditReturn> = (p) => auditProcessor(auditDeps(p));
