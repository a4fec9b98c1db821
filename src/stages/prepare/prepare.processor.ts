import { DelayedError } from 'bullmq';
import type { PreparePayload, Target } from '../../pipeline/plan.js';
import type { StageHandler } from '../../pipeline/queues.js';
import { isTerminal, type StatusStore } from '../../pipeline/status-store.js';
import type { OcflStore } from '../../storage/ocfl-store.js';
import { versionName, versionNumber } from '../../storage/ocfl.core.js';

/**
 * Reserves the item's OCFL object for this ingest (one ingest of an item at a time, so two
 * re-scans cannot both write "v2") and decides which version it will write.
 */
export function prepareProcessor(deps: { status: StatusStore; ocfl: OcflStore; retryWhenBusyMs?: number }): StageHandler<PreparePayload, Target> {
  let rootChecked = false;
  return async (data, { job, token, log }) => {
    let lock = await deps.status.acquireObject(data.itemId, data.ingestId);
    if (!lock.held && lock.holder) {
      // A holder whose ingest has finished (its release never ran: a job removed by hand, say)
      // must not block the item for ever.
      const rec = await deps.status.get(lock.holder);
      if (!rec || isTerminal(rec.status)) {
        log.warn({ holder: lock.holder }, 'taking over the object from a finished ingest that still held it');
        lock = await deps.status.takeOverObject(data.itemId, lock.holder, data.ingestId);
      }
    }
    if (!lock.held) {
      log.info({ holder: lock.holder }, 'another ingest of this item is being stored; waiting for it');
      await job.moveToDelayed(Date.now() + (deps.retryWhenBusyMs ?? 3_000), token);
      throw new DelayedError();
    }
    if (!rootChecked) {
      await deps.ocfl.ensureStorageRoot();
      rootChecked = true;
    }
    const head = await deps.ocfl.readInventory(data.itemId);
    return {
      objectId: data.itemId,
      objectRoot: deps.ocfl.rootOf(data.itemId),
      version: versionName(head ? versionNumber(head.head) + 1 : 1),
      headVersion: head?.head ?? null,
      created: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
  };
}
