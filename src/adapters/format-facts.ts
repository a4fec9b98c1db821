/**
 * Reads the few bytes that decide a file's PRONOM identity and its technical facts that sharp
 * does not report: a JPEG's first APP segment, a PNG's chunk names, a WebP's first chunk, a
 * TIFF's first directory (compression, DNG, TIFF/EP, GeoTIFF and Exif tags), a PDF/A claim.
 * Random reads of small ranges: a multi-GB TIFF's directory at its end costs a few reads.
 */
import fs from 'node:fs/promises';
import { type FormatFacts, printable, TIFF_COMPRESSION } from '../domain/pronom.js';

type Handle = fs.FileHandle;

async function bytes(fh: Handle, at: number, n: number): Promise<Buffer> {
  const b = Buffer.alloc(n);
  const { bytesRead } = await fh.read(b, 0, n, at);
  return b.subarray(0, bytesRead);
}

export interface ExtraFacts {
  facts: FormatFacts;
  /** how the pixels are compressed, in words ("LZW", "Uncompressed", "JPEG (baseline)") */
  compression?: string;
  /** the Software tag (TIFF 305): the application that wrote the file */
  software?: string;
}

/** The facts of an accepted format (mime as identified by content). Never throws for odd bytes. */
export async function readFormatFacts(file: string, mime: string): Promise<ExtraFacts | undefined> {
  const fh = await fs.open(file, 'r');
  try {
    switch (mime) {
      case 'image/tiff':
        return await tiffFacts(fh);
      case 'image/jpeg':
        return await jpegFacts(fh);
      case 'image/png':
        return await pngFacts(fh);
      case 'image/webp': {
        const chunk = (await bytes(fh, 12, 4)).toString('latin1');
        return {
          facts: { mime: 'image/webp', chunk },
          compression: chunk === 'VP8L' ? 'WebP lossless' : chunk === 'VP8 ' ? 'WebP lossy' : 'WebP',
        };
      }
      default:
        return undefined;
    }
  } catch {
    return undefined; // the decoder has already passed the file; odd headers only lose detail
  } finally {
    await fh.close();
  }
}

/** A TIFF's first directory: the tags that name its kind, and its compression. */
async function tiffFacts(fh: Handle): Promise<ExtraFacts> {
  const head = await bytes(fh, 0, 8);
  const le = head.toString('latin1', 0, 2) === 'II';
  const u16 = (b: Buffer, at: number) => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const u32 = (b: Buffer, at: number) => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const facts: Extract<FormatFacts, { mime: 'image/tiff' }> = { mime: 'image/tiff' };
  if (u16(head, 2) !== 42) return { facts }; // BigTIFF: generic
  const ifd = async (offset: number) => {
    const n = u16(await bytes(fh, offset, 2), 0);
    const entries = await bytes(fh, offset + 2, Math.min(n, 4096) * 12);
    const tags = new Map<number, { type: number; count: number; raw: Buffer }>();
    for (let i = 0; i + 12 <= entries.length; i += 12)
      tags.set(u16(entries, i), { type: u16(entries, i + 2), count: u32(entries, i + 4), raw: entries.subarray(i + 8, i + 12) });
    return tags;
  };
  const tags = await ifd(u32(head, 4));
  const dng = tags.get(50706);
  if (dng) facts.dngVersion = `${dng.raw[0]}.${dng.raw[1]}`;
  if (tags.has(37398)) facts.tiffEp = true;
  if (tags.has(34735)) facts.geoTiff = true;
  const exifAt = tags.get(34665);
  if (exifAt) {
    const version = (await ifd(u32(exifAt.raw, 0))).get(36864);
    if (version) facts.exifVersion = version.raw.toString('latin1', 0, 4);
  }
  const c = tags.get(259);
  const code = c ? u16(c.raw, 0) : 1;
  const sw = tags.get(305);
  let software: string | undefined;
  if (sw && sw.type === 2 && sw.count > 1) {
    const raw = sw.count <= 4 ? sw.raw.subarray(0, sw.count) : await bytes(fh, u32(sw.raw, 0), Math.min(sw.count, 256));
    const text = raw.toString('latin1');
    const nul = text.indexOf('\u0000'); // an ASCII tag ends in NUL
    software = printable(nul >= 0 ? text.slice(0, nul) : text).trim() || undefined;
  }
  return { facts, compression: TIFF_COMPRESSION[code] ?? `TIFF compression ${code}`, ...(software ? { software } : {}) };
}

/** A JPEG's first APP segment (JFIF or Exif, and its version) and its coding process. */
async function jpegFacts(fh: Handle): Promise<ExtraFacts> {
  let at = 2;
  let first: Extract<FormatFacts, { mime: 'image/jpeg' }>['first'];
  let sawApp = false;
  let compression: string | undefined;
  for (let guard = 0; guard < 64; guard++) {
    const m = await bytes(fh, at, 4);
    if (m.length < 4 || m[0] !== 0xff) break;
    const marker = m[1]!;
    const len = m.readUInt16BE(2);
    if (marker >= 0xe0 && marker <= 0xef && !sawApp) {
      sawApp = true;
      const body = await bytes(fh, at + 4, Math.min(len - 2, 65_533));
      if (marker === 0xe0 && body.toString('latin1', 0, 5) === 'JFIF\0')
        first = { kind: 'jfif', version: `${body[5]}.${String(body[6]).padStart(2, '0')}` };
      if (marker === 0xe1 && body.toString('latin1', 0, 6) === 'Exif\0\0') first = { kind: 'exif', ...exifVersion(body.subarray(6)) };
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      compression = SOF[marker] ?? 'JPEG';
      break;
    }
    if (marker === 0xda) break;
    at += 2 + len;
  }
  return { facts: { mime: 'image/jpeg', ...(first ? { first } : {}) }, ...(compression ? { compression } : {}) };
}

const SOF: Record<number, string> = {
  192: 'JPEG (baseline DCT)',
  193: 'JPEG (extended sequential DCT)',
  194: 'JPEG (progressive DCT)',
  195: 'JPEG (lossless)',
};

/** ExifVersion (tag 0x9000) from an Exif APP1 body's TIFF structure. */
function exifVersion(tiff: Buffer): { version?: string } {
  if (tiff.length < 8) return {};
  const le = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number) => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const find = (ifd: number, tag: number): number | undefined => {
    if (ifd + 2 > tiff.length) return undefined;
    const n = u16(ifd);
    for (let i = 0; i < n; i++) {
      const e = ifd + 2 + i * 12;
      if (e + 12 > tiff.length) return undefined;
      if (u16(e) === tag) return e + 8;
    }
    return undefined;
  };
  const exifPtr = find(u32(4), 0x8769);
  if (exifPtr === undefined) return {};
  const v = find(u32(exifPtr), 0x9000);
  return v === undefined ? {} : { version: tiff.toString('latin1', v, v + 4) };
}

/** A PNG's chunk names, walked by their lengths (the pixel data is skipped, not read). */
async function pngFacts(fh: Handle): Promise<ExtraFacts> {
  const chunks: string[] = [];
  let at = 8;
  for (let guard = 0; guard < 100_000; guard++) {
    const h = await bytes(fh, at, 8);
    if (h.length < 8) break;
    const type = h.toString('latin1', 4, 8);
    if (!chunks.includes(type)) chunks.push(type);
    if (type === 'IEND') break;
    at += 12 + h.readUInt32BE(0);
  }
  return { facts: { mime: 'image/png', chunks }, compression: 'Deflate' };
}
