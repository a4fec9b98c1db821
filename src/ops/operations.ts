/**
 * What operators can ask and do, for the CLI and the dashboard alike: queue and worker state,
 * items in flight, failed, stuck, rejected or held, one item in full, retry, accept or reject a
 * held ingest, pause and resume. Reads
 * come from the ingest records, the queues and the two buckets, all through ports.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { moveEntry, writeFileAtomic } from '../adapters/local-fs.js';
import { ErrorCodes, rejection } from '../domain/errors.js';
import { hasEnded, type IngestRecord } from '../domain/ingest-record.js';
import { makeIngestId } from '../domain/ids.js';
import { displayTitle } from '../domain/metadata.js';
import { type OcrChoice, ocrChoice } from '../domain/ocr-languages.js';
import { rejectionText, Staging } from '../domain/staging.js';
import { type StoredRecord, stateFromRecord } from '../pipeline/from-record.js';
import { QUEUE_NAMES } from '../pipeline/plan.js';
import { itemKeys, publicUrl } from '../storage/access-layout.js';
import type { OpsPorts } from './ports.js';

export interface QueueState {
  name: string;
  paused: boolean;
  workers: number;
  counts: Record<string, number>;
}

export async function queueStates(app: OpsPorts): Promise<QueueState[]> {
  return Promise.all(QUEUE_NAMES.map(async (name) => ({ name, ...(await app.queues.state(name)) })));
}

export type ItemFilter = 'all' | 'failed' | 'stuck' | 'rejected' | 'held' | 'in-flight';

export interface ItemRow extends IngestRecord {
  stuck: boolean;
  /** a preserved item whose access copies failed counts as failed for operators */
  failedWhere: 'preservation' | 'publication' | null;
}

const stuckAfter = (app: OpsPorts) => app.config.console.stuckMinutes * 60_000;

/**
 * The newest ingests a filter picks. `institutions`: of these only (a member of staff who may see
 * some institutions); all when not given.
 */
export async function listItems(
  app: OpsPorts,
  filter: ItemFilter = 'all',
  limit = 100,
  institutions?: readonly string[],
): Promise<ItemRow[]> {
  const stuck = new Set(await app.status.stuck(stuckAfter(app), Date.now(), institutions));
  // Each filter reads its own index, so nothing is missed behind newer ingests and no page
  // scans every record.
  let records: IngestRecord[];
  if (filter === 'stuck') records = await app.status.many([...stuck].slice(0, limit));
  else if (filter === 'in-flight')
    records = await app.status.many(
      (await app.status.inflight(institutions))
        .map((x) => x.ingestId)
        .slice(-limit)
        .reverse(),
    );
  else if (filter === 'failed' || filter === 'rejected' || filter === 'held')
    records = await app.status.many((await app.status.listed(filter, limit, institutions)).ids);
  else records = await app.status.recent(limit, institutions);
  return records.map((r) => ({
    ...r,
    stuck: stuck.has(r.ingestId),
    failedWhere: r.status === 'failed' ? ('preservation' as const) : r.publication === 'failed' ? ('publication' as const) : null,
  }));
}

/** The numbers at the top of the dashboard and in `yaddas status`. */
export async function counts(
  app: OpsPorts,
  institutions?: readonly string[],
): Promise<{ inFlight: number; stuck: number; failed: number; rejected: number; held: number; total: number }> {
  const [inflight, stuck, failed, rejected, held, total] = await Promise.all([
    app.status.inflight(institutions),
    app.status.stuck(stuckAfter(app), Date.now(), institutions),
    app.status.listed('failed', 0, institutions),
    app.status.listed('rejected', 0, institutions),
    app.status.listed('held', 0, institutions),
    app.status.count(institutions),
  ]);
  return { inFlight: inflight.length, stuck: stuck.length, failed: failed.total, rejected: rejected.total, held: held.total, total };
}

/** An ingest id, or an item id (its last ingest). */
export async function resolve(app: OpsPorts, id: string): Promise<IngestRecord | null> {
  const direct = await app.status.get(id);
  if (direct) return direct;
  const last = await app.status.lastIngestOf(id);
  return last ? app.status.get(last) : null;
}

