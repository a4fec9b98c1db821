/**
 * One writer per OCFL object: an ingest holds its item's object from prepare to release (this
 * helper, in prepare), and OcflStore.writeVersion holds it for a version written in one go (the
 * text step). A busy object makes the job wait (RetryLater: run again later, not failed); a
 * holder whose ingest has ended entirely does not block the item for ever, it is taken over.
 */
import { RetryLater } from '../domain/errors.js';
import type { Logger } from '../log.js';
import { BUSY_RETRY_MS, type OcflStore } from '../storage/ocfl-store.js';

export async function holdObjectOrWait(
  ocfl: OcflStore,
  ingestEnded: (ingestId: string) => Promise<boolean>,
  itemId: string,
  ingestId: string,
  log: Logger,
): Promise<void> {
  const lock = await ocfl.holdObject(itemId, ingestId, ingestEnded);
  if (lock.tookOverFrom) log.warn({ holder: lock.tookOverFrom }, 'took the object over from a finished ingest that still held it');
  if (!lock.held) {
    log.info({ holder: lock.holder }, 'another ingest of this item is writing to its object; waiting for it');
    throw new RetryLater(
      BUSY_RETRY_MS,
      `${lock.holder ? `another ingest (${lock.holder})` : 'another ingest'} is writing to object ${itemId}`,
    );
  }
}
