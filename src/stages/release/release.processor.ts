/**
 * The last step of every ingest. Preserved: the staged copy goes to the done area (or away, with
 * no retention). Rejected: to the rejected area with its report. Failed: stays staged for a
 * retry, and whatever its uncommitted version uploaded is removed. Idempotent: a re-run finds
 * the move already made.
 */
import type { Language } from '../../domain/i18n/index.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import { exists, moveEntry, writeFileAtomic } from '../../adapters/local-fs.js';
import { rejectionText, Staging } from '../../domain/staging.js';

import type { OcflStore } from '../../storage/ocfl-store.js';
import type { HandlerFactory, StageHandler } from '../stage.js';
import type { ReleasePayload, ReleaseReturn } from './release.stage.js';

export interface ReleaseDeps {
  stagingDir: string;
  doneDir: string;
  rejectedDir: string;
  doneRetentionDays: number;
  ocfl: OcflStore;
  /** REJECTED.txt is written in these, first the first (the institution's) */
  languages?: readonly Language[];
}

export function releaseProcessor(deps: ReleaseDeps): StageHandler<ReleasePayload, ReleaseReturn> {
  return async (data, { log }) => {
    const staged = Staging.folder(deps.stagingDir, data.ingestId);
    const { outcome } = data;
    let movedTo: string | null = staged;
    let rolledBack = 0;

    if (outcome.status === 'preserved') {
      const dest = Staging.folder(deps.doneDir, data.ingestId);
      if (deps.doneRetentionDays === 0) {
        await fs.rm(staged, { recursive: true, force: true });
        movedTo = null;
      } else {
        if (await exists(staged)) {
          await writeFileAtomic(path.join(staged, Staging.doneStamp), `${new Date().toISOString()}\n`);
          await moveEntry(staged, dest);
        }
        movedTo = dest;
      }
    } else if (outcome.status === 'rejected') {
      const dest = Staging.folder(deps.rejectedDir, data.ingestId);
      if (await exists(staged)) {
        const text = rejectionText({
          name: data.sourceName,
          ingestId: data.ingestId,
          at: new Date(),
          problems: outcome.problems ?? [],
          ...(deps.languages ? { languages: deps.languages } : {}),
        });
        await writeFileAtomic(path.join(staged, Staging.rejectedReport), text);
        await moveEntry(staged, dest);
      }
      movedTo = dest;
    } else if (data.target) {
      // Only while this ingest still holds the object: uploads under the same version name by an
      // ingest that holds it now are that ingest's.
      const lock = await deps.ocfl.holdObject(data.target.objectId, data.ingestId);
      if (lock.held) {
        rolledBack = await deps.ocfl.rollback(data.target.objectId, data.target.version);
        if (rolledBack > 0)
          log.warn({ removed: rolledBack, version: data.target.version }, 'removed the uploads of the uncommitted version');
      } else {
        log.warn({ holder: lock.holder }, 'another ingest holds the object now: its uploads are left alone');
      }
    }
    await deps.ocfl.releaseObject(data.itemId, data.ingestId);
    log.info({ status: outcome.status, location: movedTo }, 'released');
    return { movedTo, rolledBack };
  };
}

export const releaseHandler: HandlerFactory<ReleasePayload, ReleaseReturn> = ({ config, preservation, institution }) =>
  releaseProcessor({
    languages: institution.languages,
    stagingDir: config.intake.stagingDir,
    doneDir: config.intake.doneDir,
    rejectedDir: config.intake.rejectedDir,
    doneRetentionDays: config.intake.doneRetentionDays,
    ocfl: preservation,
  });
