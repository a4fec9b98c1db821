/**
 * Rebuilding an item's access copies from its preservation object alone, with the pipeline's own
 * steps run in this process: derivatives of every view, the preserved OCR copied back, the
 * searchable PDF, then item.json and the manifest (which also removes copies of pages the item no
 * longer has). `yaddas rederive` and the tests call it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCodes, encodeFailure, RetryLater, YaddasError } from '../domain/errors.js';
import { pageKey } from '../domain/ids.js';
import { accessWithheld } from '../domain/withdrawal.js';
import { type StoredRecord, stateFromRecord } from '../pipeline/from-record.js';
import { type IngestState, type Result, STAGES, type StageName } from '../pipeline/plan.js';
import { OCR_TYPES, pageSummary } from '../stages/text/text.core.js';
import type { TextPageSummary } from '../stages/text/text.stage.js';
import { itemKeys, pageKeys } from '../storage/access-layout.js';
import type { Inventory } from '../storage/ocfl.core.js';
import type { OpsPorts } from './ports.js';
import { readHead } from './operations.js';

/** Item ids of every object in every institution's preservation storage, as they are found. */
export async function* allItemIds(app: Pick<OpsPorts, 'preservation' | 'log'> & Partial<Pick<OpsPorts, 'tenants'>>): AsyncIterable<string> {
  for (const t of app.tenants ?? [app]) {
    // An object none of whose inventories can be read has no id to give: said, and passed over.
    yield* t.preservation.objectIds((root, reason) =>
      t.log.error({ objectRoot: root }, `the object at ${root} is passed over: ${reason} (yaddas verify, or a person)`),
    );
  }
}

/**
 * Runs one stage of the plan in this process: its jobs one after another, then its fold, as the
 * orchestrator would. A job that says RetryLater (the object is busy) waits and runs again; any
 * other failure is not retried here (the command is run again by a person), and is folded in as
 * "CODE: reason" like a job that ran out of attempts.
 */
export async function runStage<N extends StageName>(
  app: OpsPorts,
  stage: N,
  s: IngestState,
): Promise<{ state: IngestState; results: Record<string, Result<N>> }> {
  const spec = STAGES[stage].spec;
  const handler = await app.handler(stage);
  const failures: Record<string, string> = {};
  const results: Record<string, Result<N>> = {};
  for (const child of spec.fanOut(s)) {
    const log = app.log.child({ itemId: s.manifest.itemId, stage: `rederive:${stage}`, key: child.key });
    for (let attempt = 1; ; attempt++) {
      try {
        results[child.key] = await handler(child.data, { log, attempt, progress: () => undefined });
        break;
      } catch (err) {
        if (err instanceof RetryLater && attempt < 100) {
          await sleep(err.ms);
          continue;
        }
        failures[child.key] =
          err instanceof YaddasError ? encodeFailure(err.code, err.message) : encodeFailure(ErrorCodes.INTERNAL, (err as Error).message);
        break;
      }
    }
  }
  return { state: spec.fold(s, results, failures), results };
}

/** The preserved OCR of the head version, copied back to the access bucket. */
async function restoreOcr(app: OpsPorts, s: IngestState, record: StoredRecord, inv: Inventory): Promise<IngestState> {
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
    await put(p.logicalPaths.text, k.ocrText, OCR_TYPES.text);
    await put(p.logicalPaths.alto, k.alto, OCR_TYPES.alto);
    await put(p.logicalPaths.hocr, k.hocr, OCR_TYPES.hocr);
    pages.push(pageSummary(id, p));
  }
  await put(o.fullText, itemKeys(id).text, OCR_TYPES.text);
  const failed = Object.fromEntries(o.failed.map((f) => [pageKey(f.page), f.reason]));
  return {
    ...s,
    ocr: { languages: o.languages, from: 'recorded', failed, engine: o.engine, at: o.at },
    text: { version: inv.head, pages, fullText: itemKeys(id).text },
  };
}

export interface RederiveResult {
  pages: number;
  removed: number;
  ocrPages: number;
  pdf: boolean;
  /** the item.published event, when announcing was asked for */
  eventId?: string;
}

/** The item may not be published (withdrawn, restricted, under embargo): nothing was rebuilt, by design. */
export class AccessWithheldError extends Error {
  override name = 'AccessWithheldError';
}

/**
 * Rebuilds one item's access copies from its preservation object. `announce`: then says
 * `item.published` too, as the pipeline does (an embargo that ended: the first publication of the
 * version). Its event id is the version's ingest's, so announcing twice sends it once.
 */
export async function rederiveItem(installation: OpsPorts, id: string, opts: { announce?: boolean } = {}): Promise<RederiveResult> {
  const app = installation.forItem(id);
  const { inventory: inv, record } = await readHead(app, id);
  const withheld = accessWithheld(record, app.now());
  if (withheld)
    throw new AccessWithheldError(
      `${id} is not to be public: ${withheld}${record.withdrawal ? '; yaddas reinstate publishes it again' : ''}`,
    );
  let s = stateFromRecord(record, {
    ingestId: record.ingest.ingestId,
    objectRoot: app.preservation.rootOf(id),
    head: inv.head,
    ocr: record.ocr ? { run: true, languages: record.ocr.languages, from: 'ocrLanguages' } : { run: false, reason: 'no OCR preserved' },
    startAt: 'derive',
  });
  const failedHow = (st: IngestState) => (st.publication?.status === 'failed' ? st.publication.reason : undefined);
  s = (await runStage(app, 'derive', s)).state;
  if (failedHow(s)) throw new Error(failedHow(s));
  s = await restoreOcr(app, s, record, inv);
  s = (await runStage(app, 'pdf', s)).state;
  if (failedHow(s)) throw new Error(failedHow(s));
  const derivedPages = Object.keys(s.derived ?? {}).length;
  const published = await runStage(app, 'publish', s);
  if (failedHow(published.state)) throw new Error(failedHow(published.state));
  let eventId: string | undefined;
  if (opts.announce) {
    const announced = await runStage(app, 'announce', published.state);
    // announce's fold keeps no failure (an ingest's event is best effort): its result is the proof
    if (!announced.results.item) throw new Error('published, but item.published could not be announced (run it again)');
    eventId = announced.results.item.eventId || undefined;
  }
  return {
    pages: derivedPages,
    removed: published.results.item?.removed ?? 0,
    ocrPages: record.ocr?.pages.length ?? 0,
    pdf: !!published.state.pdf,
    ...(eventId ? { eventId } : {}),
  };
}
