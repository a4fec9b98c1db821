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
  /** when the audit ended (ISO 8601, UTC) */
  at: string;
  /** who asked: the schedule, or a person (yaddas audit) */
  by: 'schedule' | 'operator';
  /** true when some file is held good by no copy: the object is damaged */
  noGoodCopy?: boolean;
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
 * How many objects of one copy a sweep of the audit scheduler hands out: its even share of the
 * period (every object once per period, oldest audit first), plus every object never audited
 * (new content: audited soon after it is written) and every one already past the period, up to
 * `cap` per sweep so that a backlog (after an upgrade, a new replica) drains over several sweeps.
 */
export function auditsDue(o: { total: number; fresh: number; overdue: number; sweepMs: number; periodMs: number; cap: number }): number {
  const share = Math.ceil((o.total * o.sweepMs) / o.periodMs);
  return Math.min(o.cap, o.total, share + o.fresh + o.overdue);
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
