/**
 * Withdrawing an item from public view, and reinstating it (`yaddas withdraw`, `yaddas reinstate`).
 * The preservation object is kept whole: the withdrawal is a new OCFL version whose item record
 * says who withdrew it, when and why (a PREMIS event in its METS), and every later version carries
 * that on until a person reinstates it. The public access copies give way to a tombstone, the
 * collections drop the item, and `item.withdrawn` goes out on the event stream and to webhooks.
 * Reinstating writes a version without the withdrawal and publishes the item again from its
 * preservation object alone (as `yaddas rederive` does), then says `item.reinstated`.
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { operationOwner } from '../adapters/redis/status-store.js';
import { digestBuffer } from '../checksum/digests.js';
import { ErrorCodes, RetryLater, YaddasError } from '../domain/errors.js';
import { isoSeconds } from '../domain/time.js';
import { parseMetadata } from '../domain/metadata.js';
import { EVENT_FORMAT } from '../stages/announce/announce.core.js';
import {
  historyOf,
  type ItemRecord,
  type RecordAgent,
  type RecordEvent,
  type RightsDecision,
  recordContentPath,
} from '../stages/commit/commit.core.js';
import { metsContext, metsUpload, versionMets } from '../stages/commit/version-mets.js';
import { Collections } from '../stages/publish/collections.js';
import { keepFromPublic, withholdAccess } from '../stages/publish/withhold.js';
import { ocflUser } from '../stages/stage.js';
import { itemKeys, publicUrl } from '../storage/access-layout.js';
import { LogicalPaths, nextInventory, type VersionFile } from '../storage/ocfl.core.js';
import type { OpsPorts } from './ports.js';
import { rederiveItem } from './rederive.js';

/** Who acts: the login that runs the command (the console will pass its user). */
export const currentUser = (): string => {
  try {
    return os.userInfo().username || 'an operator';
  } catch {
    return 'an operator';
  }
};

export interface AccessChangeEvent {
  format: typeof EVENT_FORMAT;
  id: string;
  type: 'item.withdrawn' | 'item.reinstated';
  time: string;
  itemId: string;
  institution: string;
  /** the OCFL version that records the change */
  version: string;
  by: string;
  /** the withdrawal's reason */
  reason?: string;
  access: { item: string; manifest: string };
}

/**
 * A new version of the object: the head's files, a new item record made by `change` from the
 * head's, and its METS. Waits while an ingest holds the object (up to a few minutes).
 */
async function writeRecordVersion(
  app: OpsPorts,
  id: string,
  owner: string,
  message: string,
  change: (head: ItemRecord, version: string) => ItemRecord | { skip: string },
): Promise<{ version: string } | { skipped: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await app.preservation.writeVersion(
        id,
        owner,
        async (draft) => {
          const bytes = await draft.readLogical(LogicalPaths.itemRecord);
          if (!bytes)
            throw new YaddasError(ErrorCodes.INVENTORY_INVALID, `Object ${id} ${draft.head.head} has no item record.`, { permanent: true });
          const next = change(JSON.parse(bytes.toString('utf8')) as ItemRecord, draft.version);
          if ('skip' in next) return { skip: next.skip };
          const recordBytes = Buffer.from(`${JSON.stringify(next, null, 2)}\n`, 'utf8');
          const carried: VersionFile[] = [];
          for (const [sha512, paths] of Object.entries(draft.head.versions[draft.head.head]!.state))
            for (const p of paths)
              if (p !== LogicalPaths.itemRecord && p !== LogicalPaths.mets) carried.push({ logicalPath: p, digests: { sha512 } });
          const plan = (own: VersionFile[]) =>
            nextInventory(draft.head, {
              id,
              files: [...carried, ...own].sort((a, b) => (a.logicalPath < b.logicalPath ? -1 : 1)),
              created: isoSeconds(),
              message,
              user: ocflUser(app.config),
            });
          const record = { logicalPath: LogicalPaths.itemRecord, digests: digestBuffer(recordBytes) };
          const mets = await versionMets(metsContext(app.config, app.keeping), next, plan([record]).inventory, {
            [LogicalPaths.itemRecord]: recordBytes.length,
          });
          return {
            commit: plan([record, { logicalPath: LogicalPaths.mets, digests: digestBuffer(mets) }]),
            extra: [
              { contentPath: recordContentPath(draft.version), body: recordBytes, contentType: 'application/json' },
              metsUpload(draft.version, mets),
            ],
          };
        },
        // an ingest that ended (or was killed) without letting go does not block this
        { holderEnded: (holder) => app.status.hasEnded(holder), log: app.log },
      );
      return r.version === null ? { skipped: r.skipped } : { version: r.version };
    } catch (err) {
      if (err instanceof RetryLater && attempt < 60) {
        await sleep(err.ms);
        continue;
      }
      throw err;
    }
  }
}

