/**
 * A pool of tesseract.js engines (each a worker thread with its own WebAssembly heap).
 *  - sized by configuration (by default one per core: an engine uses one core at a time);
 *  - an engine keeps the languages it last loaded; a page in other languages reloads them;
 *  - recycled after a number of pages, because tesseract.js grows in memory (stack-notes);
 *  - a page that runs over its time limit, or makes its engine throw, terminates that engine,
 *    never the process: the next page gets a fresh one.
 * Every start is bounded in time too: tesseract.js can hang when language data is unreadable.
 */
import { createWorker, OEM, PSM, type Page, type Worker } from 'tesseract.js';
import { ErrorCodes, YaddasError } from '../domain/errors.js';
import type { Logger } from '../log.js';

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
  languages: string;
  pages: number;
  busy: boolean;
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export class OcrPool {
  private readonly engines: Engine[] = [];
  private readonly waiting: Array<() => void> = [];
  private starting = 0;
  private closed = false;

  constructor(private readonly opts: OcrEngineOptions) {}

  get size(): number {
    return this.opts.engines;
  }

  /** engines running now (for tests and metrics) */
  get running(): number {
    return this.engines.length;
  }

  private async start(languages: string): Promise<Engine> {
    let failure: unknown;
    const worker = await withTimeout(
      createWorker(languages, OEM.LSTM_ONLY, {
        langPath: this.opts.langPath,
        gzip: false,
        // Never write language data into the working directory, never read a stale copy.
        cacheMethod: 'none',
        errorHandler: (err: unknown) => {
          failure = err;
        },
      }),
      this.opts.startTimeoutMs ?? 60_000,
      () => new YaddasError(ErrorCodes.OCR_FAILED, `The OCR engine did not start with ${languages} within ${(this.opts.startTimeoutMs ?? 60_000) / 1000} s${failure ? `: ${String(failure)}` : ''}.`, { permanent: false }),
    );
    return { worker, languages, pages: 0, busy: true };
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
      if (this.engines.length + this.starting < this.opts.engines) {
        this.starting++;
        try {
          const e = await this.start(languages);
          this.engines.push(e);
          return e;
        } finally {
          this.starting--;
        }
      }
      const other = idle[0];
      if (other) {
        other.busy = true;
        try {
          await other.worker.reinitialize(languages, OEM.LSTM_ONLY);
          other.languages = languages;
          return other;
        } catch (err) {
          await this.discard(other);
          throw err;
        }
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
        .catch((err: Error) => this.opts.log.warn({ err: { message: err.message }, languages }, 'an OCR engine did not start ahead of work'))
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
  async recognize(image: Buffer, languages: string, o: { dpi?: number | null; timeoutMs?: number } = {}): Promise<Page> {
    const timeoutMs = o.timeoutMs ?? this.opts.pageTimeoutMs;
    const e = await this.acquire(languages);
    let ok = false;
    try {
      const t = timeoutMs;
      const r = await withTimeout(
        // Per page, because reinitializing for other languages resets parameters. Tesseract's
        // library defaults to one uniform block of text (PSM 6); its CLI, and Yaddaş, find the
        // page's layout (PSM 3): columns, headings, captions.
        e.worker.recognize(image, { tessedit_pageseg_mode: PSM.AUTO, ...(o.dpi ? { user_defined_dpi: String(Math.round(o.dpi)) } : {}) } as object, { text: true, blocks: true }),
        t,
        () => new YaddasError(ErrorCodes.OCR_TIMEOUT, `OCR of the page took longer than ${t / 1000} s and was stopped.`, { permanent: true }),
      );
      ok = true;
      return r.data;
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
