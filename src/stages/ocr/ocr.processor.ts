/**
 * OCR of one view: the master is read from the preservation bucket, prepared for OCR (upright,
 * grey, about 300 dpi), read by a pooled engine, and the words mapped back to the master's grid.
 * The result goes back to the ingest; the text step keeps it.
 */
import type { OcrEngines } from '../../adapters/ocr-engine.js';
import { type OcrImage, prepareOcrImage, turnOcrImage } from '../../adapters/ocr-image.js';
import { CONFIDENCE_BUCKETS, type MetricsStore } from '../../adapters/redis/metrics-store.js';
import { ErrorCodes, YaddasError } from '../../domain/errors.js';
import {
  type DetectionThresholds,
  identifyLanguage,
  languageHint,
  type PageReading,
  pageReading,
  type ScriptDetection,
} from '../../domain/ocr-languages.js';
import type { OcrPage, PageDetected } from '../../domain/ocr-page.js';
import { isoSeconds } from '../../domain/time.js';
import type { OcflStore } from '../../storage/ocfl-store.js';
import { type HandlerFactory, masterNotInObject, type StageHandler } from '../stage.js';
import { fromTesseract, pageText, type TesseractPage } from './ocr.core.js';
import type { OcrPayload, OcrReturn } from './ocr.stage.js';

export interface OcrDeps {
  ocfl: OcflStore;
  /** the engines and the languages they can read; made on first use */
  engines: () => Promise<OcrEngines>;
  maxPixels: number;
  metrics?: MetricsStore;
  /** whether to detect each page's script and orientation, and how sure to be before acting on it */
  detect: DetectionThresholds & { enabled: boolean };
  /** a page read in its script's languages below this mean confidence is read again in all */
  rereadBelowConfidence: number;
  pageTimeoutMs: number;
}

/** What detection found and what came of it, as the page's record keeps it. */
function detectedOf(found: ScriptDetection | null, r: PageReading, reread: PageDetected['reread'], language: string | null): PageDetected {
  return {
    script: found?.script ?? null,
    ...(language ? { language } : {}),
    scriptConfidence: found?.scriptConfidence ?? null,
    orientation: found?.orientation ?? null,
    orientationConfidence: found?.orientationConfidence ?? null,
    turned: r.turn,
    languagesFrom: r.languagesFrom,
    ...(r.why ? { why: r.why } : {}),
    ...(reread ? { reread } : {}),
  };
}