/** One agent per person (so that who withdrew and who reinstated stay apart in the history). */
const personId = (by: string) => `person-${by.replace(/[^A-Za-z0-9._-]/g, '_')}`;

function operatorAgent(by: string, what: string): RecordAgent {
  return { id: personId(by), name: by, type: 'person', note: what };
}

function withOperator(head: ItemRecord, agent: RecordAgent): RecordAgent[] {
  const earlier = (head.agents ?? []).find((a) => a.id === agent.id);
  const note = earlier?.note && !earlier.note.includes(agent.note ?? '') ? `${earlier.note}; ${agent.note}` : agent.note;
  return [...(head.agents ?? []).filter((a) => a.id !== agent.id), { ...agent, ...(note ? { note } : {}) }];
}

/**
 * The record of a version an operator's act makes: `base` (the head's record, less what the act
 * takes away) with the act as its one event, the head's events as history, the person as an agent.
 */
function operatorVersion(
  head: ItemRecord,
  base: Omit<ItemRecord, 'withdrawal' | 'reinstatement'>,
  version: string,
  by: string,
  at: string,
  type: string,
  detail: string,
  what: string,
): ItemRecord {
  const event: RecordEvent = { type, at, outcome: 'success', detail, agent: by, agents: [personId(by), 'yaddas'], objects: [] };
  return { ...base, version, history: historyOf(head), events: [event], agents: withOperator(head, operatorAgent(by, what)) };
}

function collections(app: OpsPorts): Collections {
  return new Collections({
    membership: app.membership,
    locks: app.locks,
    access: app.access,
    defs: app.config.collections,
    publicBaseUrl: app.config.access.publicBaseUrl,
    log: app.log,
  });
}

async function announce(app: OpsPorts, ev: AccessChangeEvent): Promise<void> {
  // Delivered even when the event was appended by a run that stopped before queueing them: the
  // deliveries' job ids are the event's, so queueing again never sends twice.
  const { json } = await app.events.append(ev);
  await app.deliveries.queue(
    app.config.webhooks.urls.map((url) => ({ eventId: ev.id, itemId: ev.itemId, url, body: json, type: ev.type })),
  );
}

const accessUrls = (app: OpsPorts, id: string) => ({
  item: publicUrl(app.config.access.publicBaseUrl, itemKeys(id).item),
  manifest: publicUrl(app.config.access.publicBaseUrl, itemKeys(id).manifest),
});

export type AccessChangeResult =
  | { id: string; ok: true; version: string; removed?: number; pages?: number }
  | { id: string; ok: false; reason: string };

/**
 * Withdraws an item from public view: a new version recording it, then the tombstone and the
 * event. Run again after a crash part-way (the version written, the tombstone or the event not
 * yet), it finds the item withdrawn and finishes the rest: the tombstone and the event are
 * idempotent (the event's id is the withdrawal's version).
 */
