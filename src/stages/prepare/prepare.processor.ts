/**
 * Reserves the item's OCFL object for this ingest and decides which version it will write, with
 * the version's creation time fixed once (retries write identical bytes).
 */
import { isoSeconds } from '../../domain/time.js';
import type { OcflStore } from '../../storage/ocfl-store.js';
import { versionName, versionNumber } from '../../storage/ocfl.core.js';
import { holdObjectOrWait } from '../object-lock.js';
import type { HandlerFactory, StageHandler } from '../stage.js';
import type { PreparePayload, Target } from './prepare.stage.js';

export function prepareProcessor(deps: {
  ocfl: OcflStore;
  ingestEnded: (ingestId: string) => Promise<boolean>;
}): StageHandler<PreparePayload, Target> {
  let rootChecked = false;
  return async (data, { log }) => {
    await holdObjectOrWait(deps.ocfl, deps.ingestEnded, data.itemId, data.ingestId, log);
    // A commit another ingest left between its last two writes is completed before counting versions.
    await deps.ocfl.finishInterruptedCommit(data.itemId);
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
      created: isoSeconds(),
    };
  };
}

export const prepareHandler: HandlerFactory<PreparePayload, Target> = (p) =>
  prepareProcessor({ ocfl: p.preservation, ingestEnded: p.ingestEnded });