export function ocrProcessor(deps: OcrDeps): StageHandler<OcrPayload, OcrReturn> {
  return async (data, { log }) => {
    const { pool, osd, languages, engine } = await deps.engines();
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
    let prepared: OcrImage;
    try {
      prepared = await prepareOcrImage(master, { subpage: data.subpage, maxPixels: deps.maxPixels });
    } catch (err) {
      throw new YaddasError(
        ErrorCodes.OCR_FAILED,
        `The image of page ${data.page} could not be prepared for OCR: ${(err as Error).message}`,
        { permanent: true, cause: err },
      );
    }
    const dpiOf = (img: OcrImage) => (img.dpi ? img.dpi * (img.ocrWidth / img.width) : null);
    const timeoutMs = deps.pageTimeoutMs;

    // Which script, which way up: then the page's languages and its turn.
    let reading: PageReading;
    let found: ScriptDetection | null = null;
    if (!deps.detect.enabled || !osd) {
      reading = {
        languages: data.languages,
        turn: 0,
        languagesFrom: 'all',
        why: deps.detect.enabled ? 'script detection data (osd.traineddata) is not installed' : 'script detection is switched off',
      };
    } else {
      try {
        found = await osd.detect(prepared.image, { dpi: dpiOf(prepared), timeoutMs });
        reading = pageReading(data.languages, found, deps.detect);
      } catch (err) {
        // Detection is an aid: without it the page is read as before, in every language.
        log.warn({ err: { message: (err as Error).message } }, 'script and orientation detection failed; reading in every language');
        reading = { languages: data.languages, turn: 0, languagesFrom: 'all', why: `script detection failed: ${(err as Error).message}` };
      }
    }
    let img = await turnOcrImage(prepared, reading.turn);
    const read = async (languages: string, image: OcrImage = img): Promise<OcrPage> => {
      let result: Awaited<ReturnType<typeof pool.recognize>>;
      try {
        result = await pool.recognize(image.image, languages, { dpi: dpiOf(image), timeoutMs });
      } catch (err) {
        if (err instanceof YaddasError) throw err;
        throw new YaddasError(ErrorCodes.OCR_FAILED, `OCR of page ${data.page} failed: ${(err as Error).message ?? String(err)}`, {
          permanent: false,
          cause: err,
        });
      }
      return fromTesseract(result as unknown as TesseractPage, {
        page: data.page,
        source: data.source,
        subpage: data.subpage,
        width: image.width,
        height: image.height,
        ocrWidth: image.ocrWidth,
        ocrHeight: image.ocrHeight,
        languages,
      });
    };
    const poor = (p: OcrPage) => deps.rereadBelowConfidence > 0 && p.words > 0 && (p.meanConfidence ?? 0) < deps.rereadBelowConfidence;
    let page = await read(reading.languages);
    if (found && found.orientation !== 0 && reading.turn === 0 && poor(page)) {
      // Detection thought the page turned but was not sure enough to act, and it reads poorly as
      // it is: read it turned too, and keep the better reading.
      const turned = await turnOcrImage(prepared, found.orientation);
      const again = await read(reading.languages, turned);
      if ((again.meanConfidence ?? 0) > (page.meanConfidence ?? 0)) {
        page = again;
        img = turned;
        reading = { ...reading, turn: found.orientation };
      }
    }
    // Its own language first: Tesseract reads each word in the first language it is given.
    const used = reading.languages.split('+');
    const language = used.length > 1 ? identifyLanguage(pageText(page), used) : null;
    if (language && language !== used[0]) {
      const order = [language, ...used.filter((c) => c !== language)].join('+');
      const again = await read(order);
      if ((again.meanConfidence ?? 0) >= (page.meanConfidence ?? 0)) {
        page = again;
        reading = { ...reading, languages: order };
      }
    }
    let reread: PageDetected['reread'];
    if (reading.languagesFrom === 'script' && poor(page)) {
      // Read poorly in its script's languages: perhaps it mixes scripts. The better reading stays.
      const again = await read(data.languages);
      reread = { languages: page.languages, meanConfidence: page.meanConfidence };
      if ((again.meanConfidence ?? 0) > (page.meanConfidence ?? 0)) {
        page = again;
        reading = {
          ...reading,
          languages: data.languages,
          languagesFrom: 'all',
          why: `read poorly in ${reread.languages} (mean confidence ${reread.meanConfidence}), better in every language (${again.meanConfidence})`,
        };
      }
    }
    page = { ...page, detected: detectedOf(found, reading, reread, language) };
    const ms = Math.round(performance.now() - t0);
    log.info(
      {
        words: page.words,
        meanConfidence: page.meanConfidence,
        ms,
        scale: +(img.ocrWidth / img.width).toFixed(3),
        languages: page.languages,
        script: found?.script ?? null,
        turned: reading.turn,
      },
      `page ${data.page} read: ${page.words} words`,
    );
    if (deps.metrics && page.meanConfidence !== null) {
      await deps.metrics
        .observe('ocr_page_confidence', CONFIDENCE_BUCKETS, { languages: page.languages }, page.meanConfidence)
        .catch(() => undefined);
    }
    return { page, engine, at: isoSeconds(), ms };
  };
}

export const ocrHandler: HandlerFactory<OcrPayload, OcrReturn> = ({ config, preservation, ocr, metrics }) =>
  ocrProcessor({
    ocfl: preservation,
    engines: ocr,
    maxPixels: config.intake.maxPixels,
    metrics,
    detect: {
      enabled: config.ocr.detectScript,
      script: config.ocr.minScriptConfidence,
      orientation: config.ocr.minOrientationConfidence,
    },
    rereadBelowConfidence: config.ocr.rereadBelowConfidence,
    pageTimeoutMs: config.ocr.pageTimeoutSeconds * 1000,
  });
