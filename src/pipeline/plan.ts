/**
 * The pipeline, declared in one place. An ingest runs these steps in order; each step fans out
 * one job per file or one per item into the stage's own queue, and the ingest (a BullMQ flow
 * parent) resumes only when all of them are done. Adding a stage is adding an entry here and its
 * processor in stages/.
 */
import { decodeFailure, ErrorCodes, type Problem } from '../domain/errors.js';
import { pageKey } from '../domain/ids.js';
import type { IngestManifest, InspectResult, Outcome, StoreResult } from '../domain/item.js';
import { LogicalPaths } from '../storage/ocfl.core.js';
import { viewUnits } from '../stages/derive/derive.core.js';

/** Where a stage's worker must run: `intake` stages read the staged files on local disk. */
export type Host = 'intake' | 'any';

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

/** The ingest's running state, kept in the ingest job's data between steps. */
export interface IngestState {
  manifest: IngestManifest;
  step: number;
  /** the current step's jobs were added (a restart must not add them again under new ids) */
  spawned: boolean;
  inspected: Record<string, InspectResult>;
  target?: Target;
  stored: Record<string, StoreResult>;
  commit?: { version: string; unchanged: boolean };
  outcome?: Outcome;
  /** where the item's files are on disk once released */
  location?: string;
  /** derivatives by page key, once made */
  derived?: Record<string, DeriveReturn>;
  /** the access copies: published, or why not (preservation does not depend on it) */
  publication?: { status: 'published' | 'failed' | 'skipped'; reason?: string };
}

// ---- payloads: one typed map of stage → job data ------------------------------------------------

export interface InspectPayload { ingestId: string; itemId: string; page: number; path: string }
export type InspectReturn = { path: string; ok: true; result: InspectResult } | { path: string; ok: false; problem: Problem };
export interface PreparePayload { ingestId: string; itemId: string; takenAt: string }
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
}
export interface CommitPayload {
  ingestId: string;
  itemId: string;
  manifest: IngestManifest;
  inspected: Record<string, InspectResult>;
  stored: Record<string, StoreResult>;
  target: Target;
}
export interface CommitReturn { version: string; unchanged: boolean; objectRoot: string }
export interface ReleasePayload { ingestId: string; itemId: string; sourceName: string; outcome: Outcome; target?: Target }
export interface ReleaseReturn { movedTo: string | null; rolledBack: number }
export interface DerivePayload {
  ingestId: string;
  itemId: string;
  /** the view number ({nnnn}) */
  page: number;
  /** which master, and which page inside it (multi-page TIFF) */
  masterPage: number;
  subpage: number;
  /** SHA-512 of the master; its content path is looked up in the object's inventory */
  sha512: string;
  mime: string;
}
export interface DeriveReturn {
  page: number;
  masterPage?: number;
  subpage?: number;
  skipped?: string;
  /** the upright size of the image */
  width?: number;
  height?: number;
  /** the size of IIIF full/max */
  max?: { width: number; height: number };
  thumbnail?: string;
  thumbnailSize?: { width: number; height: number };
  access?: string;
  iiif?: string;
  files?: number;
}

/** What commit had, and the pages' derivatives. */
export interface PublishPayload extends CommitPayload {
  derived: Record<string, DeriveReturn>;
}
export interface PublishReturn { item: string; manifest: string; removed: number }

export interface StagePayloads {
  inspect: InspectPayload;
  prepare: PreparePayload;
  store: StorePayload;
  commit: CommitPayload;
  release: ReleasePayload;
  derive: DerivePayload;
  publish: PublishPayload;
}
export type StageName = keyof StagePayloads;

export interface ChildJob<P> {
  /** unique within the step: page number or "item"; part of the deterministic job id */
  key: string;
  data: P;
}

export interface StageSpec<N extends StageName = StageName> {
  name: N;
  runsOn: Host;
  /** what people see while an item is in this step */
  label: string;
  /** runs even when an earlier step decided the outcome (clean-up and release) */
  always?: boolean;
  /** the item's status (preserved, rejected, failed) is final once this step is done */
  endsPreservation?: boolean;
  /** the jobs of this step; none skips it */
  fanOut(s: IngestState): ChildJob<StagePayloads[N]>[];
  /**
   * Folds the children's return values (by key) and the failures that outlived their retries
   * into the state. Setting `outcome` ends the ingest after the `always` steps.
   */
  fold(s: IngestState, results: Record<string, unknown>, failures: Record<string, string>): IngestState;
}