export interface ItemDetail {
  record: IngestRecord;
  stuck: boolean;
  /** failed jobs of the ingest, by step: "CODE: reason" */
  failures: Array<{ job: string; reason: string; code: string }>;
  /** the access bucket's item.json, when published */
  access: Record<string, unknown> | null;
  urls: { item: string; manifest: string; pdf: string; text: string };
  /** what was done to the item, from its preserved record (PREMIS event types), newest version's */
  events: Array<{ type: string; at: string; outcome: string; detail: string }>;
  /** the preserved object's versions: name, when, message */
  versions: Array<{ version: string; created: string; message: string }>;
  /** the item is withdrawn from public access (its head record says so) */
  withdrawal?: { at: string; reason: string; by: string };
  /** who may see it and under what rights, as its head record says */
  rights?: { access: 'open' | 'restricted' | 'embargoed'; embargoUntil?: string; rights?: string };
}

export async function showItem(installation: OpsPorts, id: string): Promise<ItemDetail | null> {
  const record = await resolve(installation, id);
  if (!record) return null;
  // The item's institution's storage and public location.
  const app = installation.forItem(record.itemId);
  const failures = await app.queues.ingestFailures(record.ingestId);
  const keys = itemKeys(record.itemId);
  const raw = await app.access.getBuffer(keys.item).catch(() => null);
  const stuck = (await app.status.stuck(stuckAfter(app))).includes(record.ingestId);
  let events: ItemDetail['events'] = [];
  let versions: ItemDetail['versions'] = [];
  const head = record.status === 'preserved' ? await app.preservation.readHead<StoredRecord>(record.itemId).catch(() => null) : null;
  if (head) {
    versions = Object.entries(head.inventory.versions).map(([version, v]) => ({ version, created: v.created, message: v.message ?? '' }));
    events = (head.record.events ?? []).map(({ type, at, outcome, detail }) => ({ type, at, outcome, detail }));
  }
  const w = head?.record.withdrawal;
  return {
    record,
    stuck,
    failures,
    events,
    versions,
    ...(w ? { withdrawal: { at: w.at, reason: w.reason, by: w.by } } : {}),
    ...(head
      ? {
          rights: {
            access: head.record.metadata?.access ?? 'open',
            ...(head.record.metadata?.embargoUntil ? { embargoUntil: head.record.metadata.embargoUntil } : {}),
            ...(head.record.metadata?.rights ? { rights: head.record.metadata.rights } : {}),
          },
        }
      : {}),
    access: raw ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : null,
    urls: {
      item: publicUrl(app.config.access.publicBaseUrl, keys.item),
      manifest: publicUrl(app.config.access.publicBaseUrl, keys.manifest),
      pdf: publicUrl(app.config.access.publicBaseUrl, keys.pdf),
      text: publicUrl(app.config.access.publicBaseUrl, keys.text),
    },
  };
}

export type RetryResult = { ok: true; id: string; ingestId: string; how: string } | { ok: false; id: string; reason: string };

/**
 * Retries what failed:
 * - preservation failed: the staged copy (kept unaltered) is taken again as a new ingest; this
 *   must run where the staging folder is (the intake host);
 * - preserved, but its access copies failed: everything after preservation runs again from the
 *   preserved object (derivatives, OCR as before, PDF, publication, the event).
 * A rejected item is for staff to fix; a published one has nothing to retry.
 */
export async function retry(installation: OpsPorts, id: string): Promise<RetryResult> {
  const rec = await resolve(installation, id);
  if (!rec) return { ok: false, id, reason: 'no such item or ingest' };
  const app = installation.forItem(rec.itemId);
  if (!hasEnded(rec)) return { ok: false, id, reason: `still running (${rec.stage || rec.status})` };
  if (rec.status === 'rejected')
    return { ok: false, id, reason: `rejected: fix the item in ${rec.location ?? 'the rejected area'} and drop it into the inbox again` };
  if (rec.status === 'held') return { ok: false, id, reason: 'held for a decision: yaddas accept or yaddas reject it' };
  if (rec.status === 'accepted') return { ok: false, id, reason: `${rec.location}: retry that ingest if it failed` };
  if (rec.status === 'failed') {
    const missing = await stagedCopyMissing(app, rec);
    if (missing) return { ok: false, id, reason: missing };
    const staged = path.join(rec.location!, rec.sourceName);
    const taken = await app.intake.take(staged, rec.sourceName, { move: true, via: 'cli' });
    await fs.rm(rec.location!, { recursive: true, force: true }).catch(() => undefined);
    await app.status.update(rec.ingestId, { location: `retried as ${taken.ingestId}` });
    await app.status.clearFailed(rec.ingestId);
    return { ok: true, id: rec.itemId, ingestId: taken.ingestId, how: 'the staged copy was taken again' };
  }
  if (rec.publication !== 'failed')
    return { ok: false, id, reason: 'preserved and published: nothing to retry (yaddas reocr or rederive re-run parts of it)' };
  const ingestId = await republish(app, rec.itemId, 'retry');
  await app.status.clearFailed(rec.ingestId);
  return { ok: true, id: rec.itemId, ingestId, how: 'everything after preservation runs again' };
}

