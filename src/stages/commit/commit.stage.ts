/**
 * Commit: the ingest's OCFL version written (item record, inventories, root inventory last) once
 * every file is stored and verified. Its result decides the item: preserved, as a new version or
 * unchanged (identical to the head). One job per ingest.
 */
import { ErrorCodes } from '../../domain/errors.js';
import type { HeldDetail, IngestManifest, InspectResult, StoreResult } from '../../domain/item.js';
import { heldReason } from './commit.core.js';
import type { InspectSlice } from '../inspect/inspect.stage.js';
import type { PrepareSlice, Target } from '../prepare/prepare.stage.js';
import { failWith, hasFailures, type IngestCore, jobRef, type StageSpec } from '../stage.js';
import type { StoreSlice } from '../store/store.stage.js';

export interface CommitPayload {
  ingestId: string;
  itemId: string;
  manifest: IngestManifest;
  inspected: Record<string, InspectResult>;
  stored: Record<string, StoreResult>;
  target: Target;
}

export interface CommitReturn {
  version: string;
  unchanged: boolean;
  objectRoot: string;
  /** set when the ingest was held, not committed: the identifier seems to be another item's */
  held?: HeldDetail;
}

type State = IngestCore & InspectSlice & PrepareSlice & StoreSlice;

export const commitStage: StageSpec<'commit', CommitPayload, CommitReturn, State> = {
  name: 'commit',
  runsOn: 'any',
  label: 'writing the OCFL version',
  fanOut: (s) =>
    s.target
      ? [{ key: 'item', data: { ...jobRef(s), manifest: s.manifest, inspected: s.inspected, stored: s.stored, target: s.target } }]
      : [],
  fold(s, results, failures) {
    if (hasFailures(failures)) return failWith(s, 'writing the OCFL version', failures);
    const r = results.item;
    if (!r) return failWith(s, 'writing the OCFL version', { item: 'INTERNAL: the commit returned nothing' });
    if (r.held)
      return {
        ...s,
        outcome: {
          status: 'held',
          code: ErrorCodes.IDENTIFIER_IN_USE,
          reason: heldReason(s.manifest.itemId, s.manifest.ingestId, r.held),
          held: r.held,
        },
      };
    return { ...s, outcome: { status: 'preserved', version: r.version, objectRoot: r.objectRoot, unchanged: r.unchanged } };
  },
};
