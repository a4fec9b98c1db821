/**
 * Opens a PDF master with pdf.js (Mozilla's PDF parser) as a reader would, to prove that it is a
 * PDF and not just bytes between a `%PDF` header and an `%%EOF` trailer: its cross-reference
 * table, catalog and page tree parsed, and every page's dictionary read. pdf.js repairs what
 * readers repair (a damaged cross-reference table) and refuses what none can open. It reads the
 * file in ranges, never whole.
 */
import { getDocument, version } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** pdf.js's version, for the preservation record of what checked a PDF master. */
export const pdfjsVersion: string = version;

/** pdf.js's names for a file it read but could not make sense of. */
const PARSE_FAILURES = new Set(['InvalidPDFException', 'FormatError', 'UnknownErrorException']);

export type PdfCheck =
  | { ok: true; pages: number; version: string | null /** what its XMP claims (pdfaid) */; pdfa?: { part: string; conformance: string } }
  | { ok: false; reason: string; kind: 'damaged' | 'password' };

/** A PDF/A claim in XMP, as attribute (pdfaid:part="2") or element (<pdfaid:part>2</pdfaid:part>). */
function pdfaClaim(xmp: string | undefined): { part: string; conformance: string } | undefined {
  if (!xmp) return undefined;
  const field = (name: string) => new RegExp(`pdfaid:${name}(?:\\s*=\\s*["']|>)\\s*([0-9A-Za-z]+)`).exec(xmp)?.[1];
  const part = field('part');
  const conformance = field('conformance');
  return part && conformance ? { part, conformance: conformance.toUpperCase() } : undefined;
}

export async function openPdf(file: string): Promise<PdfCheck> {
  // Ranges only, no reading ahead: the structure is at the start and the end of the file, and a
  // scanned atlas's gigabytes of images need not pass through inspection.
  const task = getDocument({
    url: file,
    stopAtErrors: true,
    disableFontFace: true,
    disableAutoFetch: true,
    disableStream: true,
    verbosity: 0,
  });
  try {
    const doc = await task.promise;
    for (let i = 1; i <= doc.numPages; i++) await doc.getPage(i);
    const { info, metadata } = (await doc.getMetadata()) as {
      info?: { PDFFormatVersion?: string };
      metadata?: { getRaw(): string } | null;
    };
    if (doc.numPages < 1) return { ok: false, kind: 'damaged', reason: 'it has no pages' };
    const pdfa = pdfaClaim(metadata?.getRaw());
    return { ok: true, pages: doc.numPages, version: info?.PDFFormatVersion ?? null, ...(pdfa ? { pdfa } : {}) };
  } catch (err) {
    const e = err as { name?: string; message?: string };
    if (e.name === 'PasswordException') return { ok: false, kind: 'password', reason: 'it is protected by a password' };
    // What pdf.js could not parse ("Invalid PDF structure.", "Invalid XRef stream header") is the
    // file's fault; anything else (the file could not be read: ResponseException, EIO) is not,
    // and is thrown so that the job is tried again rather than the master rejected.
    if (e.name && PARSE_FAILURES.has(e.name)) return { ok: false, kind: 'damaged', reason: `${e.message ?? e.name}`.replace(/\.$/, '') };
    throw err;
  } finally {
    await task.destroy();
  }
}
