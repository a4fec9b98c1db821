/**
 * Operator commands: `yaddas status`, `items`, `show`, `retry`, `accept`, `reject`, `pause`, `resume`. Plain lines
 * for people, `--json` for scripts; all of it from src/ops/operations.ts, which the dashboard
 * uses too.
 */
import { hostname } from 'node:os';
import type { App } from '../app.js';
import { itemCopies, keepingLists, preservationSummary, summaryLine } from '../ops/keeping.js';
import { QUEUE_NAMES } from '../pipeline/plan.js';
import {
  accept,
  counts,
  type DecisionResult,
  rejectHeld,
  listItems,
  queueStates,
  retry,
  setPaused,
  showItem,
  type ItemFilter,
  type ItemRow,
  type RetryResult,
} from '../ops/operations.js';

const out = (s: string) => process.stdout.write(`${s}\n`);
const json = (v: unknown) => out(JSON.stringify(v, null, 2));

export async function statusCommand(app: App, opts: { json?: boolean }): Promise<number> {
  const queues = await queueStates(app);
  const n = await counts(app);
  const report = {
    queues,
    inFlight: n.inFlight,
    stuck: n.stuck,
    failedItems: n.failed,
    rejectedItems: n.rejected,
    heldItems: n.held,
    ingests: n.total,
    preservation: await preservationSummary(app),
  };
  if (opts.json) {
    json(report);
    return 0;
  }
  out('queue      workers  waiting  active  delayed  failed  completed');
  for (const q of queues) {
    const c = q.counts;
    out(
      `${q.name.padEnd(10)} ${String(q.workers).padStart(7)}  ${String((c.waiting ?? 0) + (c.prioritized ?? 0)).padStart(7)}  ${String(c.active ?? 0).padStart(6)}  ${String(c.delayed ?? 0).padStart(7)}  ${String(c.failed ?? 0).padStart(6)}  ${String(c.completed ?? 0).padStart(9)}${q.paused ? '  PAUSED' : ''}${q.workers === 0 ? '  (no worker)' : ''}`,
    );
  }
  out(
    `\nitems in flight: ${n.inFlight}; stuck (no progress for ${app.config.console.stuckMinutes} min): ${n.stuck}; failed (not retried): ${n.failed}; rejected: ${n.rejected}; held for a decision: ${n.held}; ingests in all: ${n.total}`,
  );
  out(summaryLine(report.preservation));
  return 0;
}

function row(r: ItemRow): string {
  const where =
    r.failedWhere === 'publication'
      ? `preserved ${r.version ?? ''}, access copies failed`
      : r.status === 'preserved'
        ? `preserved ${r.version ?? ''}${r.publication ? `, ${r.publication}` : ''}`
        : r.status;
  const reason = r.failedWhere === 'publication' ? r.publicationReason : r.reason;
  return `${r.takenAt.slice(0, 19).replace('T', ' ')}  ${r.itemId.padEnd(30)} ${(r.stage ? `${where} [${r.stage}]` : where).padEnd(40)}${r.stuck ? ' STUCK' : ''}  ${r.ingestId}${reason ? `\n    ${reason}` : ''}`;
}

/** `yaddas items`'s options, as commander gives them. */
export interface ItemsOptions {
  failed?: boolean;
  stuck?: boolean;
  rejected?: boolean;
  held?: boolean;
  inFlight?: boolean;
  damaged?: boolean;
  incomplete?: boolean;
  limit?: number;
  json?: boolean;
}

export async function itemsCommand(app: App, opts: ItemsOptions): Promise<number> {
  if (opts.damaged || opts.incomplete) return keepingItems(app, opts.damaged ? 'damaged' : 'incomplete', opts.limit ?? 50, opts.json);
  const filter: ItemFilter = opts.failed
    ? 'failed'
    : opts.stuck
      ? 'stuck'
      : opts.rejected
        ? 'rejected'
        : opts.held
          ? 'held'
          : opts.inFlight
            ? 'in-flight'
            : 'all';
  const rows = await listItems(app, filter, opts.limit ?? 50);
  if (opts.json) {
    json(rows);
    return 0;
  }
  if (rows.length === 0) out(`no ${filter === 'all' ? '' : `${filter} `}items`);
  for (const r of rows) out(row(r));
  return 0;
}

