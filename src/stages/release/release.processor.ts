import fs from 'node:fs/promises';
import path from 'node:path';
import { exists, moveEntry, writeFileAtomic } from '../../adapters/local-fs.js';
import { rejectionText } from '../../intake/rules.core.js';
import type { ReleasePayload, ReleaseReturn } from '../../pipeline/plan.js';
import type { StageHandler } from '../../pipeline/queues.js';
import type { StatusStore } from '../../pipeline/status-store.js';
import type { OcflStore } from '../../storage/ocfl-store.js';

export interface ReleaseDeps {
  stagingDir: string;
  doneDir: string;
  rejectedDir: string;
  doneRetentionDays: number;
  status: StatusStore;
  ocfl: OcflStore;
}

export const DONE_STAMP = '.yaddas-done';

/**
 * The last step of every ingest. Preserved: the staged copy goes to the done area (or away, with
 * no retention). Rejected: to the rejected area with REJECTED.txt. Failed: stays staged for a
 * retry, and whatever its uncommitted version uploaded is removed. Idempotent: a re-run finds
 * the move already made.
 */
export function releaseProcessor(deps: ReleaseDeps): StageHandler<ReleasePayload, ReleaseReturn> {
  return async (data, { log }) => {
    const staged = path.join(deps.stagingDir, data.ingestId);
    const { outcome } = data;
    let movedTo: string | null = staged;
    let rolledBack = 0;

    if (outcome.status === 'preserved') {
      const dest = path.join(deps.doneDir, data.ingestId);
      if (deps.doneRetentionDays === 0) {
        await fs.rm(staged, { recursive: true, force: true });
        movedTo = null;
      } else {
        if (await exists(staged)) {
          await writeFileAtomic(path.join(staged, DONE_STAMP), new Date().toISOString() + '\n');
          await moveEntry(staged, dest);
        }
        movedTo = dest;
      }
    } else if (outcome.status === 'rejected') {
      const dest = path.join(deps.rejectedDir, data.ingestId);
      if (await exists(staged)) {
        const text = rejectionText({ name: data.sourceName, ingestId: data.ingestId, at: new Date(), problems: outcome.problems ?? [] });
        await writeFileAtomic(path.join(staged, 'REJECTED.txt'), text);
        await moveEntry(staged, dest);
      }
      movedTo = dest;
    } else if (data.target) {
      rolledBack = await deps.ocfl.rollback(data.target.objectId, data.target.version);
      if (rolledBack > 0) log.warn({ removed: rolledBack, version: data.target.version }, 'removed the uploads of the uncommitted version');
    }
    await deps.status.releaseObject(data.itemId, data.ingestId);
    log.info({ status: outcome.status, location: movedTo }, 'released');
    return { movedTo, rolledBack };
  };
}
