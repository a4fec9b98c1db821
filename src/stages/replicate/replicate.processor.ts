/**
 * One job of the `replicate` queue: brings one object to one replica (storage/replicate.ts), after
 * a version was written to the primary, or when an audit found the replica behind. The copy
 * counts, and the item's copy status says so, only once every file was read back there. A replica
 * that is down fails the job, which is retried for a long while (and an audit queues it again
 * after that); the primary and the ingest never wait for it.
 */
import type { PreservationState } from '../../adapters/redis/preservation-state.js';
import { RetryLater } from '../../domain/errors.js';
import { type Locks, LockNames } from '../../storage/locks.js';
import type { OcflStore } from '../../storage/ocfl-store.js';
import { copyObject } from '../../storage/replicate.js';
import type { HandlerFactory, StageHandler } from '../stage.js';
import type { ReplicatePayload, ReplicateReturn } from './replicate.stage.js';

export interface ReplicateDeps {
  primary: OcflStore;
  replicas: Array<{ name: string; ocfl: OcflStore }>;
  state: PreservationState;
  locks: Locks;
  /** YADDAS_S3_CREATE_BUCKETS: a replica's bucket may be created */
  createBuckets: boolean;
}

/** How long a copy's lock lives without renewal; copying renews it. */
const COPY_LOCK_TTL_MS = 120_000;

export function replicateProcessor(deps: ReplicateDeps): StageHandler<ReplicatePayload, ReplicateReturn> {
  const names = deps.replicas.map((r) => r.name);
  // Each replica is made a storage root (bucket, declaration) on this process's first copy to it.
  const ready = new Set<string>();
  return async (data, { log }) => {
    const replica = deps.replicas.find((r) => r.name === data.copy);
    if (!replica) {
      // The replica was taken out of the configuration since: nothing to do.
      log.warn({ copy: data.copy }, 'no replica of that name is configured any more: nothing copied');
      return { status: 'complete', version: data.version, written: 0, bytes: 0 };
    }
    // One writer per object and copy: a repair or another copy job waits.
    const lock = LockNames.copy(data.copy, data.itemId);
    const owner = `replicate:${process.pid}:${Date.now()}`;
    if (!(await deps.locks.hold(lock, owner, COPY_LOCK_TTL_MS))) throw new RetryLater(30_000, `${lock} is being written by another job`);
    const renew = setInterval(() => void deps.locks.hold(lock, owner, COPY_LOCK_TTL_MS).catch(() => undefined), COPY_LOCK_TTL_MS / 3);
    try {
      if (!ready.has(data.copy)) {
        await replica.ocfl.ensureBucket(deps.createBuckets);
        await replica.ocfl.ensureStorageRoot();
        ready.add(data.copy);
      }
      const r = await copyObject(deps.primary, replica.ocfl, data.copy, data.itemId);
      await deps.state.copyComplete(data.itemId, data.copy, r.version, names);
      if (r.status === 'copied')
        log.info(
          { copy: data.copy, version: r.version, written: r.written, bytes: r.bytes },
          `copied to ${data.copy}, every file read back`,
        );
      return { status: r.status, version: r.version, written: r.written, bytes: r.bytes };
    } finally {
      clearInterval(renew);
      await deps.locks.release(lock, owner).catch(() => undefined);
    }
  };
}

export const replicateHandler: HandlerFactory<ReplicatePayload, ReplicateReturn> = (p) =>
  replicateProcessor({
    primary: p.preservation,
    replicas: p.replicas,
    state: p.keeping,
    locks: p.locks,
    createBuckets: p.config.s3.createBuckets || p.config.embeddedS3,
  });
