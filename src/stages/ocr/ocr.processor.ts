/**
 * OCR of one view: the master is read from the preservation bucket, prepared for OCR (upright,
 * grey, about 300 dpi), read by a pooled engine, and the words mapped back to the master's grid.
 * The result goes back to the ingest; the text step keeps it.
 */
import type { OcrEngines } from '../../adapters/ocr-engine.js';
import { prepareOcrImage } from '../../adapters/ocr-image.js';
import { CONFIDENCE_BUCKETS, type MetricsStore } from '../../adapters/redis/metrics-store.js';
import { ErrorCodes, YaddasError } from '../../domain/errors.js';
import { languageHint } from '../../domain/ocr-languages.js';
import { isoSeconds } from '../../domain/time.js';
import type { OcflStore } from '../../storage/ocfl-store.js';
import { type HandlerFactory, masterNotInObject, type StageHandler } from '../stage.js';
import { fromTesseract, type TesseractPage } from './ocr.core.js';
import type { OcrPayload, OcrReturn } from './ocr.stage.js';

export interface OcrDeps {
  ocfl: OcflStore;
  /** the engines and the languages they can read; made on first use */
  engines: () => Promise<OcrEngines>;
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
    const stored = await deps.ocfl.content(data.itemId, data.sha512);
    if (!stored) throw masterNotInObject(data);
    const master = await stored.read();

    const t0 = performance.now();
    let img: Awaited<ReturnType<typeof prepareOcrImage>>;
    try {
      img = await prepareOcrImage(master, { subpage: data.subpage, maxPixels: deps.maxPixels });
    } catch (err) {
      throw new YaddasError(
        ErrorCodes.OCR_FAILED,
        `The image of page ${data.page} could not be prepared for OCR: ${(err as Error).message}`,
        { permanent: true, cause: err },
      );
    }
    let result: Awaited<ReturnType<typeof pool.recognize>>;
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
    return { page, engine, at: isoSeconds(), ms };
  };
}

export const ocrHandler: HandlerFactory<OcrPayload, OcrReturn> = ({ config, preservation, ocr, metrics }) =>
  ocrProcessor({ ocfl: preservation, engines: ocr, maxPixels: config.intake.maxPixels, metrics });
