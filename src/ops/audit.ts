/**
 * `yaddas audit`: fixity audits of objects in every copy (the primary and each replica) or the one
 * named, either handed to the audit workers (as the schedule's are, but first in line), or run now
 * in this process with the same code (`--wait`). Either way each result is kept like a scheduled
 * one: the object's last audit, the history in every copy, repairs, `item.damaged`.
 * `yaddas audit report`: the history, from storage, with what has not reached it yet.
 */
import type { AuditRecord, HistoryRecord } from '../domain/audit-record.js';
import { AUDIT_QUEUE } from '../pipeline/plan.js';
import { allCopies, auditAndKeep, auditDeps, flushHistory, PRIMARY } from '../stages/audit/audit.processor.js';
import { readHistory } from '../storage/audit-log.js';
import type { OcflStore } from '../storage/ocfl-store.js';
import { parallel } from '../domain/parallel.js';
import type { OpsPorts } from './ports.js';

/** Objects audited at once by `yaddas audit --wait`: small objects are bound by round trips, not bytes. */
const AUDIT_CONCURRENCY = 8;

export { PRIMARY };

/** Every copy by name: the primary first, then the replicas; or the one named. */
export function copies(app: Pick<OpsPorts, 'preservation' | 'replicas'>, name?: string): Array<{ name: string; ocfl: OcflStore }> {
  const all = allCopies({ primary: app.preservation, replicas: app.replicas });
  if (!name) return all;
  const one = all.filter((c) => c.name === name);
  if (one.length === 0) throw new Error(`no copy named "${name}" (copies: ${all.map((c) => c.name).join(', ')})`);
  return one;
}

/** An audit that could not be made now, and why. */
export interface AuditError {
  id: string;
  copy: string;
  error: string;
}

/**
 * Audits run now, in this process, a few objects at a time (each in every chosen copy, one copy
 * after another), results as they are done; each result kept. Bounded: ids are drawn from the
 * stream only as audits finish.
 */
export async function* audit(
  app: OpsPorts,
  ids: AsyncIterable<string> | Iterable<string>,
  copyName?: string,
  concurrency = AUDIT_CONCURRENCY,
): AsyncIterable<AuditRecord | AuditError> {
  copies(app, copyName); // an unknown copy name is said before anything runs
  // Each object in its own institution's copies.
  const used = new Map<OpsPorts, ReturnType<typeof auditDeps>>();
  const depsOf = (t: OpsPorts) => used.get(t) ?? used.set(t, auditDeps(t)).get(t)!;
  // One object that cannot be audited now (being written, a copy that fails mid-read) is said,
  // and the others go on.
  const one = async (id: string) => {
    const out: Array<AuditRecord | AuditError> = [];
    let t: OpsPorts;
    try {
      t = app.forItem(id);
    } catch (err) {
      return [{ id, copy: copyName ?? 'primary', error: (err as Error).message }];
    }
    for (const c of copies(t, copyName)) {
      try {
        out.push(await auditAndKeep(depsOf(t), { itemId: id, copy: c.name, by: 'operator' }, t.log));
      } catch (err) {
        out.push({ id, copy: c.name, error: (err as Error).message });
      }
    }
    return out;
  };
  for await (const results of parallel(ids, concurrency, one)) yield* results;
  // What was found is written to every copy's history now, not at the next sweep.
  for (const [t, deps] of used) await flushHistory(deps, allCopies(deps), t.log);
}

/** Audits handed to the audit workers, ahead of the schedule's; how many, and whether a worker is there to run them. */
export async function queueAudits(
  app: OpsPorts,
  ids: AsyncIterable<string> | Iterable<string>,
  copyName?: string,
): Promise<{ queued: number; workers: number }> {
  const chosen = copies(app, copyName);
  let queued = 0;
  let batch: Array<{ itemId: string; copy: string; due: number }> = [];
  for await (const id of ids) {
    for (const c of chosen) batch.push({ itemId: id, copy: c.name, due: 0 });
    if (batch.length >= 500) {
      queued += await app.preservationJobs.audit(batch, 'operator');
      batch = [];
    }
  }
  queued += await app.preservationJobs.audit(batch, 'operator');
  return { queued, workers: await app.queues.workerCount(AUDIT_QUEUE) };
}

/**
 * The audit history from `since` on: the stored history of the first copy that can be read (each
 * holds every copy's records), then the records not yet written to it. Streamed, oldest first.
 */
export async function* auditHistory(app: OpsPorts, since?: Date): AsyncIterable<HistoryRecord> {
  const from = since?.toISOString() ?? '';
  let source: string | null = null;
  let lastError: Error | null = null;
  for (const c of copies(app)) {
    try {
      await c.ocfl.ping();
      source = c.name;
      for await (const r of readHistory(c.ocfl.store, since)) yield r;
      break;
    } catch (err) {
      if (source === c.name) throw err; // failed part-way: do not mix two copies' histories
      lastError = err as Error;
    }
  }
  if (source === null) throw new Error(`no copy's audit history could be read: ${lastError?.message ?? 'no copies'}`);
  for (const r of await app.keeping.pending(source)) if (r.at >= from) yield r;
}
