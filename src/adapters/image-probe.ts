/**
 * Identifies a file by its content (never its extension) and decode-checks images with sharp.
 * Vendor errors become Problems in plain words; only an unreadable local file is a failure.
 */
import fs from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { fileTypeFromFile } from 'file-type';
import { ErrorCodes, YaddasError, rejection, type Problem } from '../domain/errors.js';
import type { InspectResult } from '../domain/item.js';
import { type FormatFacts, iccProfileName, pronomFormat } from '../domain/pronom.js';
import { readFormatFacts } from './format-facts.js';
import { openPdf, pdfjsVersion } from './pdf-probe.js';

/** The decoder that checks every image master, named with its version for the preservation record. */
const VIPS = {
  name: 'libvips',
  version: sharp.versions.vips,
  via: `sharp ${(sharp.versions as { sharp?: string }).sharp ?? ''}`.trim(),
};

const FORMATS: Record<string, string> = {
  'image/tiff': 'TIFF',
  'image/jpeg': 'JPEG',
  'image/png': 'PNG',
  'image/webp': 'WebP',
  'application/pdf': 'PDF',
};

const BIT_DEPTH: Record<string, number> = { uchar: 8, char: 8, ushort: 16, short: 16, uint: 32, int: 32, float: 32, double: 64 };

export type ProbeResult = { ok: true; result: InspectResult } | { ok: false; problem: Problem };

function corrupt(name: string, detail: string): ProbeResult {
  return {
    ok: false,
    problem: rejection(
      ErrorCodes.CORRUPT_FILE,
      'The file cannot be read as an image: it is damaged, or incomplete (a copy into the inbox that had not finished when Yaddaş took it ends like this too).',
      'If it was still being copied, let the copy finish and drop the item again; otherwise scan or export this page again, and copy it again.',
      name,
      detail,
    ),
  };
}

/** Sharp's messages carry libvips detail; keep the first line, which is the useful part. */
const vipsDetail = (err: unknown) =>
  String((err as Error).message ?? err)
    .split('\n')[0]!
    .slice(0, 300);

/**
 * A PDF master: its end must be there (a truncated copy lacks it), then pdf.js must open it and
 * read every page. What does not open is rejected, saying why; the page count is recorded.
 */
async function probePdf(file: string, name: string): Promise<ProbeResult> {
  const fh = await fs.open(file, 'r');
  let version: string;
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(16);
    await fh.read(head, 0, 16, 0);
    const tailLen = Math.min(size, 2048);
    const tail = Buffer.alloc(tailLen);
    await fh.read(tail, 0, tailLen, size - tailLen);
    version = /%PDF-(\d\.\d)/.exec(head.toString('latin1'))?.[1] ?? 'unknown';
    // A PDF ends with %%EOF (possibly followed by a line break); a truncated copy does not.
    if (!tail.toString('latin1').includes('%%EOF')) return corruptPdf(name, 'the end of the PDF is missing');
  } finally {
    await fh.close();
  }
  const opened = await openPdf(file);
  if (!opened.ok) {
    if (opened.kind === 'password') {
      return {
        ok: false,
        problem: rejection(
          ErrorCodes.CORRUPT_FILE,
          'The PDF is protected by a password, so it cannot be opened to check it, nor read in the years to come.',
          'Export or save the PDF again without a password, and copy it again.',
          name,
        ),
      };
    }
    return corruptPdf(name, opened.reason);
  }
  // The header's version is the one DROID goes by (a catalog /Version can only raise it).
  const registry = pronomFormat({ mime: 'application/pdf', version, ...(opened.pdfa ? { pdfa: opened.pdfa } : {}) });
  return {
    ok: true,
    result: {
      path: name,
      mime: 'application/pdf',
      format: 'PDF',
      registry,
      tool: { name: 'pdf.js', version: pdfjsVersion },
      pdf: {
        version: opened.version ?? version,
        pages: opened.pages,
        ...(opened.pdfa ? { pdfa: `${opened.pdfa.part}${opened.pdfa.conformance.toLowerCase()}` } : {}),
      },
    },
  };
}

function corruptPdf(name: string, detail: string): ProbeResult {
  return {
    ok: false,
    problem: rejection(
      ErrorCodes.CORRUPT_FILE,
      'The file cannot be opened as a PDF: it is damaged, or incomplete (a copy into the inbox that had not finished when Yaddaş took it ends like this too).',
      'If it was still being copied, let the copy finish and drop the item again; otherwise export the PDF again from the scanning software, and copy it again.',
      name,
      detail,
    ),
  };
}

/**
 * Full decode of every page: a header can be intact while the pixel data is truncated, and only
 * decoding finds that. A page-sized image is decoded into memory and dropped (0.17 s for a
 * 300-dpi A4 page); a larger one goes through stats(), which decodes in pieces and keeps only a
 * few numbers, but computes for every pixel (0.7 s for the same page).
 */
const DECODE_IN_MEMORY_BYTES = 64 * 1024 * 1024;

