/**
 * What operators can ask and do, for the CLI and the dashboard alike: queue and worker state,
 * items in flight, failed, stuck or rejected, one item in full, retry, pause and resume. Reads
 * come from Redis (BullMQ and the ingest records) and the access bucket.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Job } from 'bullmq';
import type { App } from '../app.js';
import { decodeFailure } from '../domain/errors.js';
import { makeIngestId } from '../domain/ids.js';
import { ocrChoice, type OcrChoice } from '../domain/ocr-languages.js';
import { INGEST_QUEUE, QUEUE_NAMES, ingestJobId } from '../pipeline/plan.js';
import { stateFromRecord, type StoredRecord } from '../pipeline/from-record.js';
import { isTerminal, type IngestRecord } from '../pipeline/status-store.js';
import { LogicalPaths } from '../storage/ocfl.core.js';

export interface QueueState {
  name: string;
  paused: boolean;
  workers: number;
  counts: Record<string, number>;
}

export async function queueStates(app: App): Promise<QueueState[]> {
  return Promise.all(
    QUEUE_NAMES.map(async (name) => {
      const q = app.queues.get(name);
      const [paused, workers, counts] = await Promise.all([
        q.isPaused(),
        q.getWorkersCount(),
        q.getJobCounts('waiting', 'active', 'delayed', 'waiting-children', 'prioritized', 'failed', 'completed'),
      ]);
      return { name, paused, workers, counts };
    }),
  );
}

export type ItemFilter = 'all' | 'failed' | 'stuck' | 'rejected' | 'in-flight';

export interface ItemRow extends IngestRecord {
  stuck: boolean;
  /** a preserved item whose access copies failed counts as failed for operators */
  failedWhere: 'preservation' | 'publication' | null;
}

const stuckAfter = (app: App) => app.config.console.stuckMinutes * 60_000;

export async function listItems(app: App, filter: ItemFilter = 'all', limit = 100): Promise<ItemRow[]> {
  const stuck = new Set(await app.status.stuck(stuckAfter(app)));
  // Each filter reads its own index, so nothing is missed behind newer ingests and no page
  // scans every record.
  let records: IngestRecord[];
  if (filter === 'stuck') records = await app.status.many([...stuck].slice(0, limit));
  else if (filter === 'in-flight')
    records = await app.status.many(
      (await app.status.inflight())
        .map((x) => x.ingestId)
        .slice(-limit)
        .reverse(),
    );
  else if (filter === 'failed' || filter === 'rejected') records = await app.status.many((await app.status.listed(filter, limit)).ids);
  else records = await app.status.recent(limit);
  return records.map((r) => ({
    ...r,
    stuck: stuck.has(r.ingestId),
    failedWhere: r.status === 'failed' ? ('preservation' as const) : r.publication === 'failed' ? ('publication' as const) : null,
  }));
}

/** The numbers at the top of the dashboard and in `yaddas status`. */
export async function counts(app: App): Promise<{ inFlight: number; stuck: number; failed: number; rejected: number; total: number }> {
  const [inflight, stuck, failed, rejected, total] = await Promise.all([
    app.status.inflight(),
    app.status.stuck(stuckAfter(app)),
    app.status.listed('failed', 0),
    app.status.listed('rejected', 0),
    app.status.count(),
  ]);
  return { inFlight: inflight.length, stuck: stuck.length, failed: failed.total, rejected: rejected.total, total };
}

/** An ingest id, or an item id (its last ingest). */
export async function resolve(app: App, id: string): Promise<IngestRecord | null> {
  const direct = await app.status.get(id);
  if (direct) return direct;
  const last = await app.redis.hget(`${app.config.redis.prefix}:yd:item:${id}`, 'lastIngest');
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
}

