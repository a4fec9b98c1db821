/**
 * OCR of one view: the master is read from the preservation bucket, prepared for OCR (upright,
 * grey, about 300 dpi), read by a pooled engine, and the words mapped back to the master's grid.
 * The result goes back to the ingest; the text step keeps it.
 */
import { ErrorCodes, YaddasError } from '../../domain/errors.js';
import { languageHint } from '../../domain/ocr-languages.js';
import type { OcrPayload, OcrReturn } from '../../pipeline/plan.js';
import type { StageHandler } from '../../pipeline/queues.js';
import type { OcflStore } from '../../storage/ocfl-store.js';
import type { OcrPool } from '../../adapters/ocr-engine.js';
import { prepareOcrImage } from '../../adapters/ocr-image.js';
import { fromTesseract, type TesseractPage } from './ocr.core.js';
import { CONFIDENCE_BUCKETS, type MetricsStore } from '../../metrics/metrics-store.js';

export interface OcrDeps {
  ocfl: OcflStore;
  /** the engines and the languages they can read; made on first use */
  engines: () => Promise<{ pool: OcrPool; languages: ReadonlySet<string>; engine: { name: string; version: string } }>;
  maxPixels: number;
  metrics?: MetricsStore;
}

export function ocrProcessor(deps: OcrDeps): StageHandler<OcrPayload, OcrReturn> {
  return async (data, { log }) => {
    const { pool, languages, engine } = await deps.engines();
    const missing = data.languages.split('+').filter((c) => !languages.has(c));
    if (missing.length > 0) {
      throw new YaddasError(
        ErrorCodes.OCR_LANGUAGE_MISSING,
        `OCR language data missing on this machine: ${missing.map((c) => `${c} (install ${languageHint(c)})`).join('; ')}. The masters are preserved; run \`yaddas reocr ${data.itemId}\` once it is installed.`,
        { permanent: true },
      );
    }
    const inv = await deps.ocfl.readInventory(data.itemId);
    const contentPath = inv?.manifest[data.sha512]?.[0];
    if (!inv || !contentPath) {
      throw new YaddasError(
        ErrorCodes.STAGED_FILE_MISSING,
        `The master of page ${data.page} (SHA-512 ${data.sha512.slice(0, 16)}…) is not in object ${data.itemId}.`,
        { permanent: true },
      );
    }
    const master = await deps.ocfl.store.getBuffer(`${deps.ocfl.rootOf(data.itemId)}/${contentPath}`);
    if (!master)
      throw new YaddasError(ErrorCodes.STORAGE_UNAVAILABLE, `${contentPath} could not be read from the preservation bucket.`, {
        permanent: false,
      });

    const t0 = performance.now();
    let img;
    try {
      img = await prepareOcrImage(master, { subpage: data.subpage, maxPixels: deps.maxPixels });
    } catch (err) {
      throw new YaddasError(
        ErrorCodes.OCR_FAILED,
        `The image of page ${data.page} could not be prepared for OCR: ${(err as Error).message}`,
        { permanent: true, cause: err },
      );
    }
    let result;
    try {
      result = await pool.recognize(img.image, data.languages, { dpi: img.dpi ? img.dpi * (img.ocrWidth / img.width) : null });
    } catch (err) {
      if (err instanceof YaddasError) throw err;
      throw new YaddasError(ErrorCodes.OCR_FAILED, `OCR of page ${data.page} failed: ${(err as Error).message ?? String(err)}`, {
        permanent: false,
        cause: err,
      });
    }
    const page = fromTesseract(result as unknown as TesseractPage, {
      page: data.page,
      source: data.source,
      subpage: data.subpage,
      languages: data.languages,
      width: img.width,
      height: img.height,
      ocrWidth: img.ocrWidth,
      ocrHeight: img.ocrHeight,
    });
    const ms = Math.round(performance.now() - t0);
    log.info(
      { words: page.words, meanConfidence: page.meanConfidence, ms, scale: +(img.ocrWidth / img.width).toFixed(3) },
      `page ${data.page} read: ${page.words} words`,
    );
    if (deps.metrics && page.meanConfidence !== null) {
      await deps.metrics
        .observe('ocr_page_confidence', CONFIDENCE_BUCKETS, { languages: data.languages }, page.meanConfidence)
        .catch(() => undefined);
    }
    return { page, engine, at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), ms };
  };
}
