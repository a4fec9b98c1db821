/**
 * A pool of tesseract.js engines (each a worker thread with its own WebAssembly heap).
 *  - sized by configuration (by default one per core: an engine uses one core at a time);
 *  - an engine keeps the languages it last loaded; a page in other languages reloads them;
 *  - recycled after a number of pages, because tesseract.js grows in memory (stack-notes);
 *  - a page that runs over its time limit, or makes its engine throw, terminates that engine,
 *    never the process: the next page gets a fresh one.
 * Every start is bounded in time too: tesseract.js can hang when language data is unreadable.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { createWorker, OEM, PSM, type Page, type Worker } from 'tesseract.js';
import type { Config } from '../config/load.js';
import { ErrorCodes, YaddasError } from '../domain/errors.js';
import { languageHint, type ScriptDetection } from '../domain/ocr-languages.js';
import { withTimeout } from '../domain/time.js';
import type { Logger } from '../log.js';
import { prepareTessdata } from './tessdata.js';

export interface OcrEngineOptions {
  /** folder of plain <code>.traineddata files (adapters/tessdata.ts) */
  langPath: string;
  engines: number;
  /** pages an engine reads before it is replaced */
  recycleAfter: number;
  pageTimeoutMs: number;
  startTimeoutMs?: number;
  log: Logger;
}

interface Engine {
  worker: Worker;
  /** the languages asked for */
  languages: string;
  /** the order they were loaded in (another when tesseract.js did not load them as asked): the first is read first */
  loadedAs: string;
  pages: number;
  busy: boolean;
}

/**
 * Languages load exactly as asked. The Azerbaijani language data names the other script as a
 * "sub-language" to load with it (aze.traineddata's config says `tessedit_load_sublangs aze_cyrl`,
 * aze_cyrl's says `aze`), and Tesseract adds it to the list it is walking while it loads, which
 * in this build reads freed memory: the next language's name came out garbled ("Failed loading
 * language '𙬁Hb!'") or, worse, as a name already loaded, and then, say, `rus` of `aze_cyrl+rus`
 * was silently left out and a Russian page read as Azerbaijani (9 % of its characters wrong). An
 * empty `tessedit_load_sublangs` in the engine's own config (read after the language's) stops it:
 * no failed load in 30 loads of six combinations, against 4 without (issue 14). It also keeps a
 * page read in Latin languages from also running the Cyrillic model, and the other way round.
 *
 * Should a load still fail, each engine runs in our own thread script (tesseract-worker.cjs),
 * which sees Tesseract's "Failed loading language" while the load runs and answers the load as
 * failed; the pool then loads the languages in another order.
 */
/** (a config file's text: the name and an empty value) */
const ENGINE_CONFIG = 'tessedit_load_sublangs ';
const WORKER_SCRIPT = (() => {
  // The thread script is plain JavaScript kept in src/ (it is not compiled), found from the package root.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'src', 'adapters', 'tesseract-worker.cjs');
})();
const NOT_LOADED = 'LANGUAGE_NOT_LOADED';

/**
 * A tesseract.js engine, started within `limitMs`. tesseract.js throws from its message handler
 * when an engine reports an error and no errorHandler is set (which would end this process), so
 * one is always set, and it fails the start at once: tesseract.js 7 never settles a start whose
 * language load or initialisation failed. Such an engine's thread ends itself
 * (tesseract-worker.cjs); one that starts after its time is up is ended here.
 */
