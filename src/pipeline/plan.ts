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
import type { OcrPage } from '../stages/ocr/ocr.core.js';
import type { AnnounceFacts } from '../stages/announce/announce.core.js';
import { itemKeys as itemKeysOf } from '../stages/publish/publish.core.js';

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
  /** OCR: the languages, each page's result until the text step has kept them, and what failed */
  ocr?: OcrState;
  /** the searchable PDF, once made */
  pdf?: PdfReturn;
  /** the access copies: published, or why not (preservation does not depend on it) */
  publication?: { status: 'published' | 'failed' | 'skipped'; reason?: string };
}

export interface OcrState {
  languages: string;
  /** where the languages came from: metadata.json's ocrLanguages or language, or the default */
  from: string;
  /** full page results by page key, between the ocr and text steps */
  pages?: Record<string, OcrPage>;
  /** failed pages by page key: "CODE: reason" */
  failed: Record<string, string>;
  /** the engine and when it read the pages */
  engine?: { name: string; version: string };
  at?: string;
  /** what the text step made of them */
  text?: TextReturn;
}

// ---- payloads: one typed map of stage → job data ------------------------------------------------

export interface InspectPayload {
  ingestId: string;
  itemId: string;
  page: number;
  path: string;
}
export type InspectReturn = { path: string; ok: true; result: InspectResult } | { path: string; ok: false; problem: Problem };
export interface PreparePayload {
  ingestId: string;
  itemId: string;
  takenAt: string;
}
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
export interface CommitReturn {
  version: string;
  unchanged: boolean;
  objectRoot: string;
}
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

/** A view to read: the same as derive's, with the master's name and the languages. */
export interface OcrPayload extends DerivePayload {
  /** the master's file name (recorded in ALTO and hOCR) */
  source: string;
  /** Tesseract codes joined with + */
  languages: string;
}
export interface OcrReturn {
  page: OcrPage;
  engine: { name: string; version: string };
  at: string;
  ms: number;
}

/** Keeps the OCR in the preservation bucket (a new OCFL version) and puts it in the access bucket. */
export interface TextPayload {
  ingestId: string;
  itemId: string;
  /** the version whose masters were OCRed: a newer version with other masters makes this moot */
  mastersVersion: string;
  languages: string;
  engine: { name: string; version: string };
  at: string;
  pages: Record<string, OcrPage>;
  failed: Record<string, string>;
}
export interface TextPageSummary {
  page: number;
  languages: string;
  meanConfidence: number | null;
  words: number;
  /** access keys */
  text: string;
  alto: string;
  hocr: string;
}
export interface TextReturn {
  /** the OCFL version that holds the OCR; null when none was written */
  version: string | null;
  /** why no version was written */
  skipped?: string;
  pages: TextPageSummary[];
  /** access key of the full text */
  fullText: string | null;
}

export interface PdfPayload {
  ingestId: string;
  itemId: string;
  title: string;
  languages: string | null;
  created: string;
  pages: Array<{ page: number; access: string; width: number; height: number; dpi: number | null; alto: string | null }>;
}
export interface PdfReturn {
  key: string;
  pages: number;
  bytes: number;
  /** pages with a text layer */
  withText: number;
}

/** What commit had, the pages' derivatives, and the OCR and PDF when there are. */
export interface PublishPayload extends CommitPayload {
  derived: Record<string, DeriveReturn>;
  ocr?: { languages: string; failed: Record<string, string>; text?: TextReturn } | undefined;
  pdf?: PdfReturn | undefined;
}
export interface PublishReturn {
  item: string;
  manifest: string;
  removed: number;
  superseded?: string;
}
export type AnnouncePayload = AnnounceFacts;
export interface AnnounceReturn {
  eventId: string;
  added: boolean;
}

