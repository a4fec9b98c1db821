import fs from 'node:fs/promises';
import path from 'node:path';
import type { App } from '../app.js';
import { isTerminal, type IngestRecord } from '../pipeline/status-store.js';
import { INGEST_QUEUE } from '../pipeline/plan.js';

export interface IngestCliResult {
  path: string;
  id: string | null;
  ingestId: string | null;
  status: 'preserved' | 'rejected' | 'failed' | 'queued' | 'in-progress';
  reason?: string;
  code?: string;
  version?: string;
  objectRoot?: string;
  unchanged?: boolean;
  problems?: IngestRecord['problems'];
}

function line(r: IngestCliResult): string {
  const head = `${r.status.padEnd(10)} ${r.id ?? '-'}`;
  if (r.status === 'preserved') return `${head}  ${r.version}${r.unchanged ? ' (unchanged: identical to the stored version)' : ''}  ${r.path}`;
  return `${head}  ${r.path}${r.reason ? `\n           ${r.reason}` : ''}`;
}

/**
 * `yaddas ingest PATH... [--wait] [--json]`: takes each path as if it had been dropped into the
 * inbox (copying it: the original stays where it is) and, with --wait, follows each item until it
 * is preserved, rejected or failed. Exit status 1 when any item is not preserved.
 */
export async function ingestCommand(app: App, paths: string[], opts: { wait?: boolean; json?: boolean; timeout?: number }): Promise<number> {
  const results: IngestCliResult[] = [];
  for (const p of paths) {
    const abs = path.resolve(p);
    try {
      await fs.lstat(abs);
    } catch {
      results.push({ path: p, id: null, ingestId: null, status: 'rejected', reason: 'no such file or folder' });
      continue;
    }
    const taken = await app.intake.take(abs, path.basename(abs), { move: false, via: 'cli' });
    results.push({ path: p, id: taken.itemId, ingestId: taken.ingestId, status: taken.status === 'queued' ? 'queued' : 'rejected' });
  }

  if (opts.wait) {
    const deadline = opts.timeout ? Date.now() + opts.timeout * 1000 : Infinity;
    let warned = false;
    const started = Date.now();
    for (;;) {
      let pending = 0;
      for (const r of results) {
        if (!r.ingestId) continue;
        const rec = await app.status.get(r.ingestId);
        if (!rec) continue;
        r.status = rec.status;
        if (isTerminal(rec.status)) {
          if (rec.reason) r.reason = rec.reason;
          if (rec.code) r.code = rec.code;
          if (rec.version) r.version = rec.version;
          if (rec.objectRoot) r.objectRoot = rec.objectRoot;
          if (rec.unchanged !== undefined) r.unchanged = rec.unchanged;
          if (rec.problems) r.problems = rec.problems;
        } else pending++;
      }
      if (pending === 0) break;
      if (Date.now() > deadline) {
        for (const r of results) {
          if (r.status !== 'queued' && r.status !== 'in-progress') continue;
          r.reason = `not finished after ${opts.timeout}s of waiting (it was ${r.status}; Yaddaş carries on with it)`;
          r.status = 'failed';
        }
        break;
      }
      if (!warned && Date.now() - started > 5_000) {
        const workers = await app.queues.get(INGEST_QUEUE).getWorkers();
        if (workers.length === 0) process.stderr.write('yaddas: no Yaddaş workers are running; start them with `npm start` (this command keeps waiting)\n');
        warned = true;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  else for (const r of results) process.stdout.write(line(r) + '\n');
  const bad = results.some((r) => (opts.wait ? r.status !== 'preserved' : r.status === 'rejected'));
  return bad ? 1 : 0;
}
