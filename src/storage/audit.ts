/**
 * A fixity audit of one object in one copy (the primary or a replica): every content file read
 * and its digests compared with the inventory's, each inventory with its sidecar, nothing missing
 * and nothing unexpected (the OCFL validator's full check). What is wrong is named by the logical
 * paths staff know (masters/12.tif), not only by content paths.
 */
import type { AuditStatus } from '../domain/audit-record.js';
import { ErrorCodes, YaddasError } from '../domain/errors.js';
import type { OcflStore } from './ocfl-store.js';
import type { Inventory } from './ocfl.core.js';
import { type ValidationIssue, validateObject } from './ocfl-validate.js';

export type { AuditStatus };

export interface AuditResult {
  id: string;
  copy: string;
  status: AuditStatus;
  /** the head version the copy holds, when its inventory could be read */
  version?: string;
  /** what is wrong: logical paths of content (masters/1.tif), or the object's own files (v2/inventory.json) */
  files: string[];
  findings: ValidationIssue[];
  checkedFiles: number;
  /** bytes of content read and checked */
  checkedBytes: number;
  at: string;
}

/**
 * The logical paths a content path holds, in any version, from an inventory known to be good
 * (the copy's own when it validated, else another copy's).
 */
function logicalPaths(inv: Inventory | null, contentPath: string): string[] {
  if (!inv) return [];
  const digest = Object.entries(inv.manifest).find(([, paths]) => paths.includes(contentPath))?.[0];
  if (!digest) return [];
  const out = new Set<string>();
  for (const v of Object.values(inv.versions)) for (const p of v.state[digest] ?? []) out.add(p);
  return [...out];
}

/**
 * `reference` names the files of a copy whose own inventory is damaged: an inventory, or a way to
 * read one, asked for only then (an audit that finds the copy's inventory whole reads no other).
 */
export async function auditObject(
  copy: string,
  ocfl: OcflStore,
  id: string,
  reference: Inventory | null | (() => Promise<Inventory | null>) = null,
): Promise<AuditResult> {
  const at = new Date().toISOString();
  const root = ocfl.rootOf(id);
  let report: Awaited<ReturnType<typeof validateObject>>;
  try {
    report = await validateObject(ocfl.store, root, { checkDigests: true });
  } catch (err) {
    // Only a copy that cannot be read is unreachable; anything else is a fault, and says so.
    if (!(err instanceof YaddasError && err.code === ErrorCodes.STORAGE_UNAVAILABLE)) throw err;
    const reason = err.message;
    return {
      id,
      copy,
      status: 'unreachable',
      files: [],
      findings: [{ code: ErrorCodes.STORAGE_UNAVAILABLE, message: reason }],
      checkedFiles: 0,
      checkedBytes: 0,
      at,
    };
  }
  // Yaddaş writes every version's inventory: one missing (a validator's warning only) is damage.
  const errors = [...report.errors, ...report.warnings.filter((w) => w.code === 'W010')];
  report = { ...report, errors };
  const base = { id, copy, findings: report.errors, checkedFiles: report.checkedFiles, checkedBytes: report.checkedBytes ?? 0, at };
  if (report.inventory === null && report.errors.length === 0) return { ...base, status: 'missing', files: [] };
  const version = report.inventory?.head;
  if (report.errors.length === 0) return { ...base, status: 'ok', files: [], ...(version ? { version } : {}) };
  const known =
    report.inventory && !report.errors.some((e) => e.path === 'inventory.json')
      ? report.inventory
      : typeof reference === 'function'
        ? await reference()
        : reference;
  const files = new Set<string>();
  for (const e of report.errors) {
    if (!e.path) continue;
    const logical = e.path.includes('/content/') ? logicalPaths(known, e.path) : [];
    for (const p of logical.length > 0 ? logical : [e.path]) files.add(p);
  }
  return { ...base, status: 'damaged', files: [...files].sort(), ...(version ? { version } : {}) };
}
