/**
 * The item's searchable PDF, from what the access bucket already holds: each view's access JPEG
 * and, where the page was read, its ALTO (which carries every word and its box). Reading the
 * ALTO back, rather than taking words from the OCR step, is what lets `yaddas rederive` rebuild
 * the PDF from the preservation bucket alone.
 */
import { buildSearchablePdf } from '../../adapters/searchable-pdf.js';
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
    const pages = [];
    let withText = 0;
    for (const p of [...data.pages].sort((a, b) => a.page - b.page)) {
      const jpeg = await deps.access.getBuffer(p.access);
      if (!jpeg)
        throw new YaddasError(ErrorCodes.STORAGE_UNAVAILABLE, `The access image of page ${p.page} (${p.access}) is missing.`, {
          permanent: false,
        });
      let ocr = null;
      if (p.alto) {
        const xml = await deps.access.getBuffer(p.alto);
        if (!xml)
          throw new YaddasError(ErrorCodes.STORAGE_UNAVAILABLE, `The ALTO of page ${p.page} (${p.alto}) is missing.`, { permanent: false });
        ocr = parseAlto(xml.toString('utf8'), { page: p.page });
        if (ocr.words > 0) withText++;
      }
      pages.push({ jpeg, width: p.width, height: p.height, dpi: p.dpi, ocr });
    }
    const single = data.languages && !data.languages.includes('+') ? bcp47Of(data.languages) : undefined;
    const bytes = await buildSearchablePdf(pages, {
      title: data.title,
      created: new Date(data.created),
      producer: 'Yaddaş',
      ...(single ? { lang: single } : {}),
    });
    const key = itemKeys(data.itemId).pdf;
    await deps.access.put(key, Buffer.from(bytes), { contentType: 'application/pdf' });
    const late = await accessWithheldNow(deps.ocfl, data.itemId, now());
    if (late) {
      await deps.access.delete([key]); // withdrawn while it was made
      return { key: '', pages: 0, bytes: 0, withText: 0, skipped: late };
    }
    log.info(
      { pages: pages.length, withText, bytes: bytes.length, ms: Math.round(performance.now() - t0) },
      `searchable PDF of ${pages.length} page(s) published`,
    );
    return { key, pages: pages.length, bytes: bytes.length, withText };
  };
}

export const pdfHandler: HandlerFactory<PdfPayload, PdfReturn> = ({ access, preservation, now }) =>
  pdfProcessor({ access, ocfl: preservation, now });