/** `yaddas items --damaged` (a file no copy holds good) and `--incomplete` (copies not all complete yet). */
async function keepingItems(app: App, which: 'damaged' | 'incomplete', limit: number, asJson?: boolean): Promise<number> {
  // Every institution's (the command line as one institution's staff: its own).
  const lists = await keepingLists(app, limit);
  const rows = which === 'damaged' ? lists.damaged : lists.incomplete.map((id) => ({ id, since: '' }));
  const detailed = await Promise.all(rows.map(async (r) => ({ ...r, ...(await itemCopies(app, r.id)) })));
  if (asJson) {
    json(detailed);
    return 0;
  }
  if (detailed.length === 0) out(`no ${which === 'damaged' ? 'damaged items' : 'items with copies incomplete'}`);
  for (const d of detailed) {
    const wrong = d.copies.flatMap((c) =>
      c.lastAudit && c.lastAudit.status !== 'ok' ? [`${c.name}: ${c.lastAudit.status} ${c.lastAudit.files.join(', ')}`] : [],
    );
    out(
      `${d.id.padEnd(30)} ${which === 'damaged' ? `damaged since ${d.since.slice(0, 19).replace('T', ' ')}` : `copies ${d.complete} of ${d.required}: ${d.copies.map((c) => `${c.name} ${c.version ?? '-'}`).join(', ')}`}${wrong.length ? `\n    ${wrong.join('\n    ')}` : ''}`,
    );
  }
  return 0;
}

/** A page's OCR in `yaddas show`: its mean confidence and languages, that it found no words, or why it failed. */
function ocrOfPage(
  ocr: { meanConfidence?: number | null; languages?: string; failed?: string; detected?: { turned?: number } } | undefined,
): string {
  if (!ocr) return '';
  if (ocr.failed) return `  OCR failed: ${ocr.failed}`;
  if (ocr.meanConfidence === undefined) return '';
  const turned = ocr.detected?.turned ? `, turned ${ocr.detected.turned}°` : '';
  const read = ocr.meanConfidence === null ? 'OCR found no words' : `OCR ${ocr.meanConfidence}`;
  return `  ${read}${ocr.languages ? ` (${ocr.languages}${turned})` : ''}`;
}

export async function showCommand(app: App, id: string, opts: { json?: boolean }): Promise<number> {
  const d = await showItem(app, id);
  if (!d) {
    process.stderr.write(`yaddas show: no item or ingest "${id}"\n`);
    return 1;
  }
  const kept = await itemCopies(app, d.record.itemId);
  if (opts.json) {
    json({ ...d, preservation: kept });
    return 0;
  }
  const r = d.record;
  out(`${r.itemId}  (ingest ${r.ingestId}, "${r.sourceName}", taken ${r.takenAt})`);
  out(
    `  status      ${r.status}${r.version ? ` ${r.version}` : ''}${r.unchanged ? ' (unchanged)' : ''}${r.stage ? `, now: ${r.stage}` : ''}${d.stuck ? '  STUCK' : ''}`,
  );
  if (r.reason) out(`  reason      ${r.code ? `${r.code}: ` : ''}${r.reason}`);
  for (const p of r.problems ?? []) out(`  problem     ${p.file ?? '(item)'}: ${p.message} ${p.hint}`);
  if (r.publication) out(`  access      ${r.publication}${r.publicationReason ? `: ${r.publicationReason}` : ''}`);
  if (r.location) out(`  files       ${r.location}`);
  for (const f of d.failures) out(`  failed job  ${f.job}: ${f.code}: ${f.reason}`);
  for (const v of d.versions) out(`  ${v.version.padEnd(11)} ${v.created}  ${v.message}`);
  for (const e of d.events) out(`  event       ${e.at}  ${e.type}: ${e.detail}`);
  out(`  copies      ${kept.complete} of ${kept.required} complete${kept.damagedSince ? `; DAMAGED since ${kept.damagedSince}` : ''}`);
  for (const c of kept.copies) {
    const a = c.lastAudit;
    out(
      `    ${c.name.padEnd(12)} ${c.version ?? 'not yet'}${a ? `; audited ${a.at.slice(0, 19).replace('T', ' ')}: ${a.status}${a.files.length ? ` (${a.files.join(', ')})` : ''}` : '; not audited yet'}`,
    );
  }
  const a = d.access as {
    pages?: Array<{
      page: number;
      name: string;
      master: { digests: { sha512: string }; puid?: string };
      ocr?: { meanConfidence?: number; failed?: string };
    }>;
    ocr?: { status?: string; languages?: string };
  } | null;
  if (a) {
    out(`  OCR         ${a.ocr?.status ?? '-'}${a.ocr?.languages ? ` (${a.ocr.languages})` : ''}`);
    for (const p of a.pages ?? [])
      out(
        `  page ${String(p.page).padStart(4)}   ${p.name}${p.master.puid ? `  ${p.master.puid}` : ''}  sha512 ${p.master.digests.sha512.slice(0, 16)}…${ocrOfPage(p.ocr)}`,
      );
    out(`  item.json   ${d.urls.item}\n  manifest    ${d.urls.manifest}`);
  }
  return 0;
}

