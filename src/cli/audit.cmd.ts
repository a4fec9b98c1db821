/**
 * `yaddas audit ID... | --all [--copy NAME] [--wait] [--json]`: fixity audits now, handed to the
 * audit workers, or (`--wait`) run in this process and printed; and `yaddas audit report [--since
 * DATE] [--format text|json|csv]`: what was audited, found and repaired (ops/audit.ts).
 */
import type { App } from '../app.js';
import { historyCsv, type HistoryRecord } from '../domain/audit-record.js';
import { audit, auditHistory, queueAudits } from '../ops/audit.js';
import { allItemIds } from '../ops/rederive.js';

const out = (s: string) => process.stdout.write(`${s}\n`);

export async function auditCommand(
  app: App,
  ids: string[],
  opts: { all?: boolean; copy?: string; json?: boolean; wait?: boolean },
): Promise<number> {
  if (!opts.all && ids.length === 0) {
    process.stderr.write('yaddas audit: name item ids, or --all (or: yaddas audit report)\n');
    return 2;
  }
  const chosen = opts.all ? allItemIds(app) : ids;
  if (!opts.wait) {
    const q = await queueAudits(app, chosen, opts.copy);
    const who =
      q.workers > 0
        ? `${q.workers} audit worker(s) connected`
        : 'no audit worker is running: they run when Yaddaş is started (or run them now with --wait)';
    if (opts.json) out(JSON.stringify({ queued: q.queued, workers: q.workers }));
    else out(`queued ${q.queued} audit(s), ahead of the schedule; ${who}. yaddas show ID or yaddas audit report shows the results.`);
    return 0;
  }
  // Nothing is kept per object: --json is written as an array, one element as each is done.
  let allGood = true;
  let first = true;
  if (opts.json) process.stdout.write('[');
  try {
    for await (const r of audit(app, chosen, opts.copy)) {
      if ('error' in r || (r.status !== 'ok' && r.status !== 'repaired')) allGood = false;
      if (opts.json) {
        const v =
          'error' in r
            ? r
            : {
                id: r.id,
                copy: r.copy,
                status: r.status,
                version: r.version,
                files: r.files,
                findings: r.findings ?? [],
                checkedFiles: r.checkedFiles,
                at: r.at,
                ...(r.noGoodCopy ? { noGoodCopy: true, reason: r.reason } : {}),
              };
        process.stdout.write(`${first ? '\n' : ',\n'}${JSON.stringify(v)}`);
        first = false;
        continue;
      }
      if ('error' in r) {
        out(`${'error'.padEnd(11)} ${r.id}  in ${r.copy}: not audited now: ${r.error}`);
        continue;
      }
      const what = r.status === 'ok' ? `${r.version}, ${r.checkedFiles} file(s) read, every digest matched` : r.files.join(', ');
      out(`${r.status.padEnd(11)} ${r.id}  in ${r.copy}${what ? `: ${what}` : ''}${r.noGoodCopy ? '  NO GOOD COPY' : ''}`);
      if (r.status !== 'ok') for (const f of r.findings ?? []) out(`            ${f.code} ${f.message}`);
    }
  } catch (err) {
    if (opts.json) process.stdout.write('\n]\n');
    process.stderr.write(`yaddas audit: ${(err as Error).message}\n`);
    return 2;
  }
  if (opts.json) process.stdout.write(first ? ']\n' : '\n]\n');
  // Non-zero when anything audited is damaged or missing (or could not be audited).
  return allGood ? 0 : 1;
}

export async function auditReportCommand(app: App, opts: { since?: string; format?: string }): Promise<number> {
  const format = opts.format ?? 'text';
  if (!['text', 'json', 'csv'].includes(format)) {
    process.stderr.write(`yaddas audit report: --format is text, json or csv, not "${format}"\n`);
    return 2;
  }
  let since: Date | undefined;
  if (opts.since) {
    since = new Date(opts.since);
    if (Number.isNaN(since.getTime())) {
      process.stderr.write(`yaddas audit report: --since "${opts.since}" is not a date (2026-12-01, or 2026-12-01T10:00:00Z)\n`);
      return 2;
    }
  }
  const history = auditHistory(app, since);
  if (format === 'csv') {
    // A header, then each record as it is read: the history is never held whole.
    let first = true;
    for await (const r of history) {
      const text = historyCsv([r]);
      process.stdout.write(first ? text : text.slice(text.indexOf('\r\n') + 2));
      first = false;
    }
    if (first) process.stdout.write(historyCsv([]));
    return 0;
  }
  if (format === 'json') {
    // JSON Lines: one record per line, streamable and as long as the history is.
    for await (const r of history) out(JSON.stringify(r));
    return 0;
  }
  const totals = { audits: 0, ok: 0, found: 0, repaired: 0, noGoodCopy: 0, unreachable: 0 };
  for await (const r of history) out(textLine(r, totals));
  out(
    `\n${totals.audits} audit(s): ${totals.ok} ok, ${totals.found} found something wrong, ${totals.unreachable} could not reach the copy; ${totals.repaired} file(s) repaired, ${totals.noGoodCopy} with no good copy`,
  );
  return 0;
}

function textLine(r: HistoryRecord, t: Record<string, number>): string {
  const at = r.at.slice(0, 19).replace('T', ' ');
  if (r.kind === 'audit') {
    t.audits!++;
    if (r.status === 'ok') t.ok!++;
    else if (r.status === 'unreachable') t.unreachable!++;
    else t.found!++;
    return `${at}  audit   ${r.id}  in ${r.copy}: ${r.status}${r.files.length ? ` (${r.files.join(', ')})` : ''}${r.noGoodCopy ? '  NO GOOD COPY' : ''}`;
  }
  if (r.outcome === 'repaired') t.repaired!++;
  if (r.outcome === 'no good copy') t.noGoodCopy!++;
  return `${at}  repair  ${r.id}  in ${r.copy}: ${r.path}: ${r.outcome}${r.from ? ` from ${r.from}` : ''}${r.reason ? ` (${r.reason})` : ''}`;
}
