/**
 * Prepare: reserves the item's OCFL object for this ingest (one ingest of an item at a time, so
 * two re-scans cannot both write "v2") and decides which version it writes. One job per ingest.
 */
import { failWith, hasFailures, type IngestCore, jobRef, type StageSpec } from '../stage.js';

export interface PreparePayload {
  ingestId: string;
  itemId: string;
  takenAt: string;
}

/** Where an ingest will write: decided by the prepare stage, under the object's lock. */
export interface Target {
  objectId: string;
  objectRoot: string;
  /** the version this ingest writes, e.g. "v2" */
  version: string;
  /** the object's head before this ingest, null for a new object */
  headVersion: string | null;
  /** the version's creation time, fixed once so that retries write identical bytes */
  created: string;
}

export interface PrepareSlice {
  target?: Target;
}

export const prepareStage: StageSpec<'prepare', PreparePayload, Target, IngestCore & PrepareSlice> = {
  name: 'prepare',
  runsOn: 'any',
  label: 'reserving the storage object',
  fanOut: (s) => [{ key: 'item', data: { ...jobRef(s), takenAt: s.manifest.takenAt } }],
  fold(s, results, failures) {
    if (hasFailures(failures)) return failWith(s, 'preparing storage', failures);
    return results.item ? { ...s, target: results.item } : s;
  },
};