/** Queues an ingest of a preserved item that starts after preservation (OCR and derive onwards). */
export async function republish(
  installation: OpsPorts,
  itemId: string,
  why: string,
  ocr?: OcrChoice,
  o: { keepDerivatives?: boolean } = {},
): Promise<string> {
  const app = installation.forItem(itemId);
  const { inventory: inv, record } = await readHead(app, itemId);
  const choice: OcrChoice =
    ocr ??
    (record.ocr
      ? { run: true, languages: record.ocr.languages, from: 'ocrLanguages' }
      : app.config.ocr.enabled
        ? ocrChoice(record.metadata, app.config.ocr.languages, record.ingest.kind)
        : { run: false, reason: 'OCR is turned off (ocr.enabled, YADDAS_OCR)' });
  const now = new Date();
  const ingestId = makeIngestId(`${why} ${itemId}`, now);
  const title = displayTitle(record.metadata);
  await app.status.create({
    ingestId,
    itemId,
    institution: app.institution.id,
    sourceName: `${why} of ${itemId}`,
    ...(title ? { title } : {}),
    ...(record.type ? { type: record.type } : {}),
    pages: record.pages.length,
    status: 'preserved',
    stage: 'ocr',
    version: inv.head,
    takenAt: now.toISOString(),
  });
  await app.queues.startFrom(
    stateFromRecord(record, {
      ingestId,
      objectRoot: app.preservation.rootOf(itemId),
      head: inv.head,
      ocr: choice,
      startAt: 'ocr',
      keepDerivatives: o.keepDerivatives,
    }),
  );
  return ingestId;
}

/** The head version's inventory and item record of an object; an error naming the bucket when there is none. */
export async function readHead(installation: Pick<OpsPorts, 'preservation'> & Partial<Pick<OpsPorts, 'forItem'>>, itemId: string) {
  const app = installation.forItem ? installation.forItem(itemId) : installation;
  const head = await app.preservation.readHead<StoredRecord>(itemId);
  if (!head) throw new Error(`no object "${itemId}" in s3://${app.preservation.bucket}`);
  return head;
}

export async function setPaused(app: OpsPorts, stage: string, paused: boolean): Promise<void> {
  if (!(QUEUE_NAMES as readonly string[]).includes(stage)) throw new Error(`no stage "${stage}" (stages: ${QUEUE_NAMES.join(', ')})`);
  await app.queues.setPaused(stage, paused);
}

/**
 * Why an ingest's staged copy cannot be taken again, or null when it is there: on another machine
 * (this one has no such staging area), or gone from this one (removed by hand).
 */
async function stagedCopyMissing(app: OpsPorts, rec: IngestRecord): Promise<string | null> {
  const staged = rec.location ? path.join(rec.location, rec.sourceName) : null;
  if (staged && (await fs.lstat(staged).catch(() => null))) return null;
  if (!(await fs.stat(app.config.intake.stagingDir).catch(() => null)))
    return `its staged copy is not on this machine (${staged ?? 'no location recorded'}; this machine has no staging area at ${app.config.intake.stagingDir}): run this where Yaddaş stages items`;
  return `its staged copy is gone from ${staged ?? app.config.intake.stagingDir} (removed by hand?): nothing is left to take again. Drop the item into the inbox again from the original.`;
}

export type DecisionResult = { ok: true; id: string; ingestId: string; how: string } | { ok: false; id: string; reason: string };

