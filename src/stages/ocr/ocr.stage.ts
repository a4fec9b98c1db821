/**
 * OCR: each image view of a newly preserved version read in the languages intake chose, in its
 * own queue with a pool of engines, one job per view. Runs in the same step as derive (both read
 * only the preserved masters, and together they keep every core busy). A page whose OCR fails is
 * recorded and leaves the item preserved and published; `yaddas reocr` runs it again.
 */
import { pageKey } from '../../domain/ids.js';
import { type DerivePayload, itemViews, type TurnSlice, viewPayload } from '../derive/derive.stage.js';
import type { InspectSlice } from '../inspect/inspect.stage.js';
import { type IngestCore, newlyPreserved, type StageSpec } from '../stage.js';
import type { StoreSlice } from '../store/store.stage.js';
import type { OcrPage } from '../../domain/ocr-page.js';

/** A view to read: the same as derive's, with the master's name and the languages. */
export interface OcrPayload extends DerivePayload {
  /** the master's file name (recorded in ALTO and hOCR) */
  source: string;
  /** Tesseract codes joined with + */
  languages: string;
}

export interface OcrReturn {
  page: OcrPage;
  engine: { name: string; version: string /** where each language's data came from */; data?: Record<string, string> };
  at: string;
  ms: number;
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
}

/** What OCR adds to the ingest's state: the languages, each page read, and what failed. */
export interface OcrSlice extends TurnSlice {
  ocr?: OcrState;
}

type State = IngestCore & InspectSlice & StoreSlice & OcrSlice;

/** The languages to read in, when a newly preserved version asked for OCR. */
const wanted = (s: IngestCore): { languages: string; from: string } | null => {
  const c = s.manifest.ocr;
  return newlyPreserved(s) && c?.run === true ? { languages: c.languages, from: c.from } : null;
};

export const ocrStage: StageSpec<'ocr', OcrPayload, OcrReturn, State> = {
  name: 'ocr',
  runsOn: 'any',
  label: 'reading the text (OCR)',
  fanOut: (s) => {
    const w = wanted(s);
    if (!w) return [];
    return itemViews(s)
      .filter((v) => v.mime.startsWith('image/'))
      .map((v) => ({
        key: pageKey(v.view),
        data: {
          ...viewPayload(s, v),
          source: v.file.path.split('/').pop() ?? v.file.path,
          languages: w.languages,
        },
      }));
  },
  fold(s, results, failures) {
    const w = wanted(s);
    if (!w) return s;
    const pages: Record<string, OcrPage> = {};
    let engine: OcrReturn['engine'] | undefined;
    let at = '';
    // A page whose reading failed this time keeps the turn an earlier one found (its derivatives stay upright).
    const turns: Record<string, 0 | 90 | 180 | 270> = Object.fromEntries(
      Object.entries(s.turns ?? {}).filter(([key]) => failures[key] !== undefined),
    );
    for (const [key, r] of Object.entries(results)) {
      pages[key] = r.page;
      if (r.page.detected?.turned) turns[key] = r.page.detected.turned;
      engine ??= r.engine;
      if (r.at > at) at = r.at;
    }
    return {
      ...s,
      ocr: {
        languages: w.languages,
        from: w.from,
        pages,
        failed: { ...failures },
        ...(engine ? { engine, at } : {}),
      },
      turns,
    };
  },
};
