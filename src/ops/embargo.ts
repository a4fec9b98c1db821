/**
 * Lifting embargoes: the scheduler's job (every minute, on the audit queue, so that one worker
 * among however many runs it at a time) publishes each item whose embargo has ended, from its
 * preservation object as `yaddas rederive` does, and says `item.published` for it. The time is
 * the App's clock, so tests move a clock instead of waiting for a date.
 */
import { institutionOfItem } from '../config/institutions.js';
import { embargoEnd } from '../domain/withdrawal.js';
import type { StoredRecord } from '../pipeline/from-record.js';
import type { LiftResult } from '../stages/audit/audit.stage.js';
import { itemKeys } from '../storage/access-layout.js';
import type { OpsPorts } from './ports.js';
import { AccessWithheldError, allItemIds, rederiveItem } from './rederive.js';

/** How long a lift that stopped part-way (a killed worker, S3 down) waits before it is tried again. */
export const LIFT_RETRY_MS = 60 * 60_000;
/** Most items one run lifts: a large batch of embargoes ending at once drains over several runs. */
const LIFT_BATCH = 20;

export type { LiftResult };

/**
 * Publishes every item whose embargo ended by the App's clock. Each is claimed first (its end
 * moved an hour on) so that a run that dies part-way leaves it to a later run, not lost.
 */
export async function liftEmbargoes(app: OpsPorts): Promise<LiftResult> {
  // One lift at a time in the installation: a run that outlasts the schedule's minute (a big
  // batch) is not joined by the next one, which would rebuild the same items again.
  const owner = `lift:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
  if (!(await app.locks.hold(LIFT_LOCK, owner, LIFT_RETRY_MS))) return { lifted: [], kept: [], failed: [] };
  try {
    return await lift(app);
  } finally {
    await app.locks.release(LIFT_LOCK, owner);
  }
}

const LIFT_LOCK = 'embargo-lift';

/**
 * The command line as one institution's staff (`yaddas --institution`) sees its part of the
 * installation's list only, and rebuilds none of it: the list is the installation's.
 */
const isPart = (app: OpsPorts): boolean => app.tenants.length < app.config.institutions.length;
const holds = (app: OpsPorts, itemId: string): boolean =>
  institutionOfItem(
    app.tenants.map((t) => t.institution),
    itemId,
  ) !== undefined;

/** Every item under embargo that this App holds, with when its embargo ends (ms); the list rebuilt first when Redis lost it. */
export async function embargoedItems(app: OpsPorts): Promise<Array<{ itemId: string; until: number }>> {
  if (!isPart(app) && !(await app.embargoes.built())) await rebuildEmbargoes(app);
  return (await app.embargoes.all()).filter((e) => holds(app, e.itemId));
}

async function lift(app: OpsPorts): Promise<LiftResult> {
  const out: LiftResult = { lifted: [], kept: [], failed: [] };
  const part = isPart(app);
  if (!part && !(await app.embargoes.built())) out.rebuilt = await rebuildEmbargoes(app);
  const now = app.now().getTime();
  const due = (await app.embargoes.due(now, part ? 10_000 : LIFT_BATCH)).filter((d) => holds(app, d.itemId)).slice(0, LIFT_BATCH);
  // All claimed first: a run that dies part-way leaves the rest to a run an hour on.
  for (const { itemId } of due) await app.embargoes.set(itemId, now + LIFT_RETRY_MS);
  for (const { itemId } of due) {
    try {
      const r = await rederiveItem(app, itemId, { announce: true });
      await app.embargoes.remove(itemId);
      out.lifted.push({ itemId, pages: r.pages, ...(r.eventId ? { eventId: r.eventId } : {}) });
      app.log.info({ itemId, eventId: r.eventId, pages: r.pages }, 'embargo ended: item published');
    } catch (err) {
      if (err instanceof AccessWithheldError) {
        // Not to be public after all: publish (which ran in rederive's stead) or a new version
        // decided; a later embargo end is entered again by publish of that version.
        const head = await app.forItem(itemId).preservation.readHead<StoredRecord>(itemId);
        const end = head && !head.record.withdrawal ? embargoEnd(head.record) : undefined;
        if (end !== undefined && Number.isFinite(end) && end > now) await app.embargoes.set(itemId, end);
        else await app.embargoes.remove(itemId);
        out.kept.push({ itemId, reason: err.message });
        continue;
      }
      out.failed.push({ itemId, reason: (err as Error).message });
      app.log.error(
        { itemId, err: { message: (err as Error).message } },
        'the embargo ended but the item could not be published: tried again in an hour',
      );
    }
  }
  return out;
}

/**
 * After Redis lost its data (or on an installation's first run), the set is rebuilt from the
 * objects' head records: one walk of the bucket, once. An item whose embargo has ended and whose
 * item.json is public already is not entered (it was lifted before Redis lost its data).
 */
export async function rebuildEmbargoes(app: OpsPorts): Promise<number> {
  let n = 0;
  const now = app.now().getTime();
  for await (const id of allItemIds(app)) {
    const t = app.forItem(id);
    const head = await t.preservation.readHead<StoredRecord>(id).catch(() => null);
    if (!head || head.record.withdrawal) continue;
    const end = embargoEnd(head.record);
    if (end === undefined || !Number.isFinite(end)) continue;
    if (end <= now && (await t.access.head(itemKeys(id).item))) continue;
    await app.embargoes.set(id, end);
    n++;
  }
  await app.embargoes.markBuilt();
  if (n > 0) app.log.info({ items: n }, `embargo list rebuilt from the objects: ${n} item(s) under embargo`);
  return n;
}
