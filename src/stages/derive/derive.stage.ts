/**
 * Derive: for every view of a newly preserved version, the thumbnail, access image and IIIF
 * level-0 image, made from the preserved master (never the intake machine's disk) and put in the
 * access bucket, one job per view. A failure leaves the item preserved and its publication failed.
 */
import { pageKey } from '../../domain/ids.js';
import type { IngestFile } from '../../domain/item.js';
import type { InspectSlice } from '../inspect/inspect.stage.js';
import { firstFailure, hasFailures, type IngestCore, jobRef, newlyPreserved, type StageSpec } from '../stage.js';
import type { StoreSlice } from '../store/store.stage.js';
import { type ViewUnit, viewUnits } from './derive.core.js';

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
  /** degrees clockwise the view is shown turned: OCR found it scanned sideways or upside down (the master stays as scanned) */
  turn?: 0 | 90 | 180 | 270;
  /** the derivatives published from this master, turned the same, may stand (a re-run that changes no pixels) */
  reuse?: true;
}

export interface DeriveReturn {
  page: number;
  masterPage?: number;
  subpage?: number;
  skipped?: string;
  /** degrees clockwise the view was turned (see DerivePayload) */
  turn?: 0 | 90 | 180 | 270;
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
  /** when its derivatives were published (ISO 8601, UTC) */
  at?: string;
  /** the derivatives already published stood; nothing was made */
  reused?: true;
}

/** What derive adds to the ingest's state: each view's derivatives, by view key ("0001"). */
export interface DeriveSlice {
  derived?: Record<string, DeriveReturn>;
  /** views whose derivatives failed after their retries (they are not among `derived`) */
  deriveFailed?: number;
}

/**
 * The item's views in order (one per master, one per page inside a multi-page TIFF), each with
 * its master file and what inspect and store found of it.
 */
export function itemViews(s: IngestCore & InspectSlice & StoreSlice): Array<ViewUnit & { file: IngestFile; mime: string; sha512: string }> {
  const files = s.manifest.files.filter((f) => f.role === 'page' && f.page !== undefined && s.inspected[f.path] && s.stored[f.path]);
  const byPage = new Map(files.map((f) => [f.page, f]));
  return viewUnits(
    files.map((f) => ({ page: f.page ?? 0, mime: s.inspected[f.path]?.mime ?? '', pages: s.inspected[f.path]?.image?.pages })),
  ).flatMap((u) => {
    const file = byPage.get(u.masterPage);
    const mime = file ? s.inspected[file.path]?.mime : undefined;
    const sha512 = file ? s.stored[file.path]?.digests.sha512 : undefined;
    return file && mime && sha512 ? [{ ...u, file, mime, sha512 }] : [];
  });
}

/**
 * Views found scanned sideways or upside down, by page key: degrees clockwise they are turned to
 * be upright. The OCR step, which runs before derive, finds them; rederive reads them from the
 * record's OCR pages.
 */
export interface TurnSlice {
  turns?: Record<string, 0 | 90 | 180 | 270>;
  /**
   * Set when a re-run may keep the derivatives already published (`yaddas reocr`): the turns
   * they show, by page key. A view whose turn is unchanged keeps them; one OCR now finds turned
   * otherwise is made again.
   */
  shown?: Record<string, 0 | 90 | 180 | 270>;
  /**
   * The pages the OCR step read in this ingest, by page key (OcrSlice's, seen from here): its job
   * made their derivatives too, once it knew the turn (derived.json says whether it did), so
   * derive takes those rather than make them again.
   */
  ocr?: { pages?: Record<string, unknown> };
}

const jobKey = (view: string, turn: number | undefined) => (turn ? `${view}-t${turn}` : view);

/** How OCR found a view turned. */
const turnOf = (s: TurnSlice, key: string): { turn?: 0 | 90 | 180 | 270; reuse?: true } => {
  const t = s.turns?.[key];
  const reuse = (s.shown !== undefined && (s.shown[key] ?? 0) === (t ?? 0)) || s.ocr?.pages?.[key] !== undefined;
  return { ...(t ? { turn: t } : {}), ...(reuse ? { reuse: true as const } : {}) };
};

/** A view as the jobs that work on it name it (derive's, and OCR's with more). */
export const viewPayload = (s: IngestCore, v: ReturnType<typeof itemViews>[number]): DerivePayload => ({
  ...jobRef(s),
  page: v.view,
  masterPage: v.masterPage,
  subpage: v.subpage,
  sha512: v.sha512,
  mime: v.mime,
});

export const deriveStage: StageSpec<
  'derive',
  DerivePayload,
  DeriveReturn,
  IngestCore & InspectSlice & StoreSlice & DeriveSlice & TurnSlice
> = {
  name: 'derive',
  runsOn: 'any',
  label: 'making derivatives (thumbnail, access image, IIIF tiles)',
  fanOut: (s) =>
    newlyPreserved(s)
      ? itemViews(s).map((v) => ({
          // A turned view's job has an id of its own: derivatives an earlier job of the same
          // ingest made unturned (a flow queued before OCR ran ahead of derive) are not taken for it.
          key: jobKey(pageKey(v.view), s.turns?.[pageKey(v.view)]),
          data: { ...viewPayload(s, v), ...turnOf(s, pageKey(v.view)) },
        }))
      : [],
  fold(s, results, failures) {
    // One result per view: the job of the turn OCR found, when an earlier job made another.
    const derived: Record<string, DeriveReturn> = {};
    for (const [key, r] of Object.entries(results)) {
      const view = key.replace(/-t\d+$/, '');
      if (key === jobKey(view, s.turns?.[view]) || !derived[view]) derived[view] = r;
    }
    if (hasFailures(failures)) {
      const reason = `derivatives failed for ${Object.keys(failures).length} page(s): ${firstFailure(failures)}`;
      return { ...s, derived, deriveFailed: Object.keys(failures).length, publication: { status: 'failed', reason } };
    }
    if (s.outcome?.status !== 'preserved') return s;
    if (s.outcome.unchanged)
      return { ...s, publication: { status: 'skipped', reason: 'identical to the stored version; its access copies stand' } };
    return { ...s, derived };
  },
};