async function probeImage(file: string, name: string, mime: string, maxPixels: number): Promise<ProbeResult> {
  const opts = { failOn: 'error' as const, limitInputPixels: maxPixels, sequentialRead: true };
  let meta: Metadata;
  try {
    // The header alone, with no pixel limit: its dimensions are compared below, so that a bomb is
    // reported as too large rather than as damaged.
    meta = await sharp(file, { ...opts, limitInputPixels: false }).metadata();
  } catch (err) {
    return corrupt(name, vipsDetail(err));
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const pages = meta.pages ?? 1;
  if (width * height > maxPixels) {
    return {
      ok: false,
      problem: rejection(
        ErrorCodes.TOO_MANY_PIXELS,
        `The image is ${width} × ${height} pixels, more than the ${maxPixels.toLocaleString('en')} pixels Yaddaş accepts (such files are often damaged or built to exhaust memory).`,
        'Check the scan; if it really is this large, ask an operator to raise YADDAS_MAX_PIXELS.',
        name,
      ),
    };
  }
  try {
    const pageBytes = width * height * (meta.channels ?? 4) * (meta.depth === 'ushort' ? 2 : 1);
    const inMemory = pageBytes <= DECODE_IN_MEMORY_BYTES;
    // Opening page N walks the file's page directory from the start, so page by page a 3,000-page
    // TIFF costs minutes: pages are decoded in runs that fit the memory bound. A run that fails
    // (a damaged page, or pages of different sizes, which libvips will not stack) is decoded
    // again page by page, so only a page that fails alone rejects the file.
    const run = inMemory ? Math.max(1, Math.min(256, Math.floor(DECODE_IN_MEMORY_BYTES / Math.max(1, pageBytes)))) : 1;
    const decode = async (page: number, n: number) => {
      if (inMemory)
        await sharp(file, { ...opts, page, pages: n })
          .raw()
          .toBuffer();
      else await sharp(file, { ...opts, page }).stats();
    };
    for (let page = 0; page < pages; page += run) {
      const n = Math.min(run, pages - page);
      if (n === 1) {
        await decode(page, 1);
        continue;
      }
      const whole = await decode(page, n).then(
        () => true,
        () => false,
      );
      if (!whole) for (let p = page; p < page + n; p++) await decode(p, 1);
    }
  } catch (err) {
    const detail = vipsDetail(err);
    if (/pixel limit/i.test(detail)) {
      return {
        ok: false,
        problem: rejection(
          ErrorCodes.TOO_MANY_PIXELS,
          'A page of the image is larger than the pixel limit.',
          'Check the scan, or ask an operator to raise YADDAS_MAX_PIXELS.',
          name,
        ),
      };
    }
    return corrupt(name, detail);
  }
  const image: NonNullable<InspectResult['image']> = {
    width,
    height,
    pages,
    channels: meta.channels ?? 0,
    space: meta.space ?? 'unknown',
    hasProfile: meta.hasProfile ?? false,
    hasAlpha: meta.hasAlpha ?? false,
  };
  const depth = meta.depth ? BIT_DEPTH[meta.depth] : undefined;
  if (depth) image.bitDepth = depth;
  if (meta.orientation) image.orientation = meta.orientation;
  if (meta.density) image.density = Math.round(meta.density * 100) / 100;
  const extra = await readFormatFacts(file, mime);
  if (extra?.compression) image.compression = extra.compression;
  const icc = meta.icc ? iccProfileName(meta.icc) : undefined;
  if (icc) image.iccProfile = icc;
  const registry = pronomFormat(extra?.facts ?? ({ mime, chunks: [] } as FormatFacts));
  return {
    ok: true,
    result: {
      path: name,
      mime,
      format: FORMATS[mime]!,
      registry,
      image,
      tool: VIPS,
      ...(extra?.software ? { software: extra.software } : {}),
    },
  };
}

/**
 * The signatures of the accepted formats. file-type looks deeper than the first bytes (a TIFF's
 * directory may sit at the end of the file), so a truncated TIFF is "unknown" to it; by its
 * signature it is a damaged TIFF, and staff should be told that rather than "unsupported".
 */
async function sniffSignature(file: string): Promise<string | undefined> {
  const fh = await fs.open(file, 'r');
  try {
    const b = Buffer.alloc(16);
    await fh.read(b, 0, 16, 0);
    if (
      b.subarray(0, 4).equals(Buffer.from('II*\0', 'latin1')) ||
      b.subarray(0, 4).equals(Buffer.from('MM\0*', 'latin1')) ||
      b.subarray(0, 4).equals(Buffer.from('II+\0', 'latin1'))
    )
      return 'image/tiff';
    if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
    if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
    if (b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
    if (b.toString('latin1', 0, 5) === '%PDF-') return 'application/pdf';
    return undefined;
  } finally {
    await fh.close();
  }
}

/** Identifies and checks one staged file. `name` is how the item refers to it. */
export async function probeFile(file: string, name: string, maxPixels: number): Promise<ProbeResult> {
  let type: Awaited<ReturnType<typeof fileTypeFromFile>>;
  try {
    type = await fileTypeFromFile(file);
    if (!type) {
      const sniffed = await sniffSignature(file);
      if (sniffed) type = { mime: sniffed, ext: sniffed.split('/')[1]! };
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new YaddasError(ErrorCodes.STAGED_FILE_MISSING, `The staged file ${name} is missing.`, { permanent: true, file: name });
    throw err;
  }
  const mime = type?.mime;
  if (!mime || !FORMATS[mime]) {
    const what = type ? `a ${type.ext.toUpperCase()} file (${type.mime})` : 'not a format Yaddaş recognises';
    return {
      ok: false,
      problem: rejection(
        ErrorCodes.UNSUPPORTED_FORMAT,
        `By its content this is ${what}, whatever its name says. Accepted: TIFF, JPEG, PNG, WebP images and PDF.`,
        'Export the page as TIFF (preferred for masters), JPEG, PNG or WebP.',
        name,
      ),
    };
  }
  if (mime === 'application/pdf') return probePdf(file, name);
  return probeImage(file, name, mime, maxPixels);
}
