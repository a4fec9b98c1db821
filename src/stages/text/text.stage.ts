/**
 * Text: the OCR kept. A new OCFL version with text, ALTO and hOCR of every page read and the full
 * text (the masters carried forward by reference), then the same files in the access bucket. One
 * job per ingest, after the OCR step; the page results leave the ingest's state once kept.
 */
import type { OcrSlice } from '../ocr/ocr.stage.js';
import type { DeriveSlice } from '../derive/derive.stage.js';
import type { OcrPage, PageDetected } from '../../domain/ocr-page.js';
import { decodeFailure } from '../../domain/errors.js';
import { hasFailures, type IngestCore, jobRef, type StageSpec } from '../stage.js';

/** Keeps the OCR in the preservation bucket (a new OCFL version) and puts it in the access bucket. */
export interface TextPayload {
  ingestId: string;
  itemId: string;
  /** the version whose masters were OCRed: a newer version with other masters makes this moot */
  mastersVersion: string;
  languages: string;
  engine: { name: string; version: string /** where each language's data came from */; data?: Record<string, string> };
  at: string;
  pages: Record<string, OcrPage>;
  failed: Record<string, string>;
  /** the access copies made from the same masters (recorded as a derivation event in this version) */
  derivation?: { views: number; failed: number; at: string };
}

export interface TextPageSummary {
  page: number;
  /** the languages the page was read in */
  languages: string;
  /** its script and orientation detection, and what came of it */
  detected?: PageDetected;
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

/** What the text step adds to the ingest's state: where the OCR was kept. */
export interface TextSlice {
  text?: TextReturn;
}

/** What derive made of the same masters, for the OCR version's record. */
function derivationOf(s: DeriveSlice): { derivation?: NonNullable<TextPayload['derivation']> } {
  const made = Object.values(s.derived ?? {}).filter((d) => d.at && !d.skipped && !d.reused);
  if (made.length === 0) return {};
  const at = made
    .map((d) => d.at!)
    .sort()
    .at(-1)!;
  // (views skipped by design, such as a PDF master's, are neither made nor failed)
  return { derivation: { views: made.length, failed: s.deriveFailed ?? 0, at } };
}

export const textStage: StageSpec<'text', TextPayload, TextReturn, IngestCore & OcrSlice & TextSlice & DeriveSlice> = {
  name: 'text',
  runsOn: 'any',
  label: 'keeping the text (new OCFL version) and publishing it',
  fanOut: (s) => {
    const o = s.ocr;
    const mastersVersion = s.outcome?.version;
    if (!o?.pages || Object.keys(o.pages).length === 0 || !o.engine || !o.at || !mastersVersion) return [];
    return [
      {
        key: 'item',
        data: {
          ...jobRef(s),
          mastersVersion,
          languages: o.languages,
          engine: o.engine,
          at: o.at,
          pages: o.pages,
          failed: o.failed,
          ...derivationOf(s),
        },
      },
    ];
  },
  fold(s, results, failures) {
    if (!s.ocr) return s;
    // The page results are kept now (or failed to be): drop them from the ingest's state.
    const { pages, ...rest } = s.ocr;
    if (hasFailures(failures)) {
      const { code, message } = decodeFailure(Object.values(failures)[0] ?? '');
      const failed = Object.fromEntries(Object.keys(pages ?? {}).map((k) => [k, `${code}: keeping the OCR failed: ${message}`]));
      return { ...s, ocr: { ...rest, failed: { ...rest.failed, ...failed } } };
    }
    const r = results.item;
    return { ...s, ocr: rest, ...(r ? { text: r } : {}) };
  },
};
