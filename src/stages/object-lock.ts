/**
 * One writer per OCFL object: an ingest holds the item's lock from prepare to release, and the
 * text step takes it again to add its OCR version. A busy object makes the job wait (delayed,
 * not failed); a holder whose ingest has ended entirely does not block the item for ever.
 */
import { DelayedError, type Job } from 'bullmq';
import type { Logger } from '../log.js';
import { isTerminal, type StatusStore } from '../pipeline/status-store.js';

export async function holdObjectOrWait(
  status: StatusStore,
  itemId: string,
  ingestId: string,
  ctx: { job: Job; token?: string; log: Logger },
  retryWhenBusyMs = 3_000,
): Promise<void> {
  let lock = await status.acquireObject(itemId, ingestId);
  if (!lock.held && lock.holder) {
    // Ended entirely: preserved, rejected or failed, and no longer in a later step (stage '').
    const rec = await status.get(lock.holder);
    if (!rec || (isTerminal(rec.status) && !rec.stage)) {
      ctx.log.warn({ holder: lock.holder }, 'taking over the object from a finished ingest that still held it');
      lock = await status.takeOverObject(itemId, lock.holder, ingestId);
    }
  }
  if (!lock.held) {
    ctx.log.info({ holder: lock.holder }, 'another ingest of this item is writing to its object; waiting for it');
    await ctx.job.moveToDelayed(Date.now() + retryWhenBusyMs, ctx.token);
    throw new DelayedError();
  }
}