/** A held ingest, and its staged copy on this machine; or why there is none to decide on. */
async function heldIngest(app: OpsPorts, id: string): Promise<{ rec: IngestRecord; staged: string } | { reason: string }> {
  const rec = await resolve(app, id);
  if (!rec) return { reason: 'no such item or ingest' };
  if (rec.status !== 'held') return { reason: `not held (it is ${rec.status}${rec.status === 'accepted' ? `: ${rec.location}` : ''})` };
  const missing = await stagedCopyMissing(app.forItem(rec.itemId), rec);
  if (missing) return { reason: missing };
  return { rec, staged: path.join(rec.location!, rec.sourceName) };
}

/**
 * An operator's decision on a held ingest: it is the item's new version after all. Its staged
 * copy (kept unaltered) is taken again as a new ingest marked accepted, which is never held.
 */
export async function accept(app: OpsPorts, id: string): Promise<DecisionResult> {
  const found = await heldIngest(app, id);
  if ('reason' in found) return { ok: false, id, reason: found.reason };
  const { rec, staged } = found;
  if (!(await app.status.claimHeld(rec.ingestId))) return { ok: false, id, reason: 'another operator is deciding on it at this moment' };
  let taken: Awaited<ReturnType<OpsPorts['intake']['take']>>;
  try {
    taken = await app.forItem(rec.itemId).intake.take(staged, rec.sourceName, { move: true, via: 'cli', accepted: true });
  } catch (err) {
    await app.status.unclaimHeld(rec.ingestId);
    throw err;
  }
  await fs.rm(rec.location!, { recursive: true, force: true }).catch(() => undefined);
  await app.status.update(rec.ingestId, {
    status: 'accepted',
    location: `accepted as ${taken.ingestId}`,
    reason: `accepted by an operator as the new version of ${rec.itemId}: taken again as ${taken.ingestId}`,
  });
  app.log.warn({ ingestId: rec.ingestId, itemId: rec.itemId, as: taken.ingestId }, 'held ingest accepted as the new version');
  return { ok: true, id: rec.itemId, ingestId: taken.ingestId, how: `taken again as the new version of ${rec.itemId}` };
}

/**
 * An operator's decision on a held ingest: the identifier was wrong. Its staged copy goes to the
 * rejected area with a report, as any rejected item, for staff to correct and drop again.
 */
export async function rejectHeld(app: OpsPorts, id: string): Promise<DecisionResult> {
  const found = await heldIngest(app, id);
  if ('reason' in found) return { ok: false, id, reason: found.reason };
  const { rec } = found;
  if (!(await app.status.claimHeld(rec.ingestId))) return { ok: false, id, reason: 'another operator is deciding on it at this moment' };
  const h = rec.held;
  const problem = rejection(
    ErrorCodes.IDENTIFIER_IN_USE,
    `The identifier "${rec.itemId}" in metadata.json is already used by another item${h?.headTitle ? ` ("${h.headTitle}", ${h.headPages} page files)` : ''}; an operator rejected this one as not being a new scan of it.`,
    'Give the item its own identifier in metadata.json and drop it into the inbox again.',
    'metadata.json',
  );
  const dest = Staging.folder(app.forItem(rec.itemId).config.intake.rejectedDir, rec.ingestId);
  try {
    await writeFileAtomic(
      path.join(rec.location!, Staging.rejectedReport),
      rejectionText({
        name: rec.sourceName,
        ingestId: rec.ingestId,
        at: new Date(),
        problems: [problem],
        languages: app.forItem(rec.itemId).institution.languages,
      }),
    );
    await moveEntry(rec.location!, dest);
  } catch (err) {
    await app.status.unclaimHeld(rec.ingestId);
    throw err;
  }
  await app.status.finish(
    rec.ingestId,
    rec.itemId,
    { status: 'rejected', code: ErrorCodes.IDENTIFIER_IN_USE, reason: problem.message, problems: [problem] },
    dest,
  );
  app.log.warn({ ingestId: rec.ingestId, itemId: rec.itemId }, 'held ingest rejected by an operator');
  return { ok: true, id: rec.itemId, ingestId: rec.ingestId, how: `moved to ${dest} with its report` };
}