export interface StagePayloads {
  inspect: InspectPayload;
  prepare: PreparePayload;
  store: StorePayload;
  commit: CommitPayload;
  release: ReleasePayload;
  derive: DerivePayload;
  ocr: OcrPayload;
  text: TextPayload;
  pdf: PdfPayload;
  publish: PublishPayload;
  announce: AnnouncePayload;
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
      const reason =
        problems.length === 1
          ? `${problems[0]!.file ?? 'item'}: ${problems[0]!.message}`
          : `${problems.length} problems, first: ${problems[0]!.file ?? 'item'}: ${problems[0]!.message}`;
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
      data: {
        ingestId: s.manifest.ingestId,
        itemId: s.manifest.itemId,
        manifest: s.manifest,
        inspected: s.inspected,
        stored: s.stored,
        target: s.target!,
      },
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
    return {
      ...s,
      outcome: { ...outcome, reason: `${outcome.reason ? outcome.reason + '; ' : ''}releasing the staged copy failed: ${message}` },
    };
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
          return viewUnits(
            files.map((f) => ({ page: f.page!, mime: s.inspected[f.path]!.mime, pages: s.inspected[f.path]!.image?.pages })),
          ).map((u) => {
            const f = byPage.get(u.masterPage)!;
            return {
              key: pageKey(u.view),
              data: {
                ingestId: s.manifest.ingestId,
                itemId: s.manifest.itemId,
                page: u.view,
                masterPage: u.masterPage,
                subpage: u.subpage,
                sha512: s.stored[f.path]!.digests.sha512,
                mime: s.inspected[f.path]!.mime,
              },
            };
          });
        })(),
  fold(s, results, failures) {
    const derived = results as Record<string, DeriveReturn>;
    if (Object.keys(failures).length > 0) {
      const { message } = decodeFailure(Object.values(failures)[0]!);
      return {
        ...s,
        derived,
        publication: { status: 'failed', reason: `derivatives failed for ${Object.keys(failures).length} page(s): ${message}` },
      };
    }
    if (s.outcome?.status !== 'preserved') return s;
    if (s.outcome.unchanged)
      return { ...s, publication: { status: 'skipped', reason: 'identical to the stored version; its access copies stand' } };
    return { ...s, derived };
  },
};

/** The item's image views (one per page of a multi-page TIFF), with their masters. */
function imageViews(s: IngestState) {
  const files = s.manifest.files.filter((f) => f.role === 'page');
  const byPage = new Map(files.map((f) => [f.page!, f]));
  return viewUnits(files.map((f) => ({ page: f.page!, mime: s.inspected[f.path]!.mime, pages: s.inspected[f.path]!.image?.pages })))
    .map((u) => ({ u, f: byPage.get(u.masterPage)! }))
    .filter(({ f }) => s.inspected[f.path]!.mime.startsWith('image/'));
}

/** Whether the OCR steps have work: a newly preserved version whose intake asked for OCR. */
const wantsOcr = (s: IngestState) => s.outcome?.status === 'preserved' && !s.outcome.unchanged && s.manifest.ocr?.run === true;

/**
 * OCR of each image view, in its own queue with a pool of engines. A page whose OCR fails is
 * recorded and leaves the item preserved and published; `yaddas reocr` runs it again.
 */
const ocr: StageSpec<'ocr'> = {
  name: 'ocr',
  runsOn: 'any',
  label: 'reading the text (OCR)',
  fanOut: (s) => {
    if (!wantsOcr(s) || s.manifest.ocr?.run !== true) return [];
    const languages = s.manifest.ocr.languages;
    return imageViews(s).map(({ u, f }) => ({
      key: pageKey(u.view),
      data: {
        ingestId: s.manifest.ingestId,
        itemId: s.manifest.itemId,
        page: u.view,
        masterPage: u.masterPage,
        subpage: u.subpage,
        sha512: s.stored[f.path]!.digests.sha512,
        mime: s.inspected[f.path]!.mime,
        source: f.path.split('/').pop()!,
        languages,
      },
    }));
  },
  fold(s, results, failures) {
    if (!wantsOcr(s) || s.manifest.ocr?.run !== true) return s;
    const pages: Record<string, OcrPage> = {};
    let engine: OcrReturn['engine'] | undefined;
    let at = '';
    for (const [key, r] of Object.entries(results as Record<string, OcrReturn>)) {
      pages[key] = r.page;
      engine ??= r.engine;
      if (r.at > at) at = r.at;
    }
    return {
      ...s,
      ocr: { languages: s.manifest.ocr.languages, from: s.manifest.ocr.from, pages, failed: failures, ...(engine ? { engine, at } : {}) },
    };
  },
};

