/** `yaddas audit ID... | --all [--copy NAME] [--json]`: fixity audits run now (ops/audit.ts). */
import type { App } from '../app.js';
import type { AuditResult } from '../storage/audit.js';
import { audit } from '../ops/audit.js';
import { allItemIds } from '../ops/rederive.js';

export async function auditCommand(app: App, ids: string[], opts: { all?: boolean; copy?: string; json?: boolean }): Promise<number> {
  if (!opts.all && ids.length === 0) {
    process.stderr.write('yaddas audit: name item ids, or --all\n');
    return 2;
  }
  const results: AuditResult[] = [];
  try {
    for await (const r of audit(app, opts.all ? allItemIds(app) : ids, opts.copy)) {
      results.push(r);
      if (opts.json) continue;
      const what = r.status === 'ok' ? `${r.version}, ${r.checkedFiles} file(s) read, every digest matched` : r.files.join(', ');
      process.stdout.write(`${r.status.padEnd(11)} ${r.id}  in ${r.copy}${what ? `: ${what}` : ''}\n`);
      if (r.status !== 'ok') for (const f of r.findings) process.stdout.write(`            ${f.code} ${f.message}\n`);
    }
  } catch (err) {
    process.stderr.write(`yaddas audit: ${(err as Error).message}\n`);
    return 2;
  }
  if (opts.json)
    process.stdout.write(
      `${JSON.stringify(
        results.map(({ findings, ...r }) => ({ ...r, findings })),
        null,
        2,
      )}\n`,
    );
  return results.every((r) => r.status === 'ok') ? 0 : 1;
}
