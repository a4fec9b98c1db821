/**
 * OCR of one view: the master is read from the preservation bucket, prepared for OCR (upright,
 * grey, about 300 dpi), read by a pooled engine, and the words mapped back to the master's grid.
 * The result goes back to the ingest; the text step keeps it.
 */
import type { OcrEngines } from '../../adapters/ocr-engine.js';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  detectionImage,
  type OcrImage,
  type OcrPlan,
  ocrTileImage,
  planOcrImage,
  prepareOcrImage,
  prepareOcrTiles,
  TILE_ABOVE_PIXELS,
  turnOcrImage,
} from '../../adapters/ocr-image.js';
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
import { fromTesseract, joinTiles, pageText, type TesseractPage } from './ocr.core.js';
import { deriveDeps, deriveFromFile } from '../derive/derive.processor.js';
import type { DerivePayload } from '../derive/derive.stage.js';
import type { OcrPayload, OcrReturn } from './ocr.stage.js';
import type { Logger } from '../../log.js';

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
  /** makes and publishes the view's derivatives from the master on this host (derive.processor.ts deriveFromFile) */
  derive?: (masterFile: string, view: DerivePayload, log: Logger, o: { keepPublished: boolean }) => Promise<unknown>;
}

/**
 * How much of a reading is confidently read: its words' characters, each counted by the word's
 * confidence. Readings of a page are compared by this rather than by mean confidence alone, which
 * a turned page's three noise words at 75 would win against three hundred true ones at 62.
 */
