/**
 * `yaddas reocr ID... | --all [--languages aze+rus] [--wait]`: OCR items again from their preserved
 * masters, through the queues (ops/reocr.ts). The result is a new OCFL version: earlier OCR stays
 * in the versions before it.
 */
import type { App } from '../app.js';
import { parseLanguages } from '../domain/ocr-languages.js';
import { allItemIds } from '../ops/rederive.js';
import { queueReocr } from '../ops/reocr.js';
import { waitForIngests } from '../ops/wait.js';

const out = (s: string) => process.stdout.write(`${s}\n`);

export async function reocrCommand(
  app: App,
  ids: string[],
  opts: { all?: boolean; languages?: string; wait?: boolean; json?: boolean; timeout?: number },
): Promise<number> {
  let asked: string | undefined;
  if (opts.languages !== undefined) {
    const p = parseLanguages(opts.languages);
    if (!p.ok) {
      process.stderr.write(`yaddas reocr: --languages: ${p.error}\n`);
      return 2;
    }
    asked = p.codes.join('+');
  }
  const targets = ids;
  if (opts.all) for await (const id of allItemIds(app)) targets.push(id);
  if (targets.length === 0) {
    process.stderr.write('yaddas reocr: name item ids, or --all\n');
    return 2;
  }
  const queued: Array<{ id: string; ingestId?: string; languages?: string; error?: string }> = [];
  for (const id of targets) {
    try {
      const q = await queueReocr(app, id, asked);
      queued.push({ id, ...q });
      if (!opts.json && !opts.wait) out(`queued  ${id}  OCR in ${q.languages} (${q.ingestId})`);
    } catch (err) {
      queued.push({ id, error: (err as Error).message });
      if (!opts.json) out(`failed  ${id}  ${(err as Error).message}`);
    }
  }
  if (!opts.wait) {
    if (opts.json) out(JSON.stringify(queued, null, 2));
    return queued.every((q) => !q.error) ? 0 : 1;
  }
  const ingestIds = queued.flatMap((q) => (q.ingestId ? [q.ingestId] : []));
  const { records, timedOut } = await waitForIngests(app, ingestIds, {
    when: 'all',
    pollMs: 500,
    ...(opts.timeout ? { timeoutSeconds: opts.timeout } : {}),
  });
  const results = queued.map((q) => {
    const rec = q.ingestId ? records.get(q.ingestId) : undefined;
    if (!q.ingestId || !rec) return { ...q, ok: false };
    if (timedOut.includes(q.ingestId)) {
      if (!opts.json) out(`waiting ${q.id}  still running after --timeout`);
      return { ...q, ok: false, reason: 'timed out waiting' };
    }
    const ok = rec.publication === 'published';
    if (!opts.json)
      out(`${ok ? 'reocred' : 'failed '}  ${q.id}  ${q.languages}${rec.publicationReason ? `: ${rec.publicationReason}` : ''}`);
    return { ...q, ok, publication: rec.publication, ...(rec.publicationReason ? { reason: rec.publicationReason } : {}) };
  });
  if (opts.json) out(JSON.stringify(results, null, 2));
  return results.every((r) => r.ok) ? 0 : 1;
}
