import type { App } from '../app.js';
import { handlerFor } from '../app.js';
import { encodeFailure, YaddasError } from '../domain/errors.js';
import { pageKey } from '../domain/ids.js';
import { STAGES, type IngestState, type PublishReturn, type StageName, type TextPageSummary } from '../pipeline/plan.js';
import { stateFromRecord, type StoredRecord } from '../pipeline/from-record.js';
import { LogicalPaths, OBJECT_NAMASTE } from '../storage/ocfl.core.js';
import { pageKeys } from '../stages/derive/derive.core.js';
import { itemKeys } from '../stages/publish/publish.core.js';

/** Item ids of every object in the preservation bucket (found by their OCFL declarations). */
export async function allItemIds(app: App): Promise<string[]> {
  const ids: string[] = [];
  for await (const o of app.preservation.store.list('')) {
    if (!o.key.endsWith(`/${OBJECT_NAMASTE.name}`)) continue;
    const root = o.key.slice(0, -OBJECT_NAMASTE.name.length - 1);
    const inv = await app.preservation.store.getBuffer(`${root}/inventory.json`);
    if (inv) ids.push((JSON.parse(inv.toString('utf8')) as { id: string }).id);
  }
  return ids.sort();
}

/** The head version's inventory and item record of an object. */
export async function readHead(app: App, id: string) {
  const inv = await app.preservation.readInventory(id);
  if (!inv) throw new Error(`no object "${id}" in s3://${app.config.s3.preservationBucket}`);
  const bytes = await app.preservation.readLogical(inv, LogicalPaths.itemRecord);
  if (!bytes) throw new Error(`object "${id}" has no item record in its head version ${inv.head}`);
  return { inv, record: JSON.parse(bytes.toString('utf8')) as StoredRecord };
}

/** Runs one step of the plan in this process: its jobs one after another, then its fold. */
async function runStep(app: App, stage: StageName, s: IngestState, out: Record<string, unknown> = {}): Promise<IngestState> {
  const spec = STAGES[stage];
  const handler = handlerFor(app, stage);
  const results: Record<string, unknown> = {};
  const failures: Record<string, string> = {};
  for (const child of spec.fanOut(s)) {
    try {
      results[child.key] = out[child.key] = await handler(child.data as never, {
        log: app.log.child({ itemId: s.manifest.itemId, stage: `rederive:${stage}`, key: child.key }),
        job: undefined as never,
        token: undefined,
      });
    } catch (err) {
      failures[child.key] = err instanceof YaddasError ? encodeFailure(err.code, err.message) : (err as Error).message;
    }
  }
  return spec.fold(s, results, failures);
}

/** The preserved OCR of the head version, copied back to the access bucket. */
async function restoreOcr(
  app: App,
  s: IngestState,
  record: StoredRecord,
  inv: Awaited<ReturnType<typeof readHead>>['inv'],
): Promise<IngestState> {
  const o = record.ocr;
  if (!o) return s;
  const id = record.id;
  const pages: TextPageSummary[] = [];
  const put = async (logical: string, key: string, type: string) => {
    const body = await app.preservation.readLogical(inv, logical);
    if (!body) throw new Error(`object "${id}" ${inv.head} lacks ${logical}`);
    await app.access.put(key, body, { contentType: type });
  };
  for (const p of o.pages) {
    const k = pageKeys(id, p.page);
    await put(p.logicalPaths.text, k.ocrText, 'text/plain; charset=utf-8');
    await put(p.logicalPaths.alto, k.alto, 'application/xml');
    await put(p.logicalPaths.hocr, k.hocr, 'application/xhtml+xml; charset=utf-8');
    pages.push({
      page: p.page,
      languages: p.languages,
      meanConfidence: p.meanConfidence,
      words: p.words,
      text: k.ocrText,
      alto: k.alto,
      hocr: k.hocr,
    });
  }
  await put(o.fullText, itemKeys(id).text, 'text/plain; charset=utf-8');
  const failed = Object.fromEntries(o.failed.map((f) => [pageKey(f.page), f.reason]));
  return {
    ...s,
    ocr: {
      languages: o.languages,
      from: 'recorded',
      failed,
      engine: o.engine,
      at: o.at,
      text: { version: inv.head, pages, fullText: itemKeys(id).text },
    },
  };
}

/**
 * Rebuilds an item's access copies from its preservation object alone, with the pipeline's own
 * steps: derivatives of every view, the preserved OCR copied back, the searchable PDF, then
 * item.json and the manifest (which also removes copies of pages the item no longer has).
 */
async function rederiveItem(app: App, id: string): Promise<{ pages: number; removed: number; ocrPages: number; pdf: boolean }> {
  const { inv, record } = await readHead(app, id);
  let s = stateFromRecord(record, {
    ingestId: record.ingest.ingestId,
    objectRoot: app.preservation.rootOf(id),
    head: inv.head,
    ocr: record.ocr ? { run: true, languages: record.ocr.languages, from: 'ocrLanguages' } : { run: false, reason: 'no OCR preserved' },
    startAt: 'derive',
  });
  s = await runStep(app, 'derive', s);
  if (s.publication?.status === 'failed') throw new Error(s.publication.reason);
  s = await restoreOcr(app, s, record, inv);
  s = await runStep(app, 'pdf', s);
  if (s.publication?.status === 'failed') throw new Error(s.publication.reason);
  const before = s;
  const published: Record<string, unknown> = {};
  s = await runStep(app, 'publish', s, published);
  if (s.publication?.status === 'failed') throw new Error(s.publication.reason);
  return {
    pages: Object.keys(before.derived ?? {}).length,
    removed: (published.item as PublishReturn | undefined)?.removed ?? 0,
    ocrPages: record.ocr?.pages.length ?? 0,
    pdf: !!s.pdf,
  };
}

/** `yaddas rederive ID... | --all` */
export async function rederiveCommand(app: App, ids: string[], opts: { all?: boolean; json?: boolean }): Promise<number> {
  const targets = opts.all ? await allItemIds(app) : ids;
  if (targets.length === 0) {
    process.stderr.write('yaddas rederive: name item ids, or --all\n');
    return 2;
  }
  const results: Array<{ id: string; ok: boolean; pages?: number; removed?: number; ocrPages?: number; pdf?: boolean; error?: string }> =
    [];
  for (const id of targets) {
    try {
      const r = await rederiveItem(app, id);
      results.push({ id, ok: true, ...r });
      if (!opts.json)
        process.stdout.write(
          `rederived  ${id}  ${r.pages} page(s)${r.ocrPages ? `, OCR of ${r.ocrPages}` : ''}${r.pdf ? ', PDF' : ''}${r.removed ? `, ${r.removed} stale file(s) removed` : ''}\n`,
        );
    } catch (err) {
      results.push({ id, ok: false, error: (err as Error).message });
      if (!opts.json) process.stdout.write(`failed     ${id}  ${(err as Error).message}\n`);
    }
  }
  if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  return results.every((r) => r.ok) ? 0 : 1;
}
