/**
 * What audits and repairs leave behind: one record per audit of an object in a copy, and one per
 * file a repair acted on. The same records are kept in Redis (the last of each, for fast answers)
 * and written to every copy's audit history (storage/audit-log.ts), which outlives Redis.
 * docs/copies.md documents them for preservation staff (audit records, version 1).
 */

/**
 * ok: every file as its inventory says. damaged: something is wrong (`files` says what).
 * repaired: something was wrong and was restored from another copy. missing: the copy has no
 * such object. unreachable: the copy could not be read (not a verdict on the object).
 */
export type AuditStatus = 'ok' | 'damaged' | 'repaired' | 'missing' | 'unreachable';

export interface AuditRecord {
  kind: 'audit';
  id: string;
  copy: string;
  status: AuditStatus;
  /** the head version the copy holds, when its inventory could be read */
  version?: string;
  /** what was found wrong: logical paths (masters/12.tif) or the object's own files (v2/inventory.json) */
  files: string[];
  /** content files read and checked */
  checkedFiles: number;
  /** their bytes */
  checkedBytes?: number;
  /** when the audit ended (ISO 8601, UTC) */
  at: string;
  /** who asked: the schedule, or a person (yaddas audit) */
  by: 'schedule' | 'operator';
  /** true when some file is held good by no copy (or the primary is gone or its inventory damaged): the object is damaged */
  noGoodCopy?: boolean;
  /** why, in plain words, when noGoodCopy */
  reason?: string;
  /** what the audit found, in the validator's words (only when not ok) */
  findings?: Array<{ code: string; message: string; path?: string }>;
}

export interface RepairRecord {
  kind: 'repair';
  id: string;
  /** the copy written to */
  copy: string;
  /** the file, relative to the object root (v1/content/masters/12.tif) */
  path: string;
  /** 'awaiting operator': a good copy exists; repairs wait for `yaddas repair` (YADDAS_AUDIT_REPAIR=operator) */
  outcome: 'repaired' | 'no good copy' | 'left' | 'awaiting operator';
  /** the copy the good bytes came from */
  from?: string;
  /** what was wrong, or why nothing was written */
  reason?: string;
  at: string;
}

export type HistoryRecord = AuditRecord | RepairRecord;

/** The month a record belongs to in the history, from its time: `2026-12`. */
export const monthOf = (at: string): string => at.slice(0, 7);

/**
 * How many objects of one copy a sweep of the audit scheduler hands out, oldest audit first:
 *
 * - the objects audited more than half a period ago (`older`), spread over the half period
 *   that is left for them: in a steady state (audits spread evenly) that is the copy's even share,
 *   every object once per period; objects that were all audited at once (after an upgrade, a new
 *   replica) are spread out over the next half period instead of all coming due together again,
 *   and a small collection audited lately is not audited again and again;
 * - every object past the period (`overdue`), if that is more;
 * - every object never audited (`fresh`: new content, audited soon after it is written);
 *
 * up to `cap` per sweep, so that a backlog drains over several sweeps.
 */
export function auditsDue(o: {
  total: number;
  fresh: number;
  overdue: number;
  older: number;
  sweepMs: number;
  periodMs: number;
  cap: number;
}): number {
  const share = Math.ceil((o.older * o.sweepMs) / (o.periodMs / 2));
  return Math.min(o.cap, o.total, Math.max(share, o.overdue) + o.fresh);
}

/** The audit history as CSV (RFC 4180), one line per record, audits and repairs alike. */
export function historyCsv(records: Iterable<HistoryRecord>): string {
  const cell = (v: unknown) => {
    const s = v === undefined || v === null ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = ['at,kind,id,copy,status,version,files,checked_files,from,reason,by'];
  for (const r of records) {
    lines.push(
      (r.kind === 'audit'
        ? [r.at, r.kind, r.id, r.copy, r.status, r.version, r.files.join(' '), r.checkedFiles, '', '', r.by]
        : [r.at, r.kind, r.id, r.copy, r.outcome, '', r.path, '', r.from, r.reason, '']
      )
        .map(cell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