/** OCR kept: a new OCFL version with text, ALTO and hOCR per page, and the same in the access bucket. */
const text: StageSpec<'text'> = {
  name: 'text',
  runsOn: 'any',
  label: 'keeping the text (new OCFL version) and publishing it',
  fanOut: (s) => {
    const o = s.ocr;
    if (!o?.pages || Object.keys(o.pages).length === 0 || !o.engine) return [];
    return [
      {
        key: 'item',
        data: {
          ingestId: s.manifest.ingestId,
          itemId: s.manifest.itemId,
          mastersVersion: s.outcome!.version!,
          languages: o.languages,
          engine: o.engine,
          at: o.at!,
          pages: o.pages,
          failed: o.failed,
        },
      },
    ];
  },
  fold(s, results, failures) {
    if (!s.ocr) return s;
    // The page results are kept now (or failed to be): drop them from the ingest's state.
    const { pages: _pages, ...rest } = s.ocr;
    if (Object.keys(failures).length > 0) {
      const { code, message } = decodeFailure(Object.values(failures)[0]!);
      const failed = Object.fromEntries(Object.keys(s.ocr.pages ?? {}).map((k) => [k, `${code}: keeping the OCR failed: ${message}`]));
      return { ...s, ocr: { ...rest, failed: { ...rest.failed, ...failed } } };
    }
    const r = results.item as TextReturn | undefined;
    return { ...s, ocr: { ...rest, ...(r ? { text: r } : {}) } };
  },
};

/** The searchable PDF: page images at access resolution with an invisible text layer. */
const pdf: StageSpec<'pdf'> = {
  name: 'pdf',
  runsOn: 'any',
  label: 'assembling the searchable PDF',
  fanOut: (s) => {
    if (s.outcome?.status !== 'preserved' || s.outcome.unchanged || s.publication) return [];
    const textPages = new Map((s.ocr?.text?.pages ?? []).map((p) => [p.page, p]));
    const views = Object.values(s.derived ?? {})
      .filter((d) => d.access && d.width && d.height)
      .sort((a, b) => a.page - b.page);
    // A PDF for books and other multi-page items, and for any item with text.
    if (views.length === 0 || (views.length < 2 && textPages.size === 0)) return [];
    const md = s.manifest.metadata;
    const title =
      typeof md?.title === 'string' ? md.title : md?.title ? (Object.values(md.title)[0] ?? s.manifest.sourceName) : s.manifest.sourceName;
    return [
      {
        key: 'item',
        data: {
          ingestId: s.manifest.ingestId,
          itemId: s.manifest.itemId,
          title,
          languages: s.ocr?.languages ?? null,
          created: s.target?.created ?? s.manifest.takenAt,
          pages: views.map((d) => {
            const f = s.manifest.files.find((x) => x.role === 'page' && x.page === (d.masterPage ?? d.page));
            const image = f ? s.inspected[f.path]?.image : undefined;
            return {
              page: d.page,
              access: d.access!,
              width: d.width!,
              height: d.height!,
              dpi: image?.density ?? null,
              alto: textPages.get(d.page)?.alto ?? null,
            };
          }),
        },
      },
    ];
  },
  fold(s, results, failures) {
    if (Object.keys(failures).length > 0) {
      const { message } = decodeFailure(Object.values(failures)[0]!);
      return { ...s, publication: { status: 'failed', reason: `the searchable PDF failed: ${message}` } };
    }
    const r = results.item as PdfReturn | undefined;
    return r ? { ...s, pdf: r } : s;
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
            data: {
              ingestId: s.manifest.ingestId,
              itemId: s.manifest.itemId,
              manifest: s.manifest,
              inspected: s.inspected,
              stored: s.stored,
              target: s.target!,
              derived: s.derived ?? {},
              ...(s.ocr ? { ocr: { languages: s.ocr.languages, failed: s.ocr.failed, ...(s.ocr.text ? { text: s.ocr.text } : {}) } } : {}),
              ...(s.pdf ? { pdf: s.pdf } : {}),
            },
          },
        ],
  fold(s, results, failures) {
    if (Object.keys(failures).length > 0) {
      const { message } = decodeFailure(Object.values(failures)[0]!);
      return { ...s, publication: { status: 'failed', reason: `publishing failed: ${message}` } };
    }
    const superseded = (results.item as PublishReturn | undefined)?.superseded;
    if (superseded) return { ...s, publication: { status: 'skipped', reason: superseded } };
    if (s.publication || s.outcome?.status !== 'preserved') return s;
    return { ...s, publication: { status: 'published' } };
  },
};

