/**
 * The audit history kept in a storage root, so that it outlives Redis and travels with the copy:
 *
 *   extensions/yaddas-audit-log/<YYYY-MM>/<first record's time>-<digest>.jsonl
 *
 * one JSON record per line (domain/audit-record.ts), a file per batch written, grouped by the
 * month of its records. Every copy holds the history of every copy's audits. A file's name ends
 * in the SHA-256 of its bytes: writing the same batch again (after a crash between writing it and
 * letting go of it in Redis) writes the same file, never a second one. Never an OCFL version per
 * audit: the objects themselves are not touched.
 */
import { createHash } from 'node:crypto';
import { ErrorCodes, YaddasError } from '../domain/errors.js';
import { type HistoryRecord, monthOf } from '../domain/audit-record.js';
import type { ObjectStore } from './object-store.js';

export const AUDIT_LOG_DIR = 'extensions/yaddas-audit-log/';

/** Writes a batch of records (one file per month they fall in), each read back and compared. */
export async function writeHistory(store: ObjectStore, records: HistoryRecord[]): Promise<string[]> {
  const byMonth = new Map<string, HistoryRecord[]>();
  for (const r of records) {
    const m = monthOf(r.at);
    const list = byMonth.get(m);
    if (list) list.push(r);
    else byMonth.set(m, [r]);
  }
  const keys: string[] = [];
  for (const [month, rs] of byMonth) {
    const body = Buffer.from(rs.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8');
    const stamp = rs[0]!.at.replace(/[-:]/g, '').replace(/\.\d+/, '');
    const key = `${AUDIT_LOG_DIR}${month}/${stamp}-${createHash('sha256').update(body).digest('hex').slice(0, 16)}.jsonl`;
    await store.put(key, body, { contentType: 'application/x-ndjson' });
    const back = await store.getBuffer(key);
    if (!back?.equals(body))
      throw new YaddasError(ErrorCodes.STORED_COPY_MISMATCH, `${key} does not read back as written.`, { permanent: false });
    keys.push(key);
  }
  return keys;
}

/**
 * The records of the history from `since` (a time) on, a file at a time, oldest month first:
 * never the whole history in memory.
 */
export async function* readHistory(store: ObjectStore, since?: Date): AsyncIterable<HistoryRecord> {
  const from = since ? since.toISOString() : '';
  const months = (await store.listFolders(AUDIT_LOG_DIR)).map((f) => f.slice(AUDIT_LOG_DIR.length).replace(/\/$/, '')).sort();
  for (const month of months) {
    if (from && month < from.slice(0, 7)) continue;
    for await (const o of store.list(`${AUDIT_LOG_DIR}${month}/`)) {
      const bytes = await store.getBuffer(o.key);
      if (!bytes) continue;
      for (const line of bytes.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        let r: HistoryRecord;
        try {
          r = JSON.parse(line) as HistoryRecord;
        } catch {
          continue; // a damaged line is not a record; the others still are
        }
        if (!from || r.at >= from) yield r;
      }
    }
  }
}