export async function retryCommand(app: App, ids: string[], opts: { allFailed?: boolean; json?: boolean }): Promise<number> {
  const targets = opts.allFailed ? (await listItems(app, 'failed', 100_000)).map((r) => r.ingestId) : ids;
  if (targets.length === 0) {
    process.stderr.write(opts.allFailed ? 'yaddas retry: no failed items\n' : 'yaddas retry: name items (or ingests), or --all-failed\n');
    return opts.allFailed ? 0 : 2;
  }
  const results: RetryResult[] = [];
  for (const id of targets) results.push(await retry(app, id).catch((err: Error) => ({ ok: false as const, id, reason: err.message })));
  if (opts.json) json(results);
  else for (const r of results) out(r.ok ? `retrying  ${r.id}  as ${r.ingestId}: ${r.how}` : `not retried  ${r.id}: ${r.reason}`);
  return results.every((r) => r.ok) ? 0 : 1;
}

/** `yaddas accept ID...` and `yaddas reject ID...`: an operator's decision on held ingests. */
export async function decideCommand(app: App, decision: 'accept' | 'reject', ids: string[], opts: { json?: boolean }): Promise<number> {
  if (ids.length === 0) {
    process.stderr.write(`yaddas ${decision}: name held items (or ingests); yaddas items --held lists them\n`);
    return 2;
  }
  const results: DecisionResult[] = [];
  for (const id of ids)
    results.push(
      await (decision === 'accept' ? accept : rejectHeld)(app, id).catch((err: Error) => ({ ok: false as const, id, reason: err.message })),
    );
  if (opts.json) json(results);
  else
    for (const r of results)
      out(r.ok ? `${decision === 'accept' ? 'accepted' : 'rejected'}  ${r.id}: ${r.how}` : `not ${decision}ed  ${r.id}: ${r.reason}`);
  return results.every((r) => r.ok) ? 0 : 1;
}

export async function pauseCommand(app: App, stage: string, paused: boolean, opts: { json?: boolean }): Promise<number> {
  await setPaused(app, stage, paused);
  if (opts.json) json({ stage, paused });
  else out(`${stage}: ${paused ? 'paused (running jobs finish; no new ones start until resumed)' : 'resumed'}`);
  return 0;
}

/**
 * `yaddas health [ROLE]`: exit 0 when Redis answers and, for a stage, a worker of that stage is
 * connected from this machine (containers' health checks). For `console`, its /ready must pass.
 */
export async function healthCommand(app: App, role: string | undefined): Promise<number> {
  try {
    await app.queues.ping();
  } catch (err) {
    out(`unhealthy: Redis does not answer (${(err as Error).message})`);
    return 1;
  }
  if (!role || role === 'intake') {
    out('healthy');
    return 0;
  }
  if (role === 'console') {
    const c = app.config.console;
    const res = await fetch(`http://${c.host === '0.0.0.0' ? '127.0.0.1' : c.host}:${c.port}/ready`).catch(() => null);
    out(res?.ok ? 'healthy' : `unhealthy: console /ready ${res ? `HTTP ${res.status}` : 'does not answer'}`);
    return res?.ok ? 0 : 1;
  }
  if (!(QUEUE_NAMES as readonly string[]).includes(role)) {
    out(`unknown role "${role}"`);
    return 2;
  }
  const mine = await app.queues.workersOn(role, hostname());
  out(
    mine > 0
      ? `healthy: ${mine} ${role} worker(s) connected`
      : `unhealthy: no ${role} worker of this machine (${hostname()}) is connected to Redis`,
  );
  return mine > 0 ? 0 : 1;
}
