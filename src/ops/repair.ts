/**
 * `yaddas repair`: files that fail their audit in one copy written again from a copy that holds
 * them good (storage/repair.ts), for each object named: what the audits do by themselves unless
 * YADDAS_AUDIT_REPAIR=operator. The reference is the primary's inventory, or, when the primary's
 * own is damaged, the first replica's that reads good. Each copy is written holding its lock (no
 * copy job or other repair beside it), and every action is kept in the audit history.
 */
import type { AuditRecord } from '../domain/audit-record.js';
import { auditRecord, flushHistory, keepRepair, referenceOf } from '../stages/audit/audit.processor.js';
import { LockNames } from '../storage/locks.js';
import { type RepairResult, repairObject } from '../storage/repair.js';
import { copies } from './audit.js';
import type { OpsPorts } from './ports.js';

export async function* repair(
  app: OpsPorts,
  ids: AsyncIterable<string> | Iterable<string>,
): AsyncIterable<RepairResult | { id: string; error: string }> {
  const touched = new Set<OpsPorts>();
  for await (const id of ids) {
    // Each object among its own institution's copies.
    let t: OpsPorts;
    try {
      t = app.forItem(id);
    } catch (err) {
      yield { id, error: (err as Error).message };
      continue;
    }
    touched.add(t);
    const all = copies(t);
    const names = all.map((c) => c.name);
    const reference = await referenceOf(all, id);
    if (!reference) {
      yield { id, error: 'no copy holds an inventory of it that reads good: nothing to repair from' };
      continue;
    }
    const r = await repairObject(all, id, reference, {
      holding: (copy, fn) => t.locks.withLock(LockNames.copy(copy, id), { waitMs: 60_000, ttlMs: 120_000 }, fn),
      onAction: keepRepair({ state: t.keeping, metrics: t.metrics }, id, names, t.log),
    });
    // Each copy's audit after the repairs is its last audit now (repaired where a file was written).
    for (const after of r.after) {
      const wrote = r.actions.some((a) => a.copy === after.copy && a.outcome === 'repaired');
      const record: AuditRecord = {
        ...auditRecord(after, 'operator'),
        ...(after.status === 'ok' && wrote ? { status: 'repaired' as const } : {}),
        ...(r.actions.some((a) => a.copy === after.copy && a.outcome === 'no good copy')
          ? { noGoodCopy: true, reason: 'a file that no copy holds good' }
          : {}),
      };
      await t.keeping.recordAudit(record, names);
    }
    // Damaged no more only when every copy now audits whole.
    if (r.after.every((a) => a.status === 'ok')) await t.keeping.clearDamaged(id);
    yield r;
  }
  for (const t of touched) await flushHistory({ state: t.keeping, locks: t.locks }, copies(t), t.log);
}
