/**
 * The item's searchable PDF, from what the access bucket already holds: each view's access JPEG
 * and, where the page was read, its ALTO (which carries every word and its box). Reading the
 * ALTO back, rather than taking words from the OCR step, is what lets `yaddas rederive` rebuild
 * the PDF from the preservation bucket alone.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type PdfPageSource, writeSearchablePdf } from '../../adapters/searchable-pdf.js';
import { ErrorCodes, YaddasError } from '../../domain/errors.js';
import type { OcflStore } from '../../storage/ocfl-store.js';
import { bcp47Of } from '../../domain/ocr-languages.js';
import { itemKeys } from '../../storage/access-layout.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { parseAlto } from '../ocr/ocr.core.js';
import { accessWithheldNow, type HandlerFactory, type StageHandler } from '../stage.js';
import type { PdfPayload, PdfReturn } from './pdf.stage.js';

export function pdfProcessor(deps: { access: ObjectStore; ocfl: OcflStore; now?: () => Date }): StageHandler<PdfPayload, PdfReturn> {
  const now = deps.now ?? (() => new Date());
  return async (data, { log }) => {
    // A withdrawn item gets no public PDF (its access images are gone, or going).
    const withheld = await accessWithheldNow(deps.ocfl, data.itemId, now());
    if (withheld) {
      log.warn(`no PDF: ${withheld}`);
      return { key: '', pages: 0, bytes: 0, withText: 0, skipped: withheld };
    }
    const t0 = performance.now();
    const fetch = async (key: string, what: string, page: number) => {
      const body = await deps.access.getBuffer(key);
      if (!body)
        throw new YaddasError(ErrorCodes.STORAGE_UNAVAILABLE, `The ${what} of page ${page} (${key}) is missing.`, { permanent: false });
      return body;
    };
    // Each page's image and words are fetched when the writer reaches them, so that the PDF of a
    // 1,000-page book never holds more than one page's (adapters/searchable-pdf.ts).
    const pages: PdfPageSource[] = [...data.pages]
      .sort((a, b) => a.page - b.page)
      .map((p) => ({
        width: p.width,
        height: p.height,
        dpi: p.dpi,
        jpeg: () => fetch(p.access, 'access image', p.page),
        ocr: async () => (p.alto ? parseAlto((await fetch(p.alto, 'ALTO', p.page)).toString('utf8'), { page: p.page }) : null),
      }));
    const single = data.languages && !data.languages.includes('+') ? bcp47Of(data.languages) : undefined;
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'yaddas-pdf-'));
    const key = itemKeys(data.itemId).pdf;
    let written: Awaited<ReturnType<typeof writeSearchablePdf>>;
    try {
      const file = path.join(work, 'document.pdf');
      written = await writeSearchablePdf(
        pages,
        { title: data.title, created: new Date(data.created), producer: 'Yaddaş', ...(single ? { lang: single } : {}) },
        file,
      );
      await deps.access.put(key, createReadStream(file), { contentType: 'application/pdf' });
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
    const { bytes, withText } = written;
    const late = await accessWithheldNow(deps.ocfl, data.itemId, now());
    if (late) {
      await deps.access.delete([key]); // withdrawn while it was made
      return { key: '', pages: 0, bytes: 0, withText: 0, skipped: late };
    }
    log.info(
      { pages: pages.length, withText, bytes, ms: Math.round(performance.now() - t0) },
      `searchable PDF of ${pages.length} page(s) published`,
    );
    return { key, pages: pages.length, bytes, withText };
  };
}

export const pdfHandler: HandlerFactory<PdfPayload, PdfReturn> = ({ access, preservation, now }) =>
  pdfProcessor({ access, ocfl: preservation, now });