/** Failures that outlived their retries make the item `failed`, with the first one as reason. */
function failWith(s: IngestState, stage: string, failures: Record<string, string>): IngestState {
  const [, first] = Object.entries(failures)[0]!;
  const { code, message } = decodeFailure(first);
  const n = Object.keys(failures).length;
  return { ...s, outcome: { status: 'failed', code, reason: `${stage} failed${n > 1 ? ` for ${n} files` : ''}: ${message}` } };
}

const fileKey = (f: { role: string; page?: number }) => (f.role === 'page' ? pageKey(f.page!) : 'meta');

const inspect: StageSpec<'inspect'> = {
  name: 'inspect',
  runsOn: 'intake',
  label: 'identifying formats and decode-checking',
  fanOut: (s) =>
    s.manifest.files
      .filter((f) => f.role === 'page')
      .map((f) => ({ key: fileKey(f), data: { ingestId: s.manifest.ingestId, itemId: s.manifest.itemId, page: f.page!, path: f.path } })),
  fold(s, results, failures) {
    if (Object.keys(failures).length > 0) return failWith(s, 'inspection', failures);
    const problems: Problem[] = [...(s.manifest.problems ?? [])];
    const inspected: Record<string, InspectResult> = {};
    for (const r of Object.values(results) as InspectReturn[]) {
      if (r.ok) inspected[r.path] = r.result;
      else problems.push(r.problem);
    }
    if (problems.length > 0) {
      problems.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '', 'en', { numeric: true }));
      const reason = problems.length === 1 ? `${problems[0]!.file ?? 'item'}: ${problems[0]!.message}` : `${problems.length} problems, first: ${problems[0]!.file ?? 'item'}: ${problems[0]!.message}`;
      return { ...s, outcome: { status: 'rejected', code: problems[0]!.code, reason, problems } };
    }
    return { ...s, inspected };
  },
};

const prepare: StageSpec<'prepare'> = {
  name: 'prepare',
  runsOn: 'any',
  label: 'reserving the storage object',
  fanOut: (s) => [{ key: 'item', data: { ingestId: s.manifest.ingestId, itemId: s.manifest.itemId, takenAt: s.manifest.takenAt } }],
  fold(s, results, failures) {
    if (Object.keys(failures).length > 0) return failWith(s, 'preparing storage', failures);
    return { ...s, target: results.item as Target };
  },
};

const store: StageSpec<'store'> = {
  name: 'store',
  runsOn: 'intake',
  label: 'storing and verifying masters',
  fanOut: (s) =>
    s.manifest.files.map((f) => ({
      key: fileKey(f),
      data: {
        ingestId: s.manifest.ingestId,
        itemId: s.manifest.itemId,
        ...(f.page !== undefined ? { page: f.page } : {}),
        path: f.path,
        size: f.size,
        logicalPath: f.role === 'page' ? LogicalPaths.master(f.path.split('/').pop()!) : LogicalPaths.metadata,
        objectId: s.target!.objectId,
        objectRoot: s.target!.objectRoot,
        version: s.target!.version,
      },
    })),
  fold(s, results, failures) {
    if (Object.keys(failures).length > 0) return failWith(s, 'storing masters', failures);
    const stored: Record<string, StoreResult> = {};
    for (const r of Object.values(results) as StoreResult[]) stored[r.path] = r;
    return { ...s, stored };
  },
};

const commit: StageSpec<'commit'> = {
  name: 'commit',
  runsOn: 'any',
  label: 'writing the OCFL version',
  fanOut: (s) => [
    {
      key: 'item',
      data: { ingestId: s.manifest.ingestId, itemId: s.manifest.itemId, manifest: s.manifest, inspected: s.inspected, stored: s.stored, target: s.target! },
    },
  ],
  fold(s, results, failures) {
    if (Object.keys(failures).length > 0) return failWith(s, 'writing the OCFL version', failures);
    const r = results.item as CommitReturn;
    return {
      ...s,
      commit: { version: r.version, unchanged: r.unchanged },
      outcome: { status: 'preserved', version: r.version, objectRoot: r.objectRoot, unchanged: r.unchanged },
    };
  },
};

