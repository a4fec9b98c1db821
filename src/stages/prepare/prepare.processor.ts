import type { PreparePayload, Target } from '../../pipeline/plan.js';
import type { StageHandler } from '../../pipeline/queues.js';
import type { StatusStore } from '../../pipeline/status-store.js';
import { holdObjectOrWait } from '../object-lock.js';
import type { OcflStore } from '../../storage/ocfl-store.js';
import { versionName, versionNumber } from '../../storage/ocfl.core.js';

/**
 * Reserves the item's OCFL object for this ingest (one ingest of an item at a time, so two
 * re-scans cannot both write "v2") and decides which version it will write.
 */
export function prepareProcessor(deps: {
  status: StatusStore;
  ocfl: OcflStore;
  retryWhenBusyMs?: number;
}): StageHandler<PreparePayload, Target> {
  let rootChecked = false;
  return async (data, { job, token, log }) => {
    await holdObjectOrWait(deps.status, data.itemId, data.ingestId, { job, token, log }, deps.retryWhenBusyMs);
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
