/**
 * Store: every file of the item (masters and metadata.json) uploaded to its content path in the
 * version prepare chose, its three digests computed in the same read, and read back, one job per
 * file. Runs where the staged files are.
 */
import type { IngestFile, StoreResult } from '../../domain/item.js';
import { LogicalPaths } from '../../storage/ocfl.core.js';
import { fileKey } from '../inspect/inspect.stage.js';
import type { PrepareSlice } from '../prepare/prepare.stage.js';
import { failWith, hasFailures, type IngestCore, jobRef, type StageSpec } from '../stage.js';

export interface StorePayload {
  ingestId: string;
  itemId: string;
  page?: number;
  /** staged path relative to the ingest's staging folder */
  path: string;
  size: number;
  logicalPath: string;
  objectId: string;
  objectRoot: string;
  version: string;
  /** digests a checksum manifest lists for it: the ones computed while storing must equal them */
  expected?: IngestFile['expected'];
}

/** What store adds to the ingest's state: every stored file, by staged path. */
export interface StoreSlice {
  stored: Record<string, StoreResult>;
}

export const storeStage: StageSpec<'store', StorePayload, StoreResult, IngestCore & PrepareSlice & StoreSlice> = {
  name: 'store',
  runsOn: 'intake',
  label: 'storing and verifying masters',
  fanOut: (s) => {
    const t = s.target;
    if (!t) return [];
    return s.manifest.files.map((f) => ({
      key: fileKey(f),
      data: {
        ...jobRef(s),
        ...(f.page !== undefined ? { page: f.page } : {}),
        path: f.path,
        size: f.size,
        logicalPath: f.role === 'page' ? LogicalPaths.master(f.path.split('/').pop() ?? f.path) : (f.logicalPath ?? LogicalPaths.metadata),
        ...(f.expected ? { expected: f.expected } : {}),
        objectId: t.objectId,
        objectRoot: t.objectRoot,
        version: t.version,
      },
    }));
  },
  fold(s, results, failures) {
    if (hasFailures(failures)) return failWith(s, 'storing masters', failures);
    const stored: Record<string, StoreResult> = {};
    for (const r of Object.values(results)) stored[r.path] = r;
    return { ...s, stored };
  },
};
