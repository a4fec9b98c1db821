import fs from 'node:fs/promises';
import path from 'node:path';
import type { App } from '../app.js';
import { type IngestRecord, isTerminal } from '../domain/ingest-record.js';
import { printable } from '../domain/staging.js';
import { waitForIngests } from '../ops/wait.js';
import { INGEST_QUEUE } from '../pipeline/plan.js';

export interface IngestCliResult {
  path: string;
  id: string | null;
  ingestId: string | null;
  status: IngestRecord['status'];
  reason?: string;
  code?: string;
  version?: string;
  objectRoot?: string;
  unchanged?: boolean;
  problems?: IngestRecord['problems'];
  /** status held: the stored item it would have replaced, and its own title and pages */
  held?: IngestRecord['held'];
}

function line(r: IngestCliResult): string {
  const head = `${r.status.padEnd(10)} ${r.id ?? '-'}`;
  if (r.status === 'preserved')
    return `${head}  ${r.version}${r.unchanged ? ' (unchanged: identical to the stored version)' : ''}  ${r.path}`;
  return `${head}  ${r.path}${r.reason ? `\n           ${printable(r.reason, { name: false })}` : ''}`;
}

/**
 * `yaddas ingest PATH... [--wait] [--json]`: takes each path as if it had been dropped into the
 * inbox (copying it: the original stays where it is) and, with --wait, follows each item until it
 * is preserved, rejected or failed. Exit status 1 when any item is not preserved.
 */
export async function ingestCommand(
  app: App,
  paths: string[],
  opts: { wait?: boolean; json?: boolean; timeout?: number },
): Promise<number> {
  // Several institutions: whose item it is must be said, as dropping it into an inbox says it.
  if (app.tenants.length > 1) {
    process.stderr.write(
      `yaddas ingest: this installation serves several institutions; say whose items these are: yaddas --institution ${app.tenants.map((t) => t.institution.id).join('|')} ingest …\n`,
    );
    return 2;
  }
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
    const r: IngestCliResult = {
      path: p,
      id: taken.itemId,
      ingestId: taken.ingestId,
      status: taken.status === 'queued' ? 'queued' : 'rejected',
    };
    // Turned away on taking: say why at once, as --wait would.
    if (taken.status === 'rejected' && taken.problems?.length) {
      r.code = taken.problems[0]!.code;
      r.reason = taken.problems.map((pr) => `${pr.file ? `${pr.file}: ` : ''}${pr.message}`).join(' ');
      r.problems = taken.problems;
    }
    results.push(r);
  }

  if (opts.wait) {
    const ids = results.flatMap((r) => (r.ingestId ? [r.ingestId] : []));
    const progress = new Progress(results.length, !opts.json && process.stderr.isTTY === true);
    let warned = false;
    const { records, timedOut } = await waitForIngests(app, ids, {
      when: 'preservation',
      ...(opts.timeout ? { timeoutSeconds: opts.timeout } : {}),
      onPoll: async (recs, elapsed) => {
        const stored = await app.status.progressOf(ids);
        for (const r of results) {
          const rec = r.ingestId ? recs.get(r.ingestId) : undefined;
          if (rec) progress.update(r.path, rec, stored.get(rec.ingestId)?.store ?? 0);
        }
        progress.draw();
        if (!warned && elapsed > 5_000) {
          warned = true;
          if ((await app.queues.workerCount(INGEST_QUEUE)) === 0)
            process.stderr.write('yaddas: no Yaddaş workers are running; start them with `npm start` (this command keeps waiting)\n');
        }
      },
    });
    for (const r of results) {
      const rec = r.ingestId ? records.get(r.ingestId) : undefined;
      if (!rec) continue;
      r.status = rec.status;
      if (timedOut.includes(rec.ingestId)) {
        r.reason = `not finished after ${opts.timeout}s of waiting (it was ${rec.status}; Yaddaş carries on with it)`;
        r.status = 'failed';
        continue;
      }
      if (rec.reason) r.reason = rec.reason;
      if (rec.code) r.code = rec.code;
      if (rec.version) r.version = rec.version;
      if (rec.objectRoot) r.objectRoot = rec.objectRoot;
      if (rec.unchanged !== undefined) r.unchanged = rec.unchanged;
      if (rec.problems) r.problems = rec.problems;
      if (rec.held) r.held = rec.held;
    }
  }

  if (opts.wait) Progress.last?.done();
  if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else for (const r of results) process.stdout.write(`${line(r)}\n`);
  const bad = results.some((r) => (opts.wait ? r.status !== 'preserved' : r.status === 'rejected'));
  return bad ? 1 : 0;
}

/** How far along an ingest is, 0–1, from its step (storing moves with the pages stored). */
function fraction(rec: IngestRecord, pagesStored: number): number {
  if (isTerminal(rec.status)) return 1;
  const pages = Math.max(1, rec.pages ?? 1);
  switch (rec.stage) {
    case 'inspect':
      return 0.1;
    case 'prepare':
      return 0.2;
    case 'store':
      return 0.2 + 0.6 * Math.min(1, pagesStored / pages);
    case 'commit':
      return 0.85;
    case 'release':
      return 0.95;
    default:
      return 0.02;
  }
}

/**
 * `yaddas ingest --wait`'s progress: on a terminal, one bar for the batch, redrawn in place on
 * stderr; otherwise a plain line each time an item moves to another step.
 */
class Progress {
  static last: Progress | undefined;
  private readonly state = new Map<string, { f: number; stage: string; status: string }>();
  private lastLine = '';
  constructor(
    private readonly total: number,
    private readonly tty: boolean,
  ) {
    Progress.last = this;
  }

  update(name: string, rec: IngestRecord, pagesStored: number): void {
    const before = this.state.get(name);
    const now = { f: fraction(rec, pagesStored), stage: rec.stage ?? '', status: rec.status };
    this.state.set(name, now);
    if (!this.tty && (before?.stage !== now.stage || before?.status !== now.status)) {
      process.stderr.write(
        `${new Date().toISOString().slice(11, 19)}  ${name}: ${now.status}${now.stage ? ` (${now.stage}${now.stage === 'store' ? ` ${pagesStored}/${rec.pages ?? '?'} pages` : ''})` : ''}\n`,
      );
    }
  }

  draw(): void {
    if (!this.tty) return;
    const fs = [...this.state.values()];
    const f = fs.reduce((a, x) => a + x.f, 0) / Math.max(1, this.total);
    const endedN = fs.filter((x) => x.f >= 1).length;
    const width = 30;
    const filled = Math.round(f * width);
    const doing = fs.filter((x) => x.f < 1 && x.stage).map((x) => x.stage);
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(f * 100)}%  ${endedN}/${this.total} items ended${doing.length ? `  (${[...new Set(doing)].join(', ')})` : ''}`;
    if (line !== this.lastLine) process.stderr.write(`\r\x1b[2K${line}`);
    this.lastLine = line;
  }

  done(): void {
    if (this.tty && this.lastLine) process.stderr.write('\n');
  }
}
