/**
 * The `replicate` queue's contract: one job copies one object to one replica. Not a step of an
 * ingest: it is queued when a version is written to the primary (job id fixed per object, copy
 * and version, so it is queued once), and when an audit finds a replica behind.
 */
export interface ReplicatePayload {
  itemId: string;
  /** the replica's name */
  copy: string;
  /** the primary's version that asked for it (the job copies whatever the primary's head is then) */
  version: string;
}

export interface ReplicateReturn {
  status: 'complete' | 'copied';
  version: string;
  written: number;
  bytes: number;
}
