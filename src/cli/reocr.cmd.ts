import type { App } from '../app.js';
import { ocrChoice, parseLanguages, type OcrChoice } from '../domain/ocr-languages.js';
import { republish } from '../ops/operations.js';
import { isTerminal } from '../pipeline/status-store.js';
import { allItemIds, readHead } from './rederive.cmd.js';

/**
 * `yaddas reocr ID... [--languages aze+rus] [--wait]`: OCR an item again from its preserved
 * masters, through the queues (the OCR workers do the reading). Its result is a new OCFL version:
 * earlier OCR stays in the versions before it. Languages: --languages, else the ones its last OCR
 * used, else what metadata.json and the configuration say.
 */
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
  const targets = opts.all ? await allItemIds(app) : ids;
  if (targets.length === 0) {
    process.stderr.write('yaddas reocr: name item ids, or --all\n');
    return 2;
  }
  const queued: Array<{ id: string; ingestId?: string; languages?: string; error?: string }> = [];
  for (const id of targets) {
    try {
      const { record } = await readHead(app, id);
      const choice: OcrChoice = asked
        ? { run: true, languages: asked, from: 'ocrLanguages' }
        : record.ocr
          ? { run: true, languages: record.ocr.languages, from: 'ocrLanguages' }
          : (() => {
              // Asked for explicitly: a photograph is read too, in the configured languages.
              const c = ocrChoice(record.metadata, app.config.ocr.languages);
              return c.run ? c : { run: true as const, languages: app.config.ocr.languages, from: 'default' as const };
            })();
      const ingestId = await republish(app, id, 'reocr', choice);
      queued.push({ id, ingestId, languages: choice.run ? choice.languages : '' });
      if (!opts.json && !opts.wait) process.stdout.write(`queued  ${id}  OCR in ${choice.run ? choice.languages : '-'} (${ingestId})\n`);
    } catch (err) {
      queued.push({ id, error: (err as Error).message });
      if (!opts.json) process.stdout.write(`failed  ${id}  ${(err as Error).message}\n`);
    }
  }
  if (!opts.wait) {
    if (opts.json) process.stdout.write(JSON.stringify(queued, null, 2) + '\n');
    return queued.every((q) => !q.error) ? 0 : 1;
  }
  const deadline = opts.timeout ? Date.now() + opts.timeout * 1000 : Infinity;
  const results = [];
  for (const q of queued) {
    if (!q.ingestId) {
      results.push({ ...q, ok: false });
      continue;
    }
    for (;;) {
      const rec = await app.status.get(q.ingestId);
      if (rec && isTerminal(rec.status) && !rec.stage && rec.publication) {
        const ok = rec.publication === 'published';
        results.push({ ...q, ok, publication: rec.publication, ...(rec.publicationReason ? { reason: rec.publicationReason } : {}) });
        if (!opts.json)
          process.stdout.write(
            `${ok ? 'reocred' : 'failed '}  ${q.id}  ${q.languages}${rec.publicationReason ? `: ${rec.publicationReason}` : ''}\n`,
          );
        break;
      }
      if (Date.now() > deadline) {
        results.push({ ...q, ok: false, reason: 'timed out waiting' });
        if (!opts.json) process.stdout.write(`waiting ${q.id}  still running after --timeout\n`);
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  return results.every((r) => r.ok) ? 0 : 1;
}