async function startEngine(
  languages: string,
  oem: OEM,
  options: Partial<Parameters<typeof createWorker>[2]> & { langPath: string },
  limitMs: number,
  what: string,
): Promise<Worker> {
  let failure: unknown;
  let fail: (err: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const pending = createWorker(
    languages,
    oem,
    {
      gzip: false,
      // Never write language data into the working directory, never read a stale copy.
      cacheMethod: 'none',
      workerPath: WORKER_SCRIPT,
      ...options,
      errorHandler: (err: unknown) => {
        failure = err;
        fail(new YaddasError(ErrorCodes.OCR_FAILED, `${what} could not start: ${String(err)}`, { permanent: false }));
      },
    },
    ENGINE_CONFIG,
  );
  try {
    return await withTimeout(
      Promise.race([pending, failed]),
      limitMs,
      () =>
        new YaddasError(
          ErrorCodes.OCR_FAILED,
          `${what} did not start within ${limitMs / 1000} s${failure ? `: ${String(failure)}` : ''}.`,
          {
            permanent: false,
          },
        ),
    );
  } catch (err) {
    pending.then((w) => w.terminate()).catch(() => undefined);
    throw err;
  }
}

/** The orders to try a language combination in: as asked; with a language repeated (Tesseract
 * loads each once, so the meaning is the same, but the string differs); then other orders. */
export function languageOrders(languages: string): string[] {
  const l = languages.split('+');
  const out = [l, [...l, l.at(-1)!], [...l, l[0]!], [...l].reverse(), ...l.map((_, i) => [...l.slice(i), ...l.slice(0, i)])].map((x) =>
    x.join('+'),
  );
  return [...new Set(out)];
}

export class OcrPool {
  private readonly engines: Engine[] = [];
  private readonly waiting: Array<() => void> = [];
  private starting = 0;
  private closed = false;
  constructor(private readonly opts: OcrEngineOptions) {}

  private get startLimit(): number {
    return this.opts.startTimeoutMs ?? 60_000;
  }

  get size(): number {
    return this.opts.engines;
  }

  /** engines running now (for tests and metrics) */
  get running(): number {
    return this.engines.length;
  }

  /**
   * A new engine in `languages`. It starts with the first language alone (one language always
   * loads), then takes the combination the way an idle engine does, so that a failed load leaves
   * the engine in hand to try another order.
   */
  private async start(languages: string): Promise<Engine> {
    const first = languages.split('+')[0]!;
    const worker = await startEngine(first, OEM.LSTM_ONLY, { langPath: this.opts.langPath }, this.startLimit, `The OCR engine (${first})`);
    const e: Engine = { worker, languages: first, loadedAs: first, pages: 0, busy: true };
    if (first === languages) return e;
    let ok = false;
    try {
      ok = await this.reload(e, languages);
    } finally {
      if (!ok) await worker.terminate().catch(() => undefined);
    }
    if (!ok)
      throw new YaddasError(
        ErrorCodes.OCR_FAILED,
        `tesseract.js could not load every language of ${languages} in any order; the page is not read with fewer languages than asked.`,
        { permanent: true },
      );
    return e;
  }

  /** A new engine, counted while it starts so that the pool never grows past its size. */
  private async fresh(languages: string): Promise<Engine> {
    this.starting++;
    try {
      const e = await this.start(languages);
      this.engines.push(e);
      return e;
    } finally {
      this.starting--;
    }
  }

  /** Loads other languages into an idle engine; false when they did not all load in any order. */
  private async reload(e: Engine, languages: string): Promise<boolean> {
    for (const order of languageOrders(languages)) {
      try {
        // Bounded like a start: unreadable language data can leave a load waiting for ever.
        await withTimeout(
          e.worker.reinitialize(order, OEM.LSTM_ONLY, ENGINE_CONFIG),
          this.startLimit,
          () =>
            new YaddasError(ErrorCodes.OCR_FAILED, `The OCR engine did not load ${order} within ${this.startLimit / 1000} s.`, {
              permanent: false,
            }),
        );
      } catch (err) {
        if (String(err).includes(NOT_LOADED)) continue;
        throw err;
      }
      if (order !== languages)
        this.opts.log.warn(
          { languages, loadedAs: order },
          'OCR languages loaded in another order (tesseract.js did not load them as asked)',
        );
      e.languages = languages;
      e.loadedAs = order;
      return true;
    }
    return false;
  }

  private async acquire(languages: string): Promise<Engine> {
    for (;;) {
      if (this.closed) throw new YaddasError(ErrorCodes.OCR_FAILED, 'The OCR engines are shutting down.', { permanent: false });
      const idle = this.engines.filter((e) => !e.busy);
      const same = idle.find((e) => e.languages === languages);
      if (same) {
        same.busy = true;
        return same;
      }
      if (this.engines.length + this.starting < this.opts.engines) return this.fresh(languages);
      const other = idle[0];
      if (other) {
        other.busy = true;
        let ok = false;
        try {
          ok = await this.reload(other, languages);
        } catch (err) {
          await this.discard(other);
          throw err;
        }
        if (ok) return other;
        // A fresh engine gets the languages in one of the orders that load.
        await this.discard(other);
        return this.fresh(languages);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /**
   * Starts every engine now, with the languages most items use, so that the first pages do not
   * wait for language data to load. Errors are the first page's to report.
   */
  warm(languages: string): void {
    while (!this.closed && this.engines.length + this.starting < this.opts.engines) {
      this.starting++;
      this.start(languages)
        .then((e) => {
          if (this.closed) return void e.worker.terminate().catch(() => undefined);
          this.engines.push(e);
          this.releaseEngine(e);
        })
        .catch((err: Error) =>
          this.opts.log.warn({ err: { message: err.message }, languages }, 'an OCR engine did not start ahead of work'),
        )
        .finally(() => this.starting--);
    }
  }

  private releaseEngine(e: Engine): void {
    e.busy = false;
    this.waiting.shift()?.();
  }

  private async discard(e: Engine): Promise<void> {
    const i = this.engines.indexOf(e);
    if (i >= 0) this.engines.splice(i, 1);
    await e.worker.terminate().catch(() => undefined);
    this.waiting.shift()?.();
  }

  /**
   * Reads one page image (PNG, JPEG, …) in the given languages (`aze+rus`). `dpi` is the image's
   * resolution: without it Tesseract guesses one from the text, and guesses differently.
   */
  async recognize(
    image: Buffer,
    languages: string,
    o: { dpi?: number | null; timeoutMs?: number } = {},
  ): Promise<Page & { /** the order the languages were loaded in: the first was read first */ loadedAs: string }> {
    const timeoutMs = o.timeoutMs ?? this.opts.pageTimeoutMs;
    const e = await this.acquire(languages);
    let ok = false;
    try {
      const t = timeoutMs;
      const r = await withTimeout(
        // Per page, because reinitializing for other languages resets parameters. Tesseract's
        // library defaults to one uniform block of text (PSM 6); its CLI, and Yaddaş, find the
        // page's layout (PSM 3): columns, headings, captions.
        e.worker.recognize(
          image,
          { tessedit_pageseg_mode: PSM.AUTO, ...(o.dpi ? { user_defined_dpi: String(Math.round(o.dpi)) } : {}) } as object,
          { text: true, blocks: true },
        ),
        t,
        () =>
          new YaddasError(ErrorCodes.OCR_TIMEOUT, `OCR of the page took longer than ${t / 1000} s and was stopped.`, { permanent: true }),
      );
      ok = true;
      return Object.assign(r.data, { loadedAs: e.loadedAs });
    } finally {
      e.pages++;
      if (!ok) {
        // A timed-out or failed engine may be wedged or half-way through a page: replace it.
        this.opts.log.warn({ languages }, 'OCR engine terminated after a failed page');
        await this.discard(e);
      } else if (e.pages >= this.opts.recycleAfter) {
        this.opts.log.info({ pages: e.pages }, 'recycling an OCR engine');
        await this.discard(e);
      } else this.releaseEngine(e);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.engines.splice(0).map((e) => e.worker.terminate().catch(() => undefined)));
    for (const w of this.waiting.splice(0)) w();
  }
}

/** What tesseract.js's detect gives (only what is used). */
interface DetectData {
  script: string | null;
  script_confidence: number | null;
  orientation_degrees: number | null;
  orientation_confidence: number | null;
}

/**
 * Script and orientation detection (Tesseract's OSD): one engine of tesseract.js's legacy build,
 * which OSD needs (the LSTM-only build that reads the text has no OSD), reading one page at a
 * time. Detection takes about 0.3 s of a 300-dpi A4 page against several seconds to read it, so
 * one engine serves a pool of readers. Recycled like them; a failed or timed-out detection
 * replaces it.
 */
export class OsdEngine {
  private worker: Promise<Worker> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private pages = 0;
  private closed = false;

  constructor(private readonly opts: Pick<OcrEngineOptions, 'langPath' | 'recycleAfter' | 'startTimeoutMs'>) {}

  private start(): Promise<Worker> {
    const started = startEngine(
      'osd',
      OEM.TESSERACT_ONLY,
      { langPath: this.opts.langPath, legacyCore: true, legacyLang: true },
      this.opts.startTimeoutMs ?? 60_000,
      'Script and orientation detection',
    );
    started.catch(() => {
      this.worker = undefined;
    });
    return started;
  }

  /**
   * The script and orientation of a page image; null when Tesseract found too little text to
   * tell. The image must carry its resolution (a PNG: ocr-image.ts detectionImage).
   */
  detect(image: Buffer, o: { timeoutMs: number }): Promise<ScriptDetection | null> {
    const run = this.queue.then(async () => {
      if (this.closed) throw new YaddasError(ErrorCodes.OCR_FAILED, 'The OCR engines are shutting down.', { permanent: false });
      this.worker ??= this.start();
      const w = await this.worker;
      let ok = false;
      try {
        const r = await withTimeout(
          w.detect(image),
          o.timeoutMs,
          () =>
            new YaddasError(ErrorCodes.OCR_TIMEOUT, `Script and orientation detection took longer than ${o.timeoutMs / 1000} s.`, {
              permanent: false,
            }),
        );
        ok = true;
        return detection(r.data as unknown as DetectData);
      } finally {
        this.pages++;
        if (!ok || this.pages >= this.opts.recycleAfter) {
          this.worker = undefined;
          this.pages = 0;
          await w.terminate().catch(() => undefined);
        }
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = undefined;
    if (w) await (await w.catch(() => undefined))?.terminate().catch(() => undefined);
  }
}

/** tesseract.js's detect result as ours; null when it found nothing to go by. */
export function detection(d: DetectData): ScriptDetection | null {
  const o = d.orientation_degrees;
  if (!d.script || d.script_confidence === null || (o !== 0 && o !== 90 && o !== 180 && o !== 270)) return null;
  const r = (n: number | null) => Math.round((n ?? 0) * 100) / 100;
  return { script: d.script, scriptConfidence: r(d.script_confidence), orientation: o, orientationConfidence: r(d.orientation_confidence) };
}

/** A process's OCR engines: the pool, the languages whose data was found, and the engine's name. */
export interface OcrEngines {
  pool: OcrPool;
  /** script and orientation detection; null when osd.traineddata is missing (pages are then read in every language, upright as scanned) */
  osd: OsdEngine | null;
  languages: ReadonlySet<string>;
  engine: { name: string; version: string; data?: Record<string, string> };
  tessdataDir: string;
}

/** The languages every OCR process should have: the configured default and the region's four. */
const EXPECTED_LANGUAGES = ['aze', 'aze_cyrl', 'rus', 'eng'];

/**
 * The OCR engines of one process, made on first use: language data gathered (offline), missing
 * languages said once, the pool started and warmed in the default languages.
 */
export function createOcrEngines(
  config: Pick<Config, 'dataDir' | 'ocr'>,
  log: Logger,
): { get(): Promise<OcrEngines>; close(): Promise<void> } {
  let made: Promise<OcrEngines> | undefined;
  return {
    get() {
      made ??= (async () => {
        const td = await prepareTessdata(config.dataDir, config.ocr.tessdataDir);
        const languages = new Set(td.languages.keys());
        const wanted = [...new Set([...config.ocr.languages.split('+'), ...EXPECTED_LANGUAGES])];
        const missing = wanted.filter((c) => !languages.has(c));
        if (missing.length > 0) {
          log.warn(
            { missing },
            `OCR languages missing: ${missing.map((c) => `${c} (${languageHint(c)})`).join('; ')}; items in them are preserved without text until they are installed`,
          );
        }
        log.info(
          { languages: [...td.languages.values()].map((l) => `${l.code} (${l.kind})`), dir: td.dir, engines: config.ocr.engines },
          'OCR language data ready',
        );
        const require = createRequire(import.meta.url);
        const describeSource = (l: { code: string; from: string; kind: string }): string => {
          if (l.kind !== 'npm') return `${l.kind === 'system' ? 'system' : 'configured'} file ${l.from}`;
          const v = (require(`@tesseract.js-data/${l.code}/package.json`) as { version: string }).version;
          return `npm @tesseract.js-data/${l.code} ${v} (tessdata 4.0.0 models)`;
        };
        const version = `${(require('tesseract.js/package.json') as { version: string }).version} (tesseract.js-core ${(require('tesseract.js-core/package.json') as { version: string }).version})`;
        const pool = new OcrPool({
          langPath: td.dir,
          engines: config.ocr.engines,
          recycleAfter: config.ocr.recycleAfterPages,
          pageTimeoutMs: config.ocr.pageTimeoutSeconds * 1000,
          log,
        });
        if (!missing.some((c) => config.ocr.languages.split('+').includes(c))) pool.warm(config.ocr.languages);
        const osd = languages.has('osd') ? new OsdEngine({ langPath: td.dir, recycleAfter: config.ocr.recycleAfterPages }) : null;
        if (!osd)
          log.warn(
            "Script and orientation detection (osd.traineddata, npm package @tesseract.js-data/osd or Debian package tesseract-ocr-osd) is missing: every page is read in all its item's languages, as scanned",
          );
        // Which data read each language, for the preservation record (PREMIS agent of the OCR).
        const data = Object.fromEntries([...td.languages.values()].map((l) => [l.code, describeSource(l)]));
        return { pool, osd, languages, engine: { name: 'tesseract.js', version, data }, tessdataDir: td.dir };
      })();
      return made;
    },
    async close() {
      const e = made ? await made.catch(() => undefined) : undefined;
      await Promise.all([e?.pool.close(), e?.osd?.close()]);
    },
  };
}
