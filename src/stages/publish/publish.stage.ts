/**
 * Publish: item.json and the IIIF manifest in the access bucket, once every view has its
 * derivatives (and the OCR and PDF theirs), then the item's place in exhibitions and collections.
 * Stale access copies of views the item no longer has go. One job per ingest.
 */
import type { CommitPayload } from '../commit/commit.stage.js';
import type { DeriveReturn, DeriveSlice } from '../derive/derive.stage.js';
import type { InspectSlice } from '../inspect/inspect.stage.js';
import type { OcrSlice } from '../ocr/ocr.stage.js';
import type { PdfReturn, PdfSlice } from '../pdf/pdf.stage.js';
import type { PrepareSlice } from '../prepare/prepare.stage.js';
import { firstFailure, hasFailures, type IngestCore, jobRef, type StageSpec } from '../stage.js';
import type { StoreSlice } from '../store/store.stage.js';
import type { TextReturn, TextSlice } from '../text/text.stage.js';

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
  /** set when a newer version with other masters owns the access copies: nothing was written */
  superseded?: string;
}

type State = IngestCore & InspectSlice & PrepareSlice & StoreSlice & DeriveSlice & OcrSlice & TextSlice & PdfSlice;

export const publishStage: StageSpec<'publish', PublishPayload, PublishReturn, State> = {
  name: 'publish',
  runsOn: 'any',
  label: 'publishing item.json and the IIIF manifest',
  fanOut: (s) => {
    if (s.outcome?.status !== 'preserved' || s.publication || !s.target) return [];
    const o = s.ocr;
    return [
      {
        key: 'item',
        data: {
          ...jobRef(s),
          manifest: s.manifest,
          inspected: s.inspected,
          stored: s.stored,
          target: s.target,
          derived: s.derived ?? {},
          ...(o ? { ocr: { languages: o.languages, failed: o.failed, ...(s.text ? { text: s.text } : {}) } } : {}),
          ...(s.pdf ? { pdf: s.pdf } : {}),
        },
      },
    ];
  },
  fold(s, results, failures) {
    if (hasFailures(failures)) return { ...s, publication: { status: 'failed', reason: `publishing failed: ${firstFailure(failures)}` } };
    const superseded = results.item?.superseded;
    if (superseded) return { ...s, publication: { status: 'skipped', reason: superseded } };
    if (s.publication || s.outcome?.status !== 'preserved') return s;
    return { ...s, publication: { status: 'published' } };
  },
};
