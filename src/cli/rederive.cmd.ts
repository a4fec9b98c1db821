/** `yaddas rederive ID... | --all`: rebuilds items' access copies from their preserved objects (ops/rederive.ts). */
import type { App } from '../app.js';
import { AccessWithheldError, allItemIds, type RederiveResult, rederiveItem } from '../ops/rederive.js';

export async function rederiveCommand(app: App, ids: string[], opts: { all?: boolean; json?: boolean }): Promise<number> {
  if (!opts.all && ids.length === 0) {
    process.stderr.write('yaddas rederive: name item ids, or --all\n');
    return 2;
  }
  const targets: AsyncIterable<string> | string[] = opts.all ? allItemIds(app) : ids;
  const results: Array<{ id: string; ok: boolean; error?: string } & Partial<RederiveResult>> = [];
  for await (const id of targets) {
    try {
      const r = await rederiveItem(app, id);
      results.push({ id, ok: true, ...r });
      if (!opts.json) {
        const what = `${r.pages} page(s)${r.ocrPages ? `, OCR of ${r.ocrPages}` : ''}${r.pdf ? ', PDF' : ''}${r.removed ? `, ${r.removed} stale file(s) removed` : ''}`;
        process.stdout.write(`rederived  ${id}  ${what}\n`);
      }
    } catch (err) {
      // A withdrawn item is passed over by --all (nothing of it is to be public), named when asked for.
      const withheld = err instanceof AccessWithheldError;
      results.push({ id, ok: withheld && !!opts.all, error: (err as Error).message });
      if (!opts.json) process.stdout.write(`${withheld ? 'withheld' : 'failed  '}   ${id}  ${(err as Error).message}\n`);
    }
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  return results.every((r) => r.ok) ? 0 : 1;
}
