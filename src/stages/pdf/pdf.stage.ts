/**
 * PDF: the item's searchable PDF, assembled from its access images and, where a page was read,
 * its ALTO: for books and other multi-page items, and for any item with text. One job per ingest.
 */
import { displayTitle } from '../../domain/metadata.js';
import type { DeriveSlice } from '../derive/derive.stage.js';
import type { InspectSlice } from '../inspect/inspect.stage.js';
import type { OcrSlice } from '../ocr/ocr.stage.js';
import type { PrepareSlice } from '../prepare/prepare.stage.js';
import { firstFailure, hasFailures, type IngestCore, jobRef, newlyPreserved, type StageSpec } from '../stage.js';
import type { TextSlice } from '../text/text.stage.js';

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
  /** why none was made (the item is withdrawn) */
  skipped?: string;
}

/** What the PDF step adds to the ingest's state: the searchable PDF, once made. */
export interface PdfSlice {
  pdf?: PdfReturn;
}

type State = IngestCore & InspectSlice & PrepareSlice & DeriveSlice & OcrSlice & TextSlice & PdfSlice;

export const pdfStage: StageSpec<'pdf', PdfPayload, PdfReturn, State> = {
  name: 'pdf',
  runsOn: 'any',
  label: 'assembling the searchable PDF',
  fanOut: (s) => {
    if (!newlyPreserved(s) || s.publication) return [];
    const textPages = new Map((s.text?.pages ?? []).map((p) => [p.page, p]));
    const views = Object.values(s.derived ?? {})
      .filter((d) => d.access && d.width && d.height)
      .sort((a, b) => a.page - b.page);
    // A PDF for books and other multi-page items, and for any item with text: never one page
    // with nothing to search.
    const withWords = [...textPages.values()].filter((p) => p.words > 0).length;
    if (views.length === 0 || (views.length < 2 && withWords === 0)) return [];
    return [
      {
        key: 'item',
        data: {
          ...jobRef(s),
          title: displayTitle(s.manifest.metadata, s.manifest.sourceName),
          languages: s.ocr?.languages ?? null,
          created: s.target?.created ?? s.manifest.takenAt,
          pages: views.map((d) => {
            const f = s.manifest.files.find((x) => x.role === 'page' && x.page === (d.masterPage ?? d.page));
            const image = f ? s.inspected[f.path]?.image : undefined;
            return {
              page: d.page,
              access: d.access ?? '',
              width: d.width ?? 0,
              height: d.height ?? 0,
              dpi: image?.density ?? null,
              alto: textPages.get(d.page)?.alto ?? null,
            };
          }),
        },
      },
    ];
  },
  fold(s, results, failures) {
    if (hasFailures(failures))
      return { ...s, publication: { status: 'failed', reason: `the searchable PDF failed: ${firstFailure(failures)}` } };
    const r = results.item;
    return r && !r.skipped ? { ...s, pdf: r } : s;
  },
};