export async function withdrawItem(installation: OpsPorts, id: string, reason: string, by = currentUser()): Promise<AccessChangeResult> {
  const app = installation.forItem(id);
  const why = reason.trim();
  if (!why) return { id, ok: false, reason: 'a withdrawal needs a reason (--reason "…"), kept with the object and shown to the public' };
  const at = isoSeconds();
  const written = await writeRecordVersion(app, id, operationOwner('withdraw'), `Withdrawn by ${by}: ${why}`, (head, version) => {
    if (head.withdrawal) return { skip: 'already withdrawn' };
    const { reinstatement: _earlier, ...rest } = head;
    return {
      ...operatorVersion(
        head,
        rest,
        version,
        by,
        at,
        'withdrawal',
        `withdrawn from public access by ${by}: ${why}; the preservation object is kept whole`,
        'withdrew the item from public access',
      ),
      withdrawal: { at, reason: why, by, version },
    };
  });
  const head = await app.preservation.readHead<ItemRecord>(id);
  const w = head?.record.withdrawal;
  if (!head || !w) return { id, ok: false, reason: 'skipped' in written ? written.skipped : 'the withdrawal was not recorded' };
  // An earlier withdrawal (or an earlier run of this one): its tombstone and event are made sure of.
  const again = 'skipped' in written;
  const { removed } = await withholdAccess(
    { access: app.access, collections: collections(app), publicBaseUrl: app.config.access.publicBaseUrl },
    id,
    w,
    head.record.metadata?.title,
  );
  const version = w.version ?? head.inventory.head;
  await announce(app, {
    format: EVENT_FORMAT,
    id: `${id}.withdrawn.${version}`,
    type: 'item.withdrawn',
    time: w.at,
    itemId: id,
    institution: app.institution.id,
    version,
    by: w.by,
    reason: w.reason,
    access: accessUrls(app, id),
  });
  if (again) {
    // Said so, with what stands: the reason given now is not the recorded one.
    return { id, ok: false, reason: `already withdrawn (${w.at} by ${w.by}: ${w.reason}); its tombstone is in place` };
  }
  app.log.warn({ itemId: id, version, removed, by }, `item withdrawn from public access: ${why}`);
  return { id, ok: true, version, removed };
}

/**
 * Publishes a withdrawn item again: a new version without the withdrawal, its access copies
 * rebuilt, the event. Run again after a crash part-way (the version written, the item not yet
 * published), it finds the reinstatement recorded and finishes the rest.
 */
export async function reinstateItem(installation: OpsPorts, id: string, by = currentUser()): Promise<AccessChangeResult> {
  const app = installation.forItem(id);
  const at = isoSeconds();
  const written = await writeRecordVersion(app, id, operationOwner('reinstate'), `Reinstated by ${by}`, (head, version) => {
    if (!head.withdrawal) return { skip: 'not withdrawn' };
    const { withdrawal: w, ...rest } = head;
    return {
      ...operatorVersion(
        head,
        rest,
        version,
        by,
        at,
        'reinstatement',
        `published again by ${by} (withdrawn ${w.at} by ${w.by}: ${w.reason})`,
        'reinstated the item in public access',
      ),
      reinstatement: { at, by, version },
    };
  });
  const head = await app.preservation.readHead<ItemRecord>(id);
  if (!head) return { id, ok: false, reason: `there is no item ${id}` };
  // Not withdrawn now: this run reinstated it, or an earlier one did (the record keeps the last
  // reinstatement, through later versions) and may have stopped before publishing it.
  const r = head.record.reinstatement;
  if ('skipped' in written && !r) return { id, ok: false, reason: written.skipped };
  if (head.record.withdrawal || !r) return { id, ok: false, reason: 'still withdrawn' };
  // No longer withdrawn, but perhaps still not to be public (restricted, or under embargo, by a
  // curator's decision while it was withdrawn): the tombstone goes, the embargo is entered.
  const withheld = await makePublicAgree(app, id, head.record);
  const rebuilt = withheld ? { pages: 0 } : await rederiveItem(app, id);
  const version = r.version;
  await announce(app, {
    format: EVENT_FORMAT,
    id: `${id}.reinstated.${version}`,
    type: 'item.reinstated',
    time: r.at,
    itemId: id,
    institution: app.institution.id,
    version,
    by: r.by,
    access: accessUrls(app, id),
  });
  app.log.info({ itemId: id, version, by }, withheld ? `item reinstated; not public: ${withheld}` : 'item reinstated in public access');
  return { id, ok: true, version, pages: rebuilt.pages };
}