/**
 * Downstream systems learn of the version only now: stored and verified, then published. Not for
 * an unchanged re-scan (nothing new) nor when publishing failed (the access copies are not there).
 */
const announce: StageSpec<'announce'> = {
  name: 'announce',
  runsOn: 'any',
  label: 'announcing the published version (event stream, webhooks)',
  fanOut: (s) => {
    if (s.outcome?.status !== 'preserved' || s.publication?.status !== 'published') return [];
    const keys = itemKeysOf(s.manifest.itemId);
    const hasManifest = Object.values(s.derived ?? {}).some((d) => d.iiif);
    const masters = s.manifest.files
      .filter((f) => f.role === 'page')
      .map((f) => ({
        page: f.page!,
        name: f.path.split('/').pop()!,
        logicalPath: s.stored[f.path]!.logicalPath,
        size: s.stored[f.path]!.size,
        digests: s.stored[f.path]!.digests,
      }));
    const o = s.ocr;
    const version = o?.text?.version ?? s.outcome.version!;
    return [
      {
        key: 'item',
        data: {
          ingestId: s.manifest.ingestId,
          itemId: s.manifest.itemId,
          objectId: s.target!.objectId,
          objectRoot: s.target!.objectRoot,
          version,
          masters,
          keys: {
            item: keys.item,
            manifest: hasManifest ? keys.manifest : null,
            pdf: s.pdf ? s.pdf.key : null,
            text: o?.text?.pages.length ? o.text.fullText : null,
          },
          ocr: s.manifest.ocr?.run
            ? {
                status: o?.text?.version ? (Object.keys(o.failed).length ? 'partial' : 'done') : 'failed',
                languages: s.manifest.ocr.languages,
                version: o?.text?.version ?? null,
              }
            : null,
        },
      },
    ];
  },
  // Announcing changes nothing in the item's state; a failure is in the job's record and logs.
  fold: (s) => s,
};

/**
 * The steps of an ingest, in order. The stages of one step run at the same time: derivatives and
 * OCR both read only the preserved masters, and together they keep every core busy (libvips
 * works a page with one or two threads, each OCR engine with one).
 */
export const STEPS: readonly (readonly StageSpec[])[] = [
  [inspect],
  [prepare],
  [store],
  [commit],
  [release],
  [derive, ocr],
  [text],
  [pdf],
  [publish],
  [announce],
] as unknown as StageSpec[][];

/** Every stage, in plan order. */
export const PLAN: readonly StageSpec[] = STEPS.flat();

export const STAGES: Record<StageName, StageSpec> = Object.fromEntries(PLAN.map((s) => [s.name, s])) as Record<StageName, StageSpec>;

/** The orchestrating queue: one job per ingest. */
export const INGEST_QUEUE = 'ingest';
/** Webhook deliveries: not a step of an ingest, but a queue with a worker of its own. */
export const NOTIFY_QUEUE = 'notify';
export const QUEUE_NAMES = [INGEST_QUEUE, ...PLAN.map((s) => s.name), NOTIFY_QUEUE] as const;

export const childJobId = (stage: StageName, ingestId: string, key: string): string => `${stage}-${ingestId}-${key}`;
export const ingestJobId = (ingestId: string): string => `ingest-${ingestId}`;