export async function showItem(app: App, id: string): Promise<ItemDetail | null> {
  const record = await resolve(app, id);
  if (!record) return null;
  const failures: ItemDetail['failures'] = [];
  const job = await Job.fromId(app.queues.get(INGEST_QUEUE), ingestJobId(record.ingestId));
  if (job) {
    for (const [key, reason] of Object.entries(await job.getIgnoredChildrenFailures())) {
      const { code, message } = decodeFailure(reason);
      failures.push({ job: key.split(':').slice(-1)[0]!, reason: message, code });
    }
    if (job.failedReason)
      failures.push({
        job: job.id!,
        ...(() => {
          const d = decodeFailure(job.failedReason);
          return { code: d.code, reason: d.message };
        })(),
      });
  }
  const base = `${app.config.access.publicBaseUrl}/items/${record.itemId}`;
  const raw = await app.access.getBuffer(`items/${record.itemId}/item.json`).catch(() => null);
  const stuck = (await app.status.stuck(stuckAfter(app))).includes(record.ingestId);
  let events: ItemDetail['events'] = [];
  let versions: ItemDetail['versions'] = [];
  const inv = record.status === 'preserved' ? await app.preservation.readInventory(record.itemId).catch(() => null) : null;
  if (inv) {
    versions = Object.entries(inv.versions).map(([version, v]) => ({ version, created: v.created, message: v.message ?? '' }));
    const rec = await app.preservation.readLogical(inv, LogicalPaths.itemRecord).catch(() => null);
    if (rec)
      events = ((JSON.parse(rec.toString('utf8')) as { events?: ItemDetail['events'] }).events ?? []).map(
        ({ type, at, outcome, detail }) => ({ type, at, outcome, detail }),
      );
  }
  return {
    record,
    stuck,
    failures,
    events,
    versions,
    access: raw ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : null,
    urls: { item: `${base}/item.json`, manifest: `${base}/manifest.json`, pdf: `${base}/document.pdf`, text: `${base}/text.txt` },
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
export async function retry(app: App, id: string): Promise<RetryResult> {
  const rec = await resolve(app, id);
  if (!rec) return { ok: false, id, reason: 'no such item or ingest' };
  if (!isTerminal(rec.status) || rec.stage) return { ok: false, id, reason: `still running (${rec.stage || rec.status})` };
  if (rec.status === 'rejected')
    return { ok: false, id, reason: `rejected: fix the item in ${rec.location ?? 'the rejected area'} and drop it into the inbox again` };
  if (rec.status === 'failed') {
    const staged = rec.location ? path.join(rec.location, rec.sourceName) : null;
    if (!staged || !(await fs.lstat(staged).catch(() => null)))
      return {
        ok: false,
        id,
        reason: `its staged copy is not on this machine (${staged ?? 'no location recorded'}): run this where Yaddaş stages items`,
      };
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

/** Queues an ingest of a preserved item that starts after preservation (derive and OCR onwards). */
export async function republish(app: App, itemId: string, why: string, ocr?: OcrChoice): Promise<string> {
  const inv = await app.preservation.readInventory(itemId);
  if (!inv) throw new Error(`no object "${itemId}" in the preservation bucket`);
  const bytes = await app.preservation.readLogical(inv, LogicalPaths.itemRecord);
  if (!bytes) throw new Error(`object "${itemId}" has no item record in ${inv.head}`);
  const record = JSON.parse(bytes.toString('utf8')) as StoredRecord;
  const choice: OcrChoice =
    ocr ??
    (record.ocr
      ? { run: true, languages: record.ocr.languages, from: 'ocrLanguages' }
      : app.config.ocr.enabled
        ? ocrChoice(record.metadata, app.config.ocr.languages)
        : { run: false, reason: 'OCR is turned off (ocr.enabled, YADDAS_OCR)' });
  const now = new Date();
  const ingestId = makeIngestId(`${why} ${itemId}`, now);
  const t = record.metadata?.title;
  const title = typeof t === 'string' ? t : t ? (t.az ?? t.en ?? t.ru ?? Object.values(t)[0]) : undefined;
  await app.status.create({
    ingestId,
    itemId,
    sourceName: `${why} of ${itemId}`,
    ...(title ? { title } : {}),
    ...(record.type ? { type: record.type } : {}),
    pages: record.pages.length,
    status: 'preserved',
    stage: 'derive',
    version: inv.head,
    takenAt: now.toISOString(),
  });
  await app.queues.startFrom(
    stateFromRecord(record, { ingestId, objectRoot: app.preservation.rootOf(itemId), head: inv.head, ocr: choice, startAt: 'derive' }),
  );
  return ingestId;
}

export async function setPaused(app: App, stage: string, paused: boolean): Promise<void> {
  if (!(QUEUE_NAMES as readonly string[]).includes(stage)) throw new Error(`no stage "${stage}" (stages: ${QUEUE_NAMES.join(', ')})`);
  const q = app.queues.get(stage);
  if (paused) await q.pause();
  else await q.resume();
}