export interface RightsChange {
  /** open, restricted, or embargoed (with `embargoUntil`) */
  access?: 'open' | 'restricted' | 'embargoed';
  embargoUntil?: string;
  /** a rights statement URI or words; "" takes it away */
  rights?: string;
}

/**
 * A curator's change of who may see an item and under what rights: a new version whose item
 * record's metadata says so (a PREMIS "metadata modification" event, the person as agent; the
 * metadata.json kept as received stays as it was), then the public side made to agree: access
 * copies rebuilt (and `item.published` said) when it may be public now, removed when it may not.
 */
export async function changeRights(
  installation: OpsPorts,
  id: string,
  change: RightsChange,
  by = currentUser(),
): Promise<AccessChangeResult> {
  const app = installation.forItem(id);
  const at = isoSeconds();
  let said = '';
  let invalid: string | undefined;
  // Worked out from the head as it is when the version is written (an ingest or another curator
  // may have written one while this waited for the object), and checked as metadata.json is.
  const written = await writeRecordVersion(app, id, operationOwner('rights'), `Rights changed by ${by}`, (head, version) => {
    const md: Record<string, unknown> = { ...(head.metadata ?? {}) };
    if (change.access !== undefined) {
      md.access = change.access;
      if (change.access !== 'embargoed') delete md.embargoUntil;
    }
    if (change.embargoUntil !== undefined) md.embargoUntil = change.embargoUntil;
    if (change.rights !== undefined) {
      if (change.rights.trim() === '') delete md.rights;
      else md.rights = change.rights.trim();
    }
    if (md.access === 'open') delete md.access;
    const parsed = parseMetadata(Buffer.from(JSON.stringify(md)));
    if (!parsed.ok) {
      invalid = parsed.errors.join('; ');
      return { skip: invalid };
    }
    if (JSON.stringify(head.metadata ?? {}) === JSON.stringify(parsed.metadata))
      return { skip: 'nothing to change: the item says so already' };
    const m = parsed.metadata;
    said = [`access ${m.access ?? 'open'}${m.embargoUntil ? ` until ${m.embargoUntil}` : ''}`, `rights ${m.rights ?? '(none)'}`].join(', ');
    const decision: RightsDecision = {
      access: m.access ?? 'open',
      ...(m.embargoUntil ? { embargoUntil: m.embargoUntil } : {}),
      ...(m.rights ? { rights: m.rights } : {}),
      at,
      by,
      version,
    };
    return {
      ...operatorVersion(
        head,
        { ...head, metadata: m },
        version,
        by,
        at,
        'metadata modification',
        `access and rights set by ${by}: ${said}`,
        'changed the item’s access and rights',
      ),
      rightsDecision: decision,
    };
  });
  if ('skipped' in written) return { id, ok: false, reason: invalid ?? written.skipped };
  const head = await app.preservation.readHead<ItemRecord>(id);
  const withheld = await makePublicAgree(app, id, head?.record);
  if (withheld) {
    app.log.info({ itemId: id, version: written.version, by }, `access and rights changed (${said}); not public: ${withheld}`);
    return { id, ok: true, version: written.version, pages: 0 };
  }
  // Public now: rebuilt from the object, and item.published said (for the new version: downstream
  // learns of new rights as of a new scan).
  const rebuilt = await rederiveItem(app, id, { announce: true });
  app.log.info({ itemId: id, version: written.version, by }, `access and rights changed (${said}); published`);
  return { id, ok: true, version: written.version, pages: rebuilt.pages };
}

/**
 * For an item that may not be public now: whatever is public of it goes (a withdrawn one keeps
 * its tombstone), and an embargo is entered for the lift. Returns why it is withheld, or undefined
 * when it may be public (nothing done: the caller publishes it).
 */
async function makePublicAgree(app: OpsPorts, id: string, record: ItemRecord | undefined): Promise<string | undefined> {
  const kept = await keepFromPublic(
    { access: app.access, collections: collections(app), publicBaseUrl: app.config.access.publicBaseUrl, embargoes: app.embargoes },
    id,
    record,
    app.now(),
  );
  if (!kept) await app.embargoes.remove(id);
  return kept?.why;
}
