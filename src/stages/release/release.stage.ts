/**
 * Release: the last step of every ingest, whatever its outcome. The staged copy goes to the done
 * area (preserved), to the rejected area with its report (rejected), or stays for a retry (failed,
 * and what its uncommitted version uploaded is removed); the object lock is let go.
 */
import { ErrorCodes } from '../../domain/errors.js';
import type { Outcome } from '../../domain/item.js';
import type { PrepareSlice, Target } from '../prepare/prepare.stage.js';
import { firstFailure, hasFailures, type IngestCore, jobRef, type StageSpec } from '../stage.js';

export interface ReleasePayload {
  ingestId: string;
  itemId: string;
  sourceName: string;
  outcome: Outcome;
  target?: Target;
}

export interface ReleaseReturn {
  movedTo: string | null;
  rolledBack: number;
}

export interface ReleaseSlice {
  /** where the item's files are on disk once released */
  location?: string;
}

export const releaseStage: StageSpec<'release', ReleasePayload, ReleaseReturn, IngestCore & PrepareSlice & ReleaseSlice> = {
  name: 'release',
  runsOn: 'intake',
  label: 'releasing the inbox copy',
  always: true,
  endsPreservation: true,
  fanOut: (s) => [
    {
      key: 'item',
      data: {
        ...jobRef(s),
        sourceName: s.manifest.sourceName,
        outcome: s.outcome ?? { status: 'failed', code: ErrorCodes.INTERNAL, reason: 'the pipeline ended without an outcome' },
        ...(s.target ? { target: s.target } : {}),
      },
    },
  ],
  fold(s, results, failures) {
    if (!hasFailures(failures)) {
      const r = results.item;
      return r?.movedTo ? { ...s, location: r.movedTo } : s;
    }
    // The masters' fate is already decided; a failed release only means the staged copy stayed.
    const outcome = s.outcome ?? { status: 'failed' as const };
    const reason = `${outcome.reason ? `${outcome.reason}; ` : ''}releasing the staged copy failed: ${firstFailure(failures)}`;
    return { ...s, outcome: { ...outcome, reason } };
  },
};
