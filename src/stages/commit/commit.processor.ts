/**
 * Writes the ingest's OCFL version. The masters are already stored and verified; this adds the
 * item record and the inventories, root inventory last. Safe to re-run at any point.
 */
import { ErrorCodes, YaddasError } from '../../domain/errors.js';
import type { ItemMetadata } from '../../domain/metadata.js';
import { LogicalPaths } from '../../storage/ocfl.core.js';
import type { OcflStore } from '../../storage/ocfl-store.js';
import type { OcflUser } from '../../storage/ocfl.core.js';
import { type HandlerFactory, ocflUser, type StageHandler } from '../stage.js';
import { YADDAS_VERSION } from '../../config/version.js';
import { buildItemRecord, type ItemRecord, mistakenReuse, planVersion, recordContentPath, writtenBy } from './commit.core.js';
import { type MetsContext, metsContext, metsUpload, versionMets } from './version-mets.js';
import type { CommitPayload, CommitReturn } from './commit.stage.js';

export function commitProcessor(deps: {
  ocfl: OcflStore;
  user: OcflUser;
  mets: MetsContext;
  /** the institution whose item it is (recorded in the item record) */
  institution?: string;
}): StageHandler<CommitPayload, CommitReturn> {
  return async (data, { log }) => {
    const { target: t, manifest: m } = data;
    await deps.ocfl.keepHolding(t.objectId, m.ingestId);
    // An earlier attempt that stopped between the root inventory and its sidecar is completed.
    if (await deps.ocfl.finishInterruptedCommit(t.objectId))
      log.warn('completed a commit an earlier attempt had left between its last two writes');
    const current = await deps.ocfl.readInventory(t.objectId);
    if (current && writtenBy(current, m.ingestId)) {
      // It may have stopped before removing uploads the version did not need.
      const removed = await deps.ocfl.removeUnreferenced(t.objectId, current.head);
      // A crash after the commit may have kept its copies and audit from being queued.
      await deps.ocfl.versionWritten(t.objectId, current.head);
      log.info({ version: current.head, removed }, 'version already committed by an earlier attempt');
      return { version: current.head, unchanged: false, objectRoot: t.objectRoot };
    }
    if ((current?.head ?? null) !== t.headVersion) {
      throw new YaddasError(
        ErrorCodes.OBJECT_CONFLICT,
        `Object ${t.objectId} changed while this ingest was running (head is ${current?.head ?? 'none'}, expected ${t.headVersion ?? 'none'}).`,
        { permanent: true },
      );
    }
    // The head's record decides whether this is a mistaken reuse, and gives the new one its history.
    const headBytes = current ? await deps.ocfl.readLogical(current, LogicalPaths.itemRecord) : null;
    const headRecord = headBytes ? (JSON.parse(headBytes.toString('utf8')) as ItemRecord) : null;
    const built = buildItemRecord(m, data.inspected, data.stored, t, { yaddas: YADDAS_VERSION }, headRecord);
    const recordValue: ItemRecord = deps.institution ? { ...built, institution: deps.institution } : built;
    const record = Buffer.from(`${JSON.stringify(recordValue, null, 2)}\n`, 'utf8');
    const own = [{ logicalPath: LogicalPaths.itemRecord, body: record }];
    const draft = planVersion(current, m, data.stored, t, own, deps.user);
    if (draft.unchanged && current) {
      const removed = await deps.ocfl.rollback(t.objectId, t.version);
      log.info({ version: current.head, removed }, 'masters identical to the stored head version: no new version');
      return { version: current.head, unchanged: true, objectRoot: t.objectRoot };
    }
    if (current) {
      const held = mistakenReuse(current, headRecord as { metadata?: ItemMetadata | null } | null, m, data.stored);
      if (held) {
        // Nothing is written: release removes the uploads and keeps the staged copy for the decision.
        log.warn(held, 'held: the identifier is that of a different item (no page in common, another title)');
        return { version: current.head, unchanged: false, objectRoot: t.objectRoot, held };
      }
    }
    // The METS describes the version as its inventory will be, the METS itself aside.
    const mets = await versionMets(deps.mets, recordValue, draft.inventory, { [LogicalPaths.itemRecord]: record.length });
    const next = planVersion(current, m, data.stored, t, [...own, { logicalPath: LogicalPaths.mets, body: mets }], deps.user);
    await deps.ocfl.commit(t.objectId, next, [
      { contentPath: recordContentPath(t.version), body: record, contentType: 'application/json' },
      metsUpload(t.version, mets),
    ]);
    log.info({ version: t.version, files: Object.keys(data.stored).length }, `OCFL version ${t.version} committed`);
    return { version: t.version, unchanged: false, objectRoot: t.objectRoot };
  };
}

export const commitHandler: HandlerFactory<CommitPayload, CommitReturn> = (p) =>
  commitProcessor({
    ocfl: p.preservation,
    user: ocflUser(p.config),
    mets: metsContext(p.config, p.keeping),
    institution: p.institution.id,
  });