export function readQuality(p: OcrPage): number {
  let q = 0;
  for (const b of p.blocks)
    for (const par of b.paragraphs) for (const l of par.lines) for (const w of l.words) q += (w.conf / 100) * [...w.text].length;
  return q;
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
    // The master goes to a file, not into memory: libvips reads what it needs of it (a map can be gigabytes).
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'yaddas-ocr-'));
    try {
      const master = path.join(work, 'master');
      await pipeline(await stored.open(), createWriteStream(master));
      const read = await readMaster(master, work);
      if (deps.derive) {
        // Its derivatives now, from the master already here and the turn just found, while the
        // other engines read other pages (the derive step then takes them: derived.json).
        const turn = read.page.detected?.turned ?? 0;
        const { source: _s, languages: _l, ...view } = data;
        // (a re-run whose page is turned as before keeps what derived.json describes: `yaddas reocr`)
        await deps
          .derive(master, { ...view, ...(turn ? { turn } : {}) }, log, { keepPublished: true })
          .catch((err: Error) =>
            log.warn({ err: { message: err.message } }, 'derivatives not made with the OCR; the derive step makes them'),
          );
      }
      return read;
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }

    async function readMaster(master: string, work: string): Promise<OcrReturn> {
      const t0 = performance.now();
      const prepare = async <T>(fn: () => Promise<T>): Promise<T> => {
        try {
          return await fn();
        } catch (err) {
          // File-system errors (a full disk for a map's tiles) are transient; what libvips refuses is the master.
          if ((err as NodeJS.ErrnoException).code) throw err;
          throw new YaddasError(
            ErrorCodes.OCR_FAILED,
            `The image of page ${data.page} could not be prepared for OCR: ${(err as Error).message}`,
            { permanent: true, cause: err },
          );
        }
      };
      const plan = await prepare(() => planOcrImage(master, { subpage: data.subpage, maxPixels: deps.maxPixels }));
      const dpiOf = (img: OcrPlan) => (img.dpi ? img.dpi * (img.ocrWidth / img.width) : null);
      const timeoutMs = deps.pageTimeoutMs;
      const recognize = async (image: Buffer, languages: string, dpi: number | null, limitMs = timeoutMs) => {
        try {
          return (await pool.recognize(image, languages, { dpi, timeoutMs: limitMs })) as unknown as TesseractPage & { loadedAs: string };
        } catch (err) {
          if (err instanceof YaddasError) throw err;
          throw new YaddasError(ErrorCodes.OCR_FAILED, `OCR of page ${data.page} failed: ${(err as Error).message ?? String(err)}`, {
            permanent: false,
            cause: err,
          });
        }
      };
      const base = { page: data.page, source: data.source, subpage: data.subpage };

      if (plan.ocrWidth * plan.ocrHeight > TILE_ABOVE_PIXELS) {
        // A very large sheet (a map): read a tile at a time, in every language, as scanned. Script
        // detection reads a whole page at once, and a map's lettering runs every way on purpose.
        const file = path.join(work, 'ocr.tif');
        const tiles = await prepare(() => prepareOcrTiles(master, plan, file, { subpage: data.subpage, maxPixels: deps.maxPixels }));
        const parts: OcrPage[] = [];
        for (const t of tiles) {
          const result = await recognize(await ocrTileImage(file, t), data.languages, dpiOf(plan));
          parts.push(fromTesseract(result, { ...base, ...plan, languages: result.loadedAs, tile: t }));
        }
        const page: OcrPage = { ...joinTiles(parts), tiles: tiles.length };
        return done(page, t0, plan, null, { languages: data.languages, turn: 0, languagesFrom: 'all' });
      }

      const prepared = await prepare(() => prepareOcrImage(master, { subpage: data.subpage, maxPixels: deps.maxPixels }, plan));
      // Which script, which way up: then the page's languages and its turn.
      const detecting = deps.detect.enabled && osd !== null;
      let reading: PageReading = {
        languages: data.languages,
        turn: 0,
        languagesFrom: 'all',
        why: deps.detect.enabled ? 'script detection data (osd.traineddata) is not installed' : 'script detection is switched off',
      };
      let found: ScriptDetection | null = null;
      if (detecting) {
        try {
          found = await osd.detect(await detectionImage(prepared, dpiOf(prepared)), { timeoutMs });
          reading = pageReading(data.languages, found, deps.detect);
        } catch (err) {
          // Detection is an aid: without it the page is read as before, in every language.
          log.warn({ err: { message: (err as Error).message } }, 'script and orientation detection failed; reading in every language');
          reading = { ...reading, why: `script detection failed: ${(err as Error).message}` };
        }
      }
      let img = await turnOcrImage(prepared, reading.turn);
      // One time limit for the page, however many readings it gets.
      const deadline = t0 + timeoutMs;
      const read = async (languages: string, image: OcrImage = img): Promise<OcrPage> => {
        const r = await recognize(image.image, languages, dpiOf(image), Math.max(1, deadline - performance.now()));
        // (the order the engine loaded them in: tesseract.js sometimes loads them only in another)
        return fromTesseract(r, {
          ...base,
          width: image.width,
          height: image.height,
          ocrWidth: image.ocrWidth,
          ocrHeight: image.ocrHeight,
          languages: r.loadedAs,
        });
      };
      const t1 = performance.now();
      let page = await read(reading.languages);
      const firstMs = performance.now() - t1;
      /** Another reading, when there is time for one as long as the first, never at the cost of the reading in hand. */
      const secondChance = async (why: string, languages: string, image?: OcrImage): Promise<OcrPage | null> => {
        if (deadline - performance.now() < firstMs * 1.5) {
          log.info({ why }, 'no time left for a second reading of the page');
          return null;
        }
        try {
          return await read(languages, image);
        } catch (err) {
          log.warn({ err: { message: (err as Error).message }, why }, 'a second reading of the page failed; the first stands');
          return null;
        }
      };
      const poor = (p: OcrPage) => deps.rereadBelowConfidence > 0 && p.words > 0 && (p.meanConfidence ?? 0) < deps.rereadBelowConfidence;
      if (found && found.orientation !== 0 && poor(page)) {
        // Read poorly the way detection decided: read it the other way too (turned, when detection
        // was not sure enough to turn it; as scanned, when it was), and keep the better reading.
        const other = reading.turn === 0 ? found.orientation : 0;
        const turned = await turnOcrImage(prepared, other);
        const again = await secondChance(other ? 'turned' : 'as scanned', reading.languages, turned);
        if (again && readQuality(again) > readQuality(page)) {
          page = again;
          img = turned;
          reading = { ...reading, turn: other };
        }
      }
      // Its own language first: Tesseract reads each word in the first language it is given.
      const used = page.languages.split('+');
      const language = detecting && used.length > 1 ? identifyLanguage(pageText(page), used) : null;
      if (language && language !== used[0]) {
        const order = [language, ...used.filter((c) => c !== language)].join('+');
        const again = await secondChance('its own language first', order);
        if (again && again.languages.split('+')[0] === language && readQuality(again) >= readQuality(page)) page = again;
      }
      let reread: PageDetected['reread'];
      if (reading.languagesFrom === 'script' && poor(page)) {
        // Read poorly in its script's languages: perhaps it mixes scripts. The better reading stays.
        const again = await secondChance('every language', data.languages);
        if (again) {
          reread = { languages: page.languages, meanConfidence: page.meanConfidence };
          if (readQuality(again) > readQuality(page)) {
            page = again;
            reading = {
              ...reading,
              languagesFrom: 'all',
              why: `read poorly in ${reread.languages} (mean confidence ${reread.meanConfidence}), better in every language (${again.meanConfidence})`,
            };
          }
        }
      }
      // What detection found is on record only where it ran.
      if (detecting) page = { ...page, detected: detectedOf(found, reading, reread, language) };
      return done(page, t0, img, found, reading);
    }

    async function done(page: OcrPage, t0: number, img: OcrPlan, found: ScriptDetection | null, reading: PageReading): Promise<OcrReturn> {
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
          // the item's languages: a page's own subset, in its order, would multiply the series
          .observe('ocr_page_confidence', CONFIDENCE_BUCKETS, { languages: data.languages }, page.meanConfidence)
          .catch(() => undefined);
      }
      return { page, engine, at: isoSeconds(), ms };
    }
  };
}

export const ocrHandler: HandlerFactory<OcrPayload, OcrReturn> = (ports) => {
  const { config, preservation, ocr, metrics } = ports;
  return ocrProcessor({
    ocfl: preservation,
    derive: deriveFromFile(deriveDeps(ports)),
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
};