const release: StageSpec<'release'> = {
  name: 'release',
  runsOn: 'intake',
  label: 'releasing the inbox copy',
  always: true,
  endsPreservation: true,
  fanOut: (s) => [
    {
      key: 'item',
      data: {
        ingestId: s.manifest.ingestId,
        itemId: s.manifest.itemId,
        sourceName: s.manifest.sourceName,
        outcome: s.outcome ?? { status: 'failed', code: ErrorCodes.INTERNAL, reason: 'the pipeline ended without an outcome' },
        ...(s.target ? { target: s.target } : {}),
      },
    },
  ],
  fold(s, results, failures) {
    if (Object.keys(failures).length === 0) {
      const r = results.item as ReleaseReturn | undefined;
      return r?.movedTo ? { ...s, location: r.movedTo } : s;
    }
    // The masters' fate is already decided; a failed release only means the staged copy stayed.
    const { message } = decodeFailure(Object.values(failures)[0]!);
    const outcome = s.outcome ?? { status: 'failed' as const };
    return { ...s, outcome: { ...outcome, reason: `${outcome.reason ? outcome.reason + '; ' : ''}releasing the staged copy failed: ${message}` } };
  },
};

/**
 * After preservation: derivatives for viewers, read from the preservation bucket. Their failure
 * leaves the item preserved and marks its publication failed, to be re-run (yaddas rederive).
 */
const derive: StageSpec<'derive'> = {
  name: 'derive',
  runsOn: 'any',
  label: 'making derivatives (thumbnail, access image, IIIF tiles)',
  fanOut: (s) =>
    s.outcome?.status !== 'preserved' || s.outcome.unchanged
      ? []
      : (() => {
          const files = s.manifest.files.filter((f) => f.role === 'page');
          const byPage = new Map(files.map((f) => [f.page!, f]));
          return viewUnits(files.map((f) => ({ page: f.page!, mime: s.inspected[f.path]!.mime, pages: s.inspected[f.path]!.image?.pages }))).map((u) => {
            const f = byPage.get(u.masterPage)!;
            return {
              key: pageKey(u.view),
              data: { ingestId: s.manifest.ingestId, itemId: s.manifest.itemId, page: u.view, masterPage: u.masterPage, subpage: u.subpage, sha512: s.stored[f.path]!.digests.sha512, mime: s.inspected[f.path]!.mime },
            };
          });
        })(),
  fold(s, results, failures) {
    const derived = results as Record<string, DeriveReturn>;
    if (Object.keys(failures).length > 0) {
      const { message } = decodeFailure(Object.values(failures)[0]!);
      return { ...s, derived, publication: { status: 'failed', reason: `derivatives failed for ${Object.keys(failures).length} page(s): ${message}` } };
    }
    if (s.outcome?.status !== 'preserved') return s;
    if (s.outcome.unchanged) return { ...s, publication: { status: 'skipped', reason: 'identical to the stored version; its access copies stand' } };
    return { ...s, derived };
  },
};

/** item.json and the IIIF manifest, once every page has its derivatives. */
const publish: StageSpec<'publish'> = {
  name: 'publish',
  runsOn: 'any',
  label: 'publishing item.json and the IIIF manifest',
  fanOut: (s) =>
    s.outcome?.status !== 'preserved' || s.publication
      ? []
      : [
          {
            key: 'item',
            data: { ingestId: s.manifest.ingestId, itemId: s.manifest.itemId, manifest: s.manifest, inspected: s.inspected, stored: s.stored, target: s.target!, derived: s.derived ?? {} },
          },
        ],
  fold(s, _results, failures) {
    if (Object.keys(failures).length > 0) {
      const { message } = decodeFailure(Object.values(failures)[0]!);
      return { ...s, publication: { status: 'failed', reason: `publishing failed: ${message}` } };
    }
    if (s.publication || s.outcome?.status !== 'preserved') return s;
    return { ...s, publication: { status: 'published' } };
  },
};

/** The steps of an ingest, in order. */
export const PLAN: readonly StageSpec[] = [inspect, prepare, store, commit, release, derive, publish] as unknown as StageSpec[];

export const STAGES: Record<StageName, StageSpec> = Object.fromEntries(PLAN.map((s) => [s.name, s])) as Record<StageName, StageSpec>;

/** The orchestrating queue: one job per ingest. */
export const INGEST_QUEUE = 'ingest';
export const QUEUE_NAMES = [INGEST_QUEUE, ...PLAN.map((s) => s.name)] as const;

export const childJobId = (stage: StageName, ingestId: string, key: string): string => `${stage}-${ingestId}-${key}`;
export const ingestJobId = (ingestId: string): string => `ingest-${ingestId}`;
