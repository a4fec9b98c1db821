/**
 * Test material made on the spot, so every test knows its ground truth: page scans of chosen
 * size and format, broken files of known kinds, and a slow copy that is still arriving.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';

// The workplace's shared samples sit beside the checkout (../shared/data); YADDAS_SHARED_DATA overrides.
export const SHARED = process.env.YADDAS_SHARED_DATA ?? path.resolve(import.meta.dirname, '../../../shared/data');

/**
 * A sample file of the shared data folder. Without that folder (a checkout on its own), the
 * failure names the folder and how to point at it, not just ENOENT.
 */
export async function readShared(file: string, root = SHARED): Promise<Buffer> {
  try {
    return await fs.readFile(path.join(root, file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new Error(
      `The sample file ${file} is missing from ${root}: these tests read real sample files from the shared data folder, ` +
        '../shared/data beside the checkout (see README, Development). Put it there, or set YADDAS_SHARED_DATA to where it is.',
    );
  }
}

export const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');
export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
export const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** A page-like image: light paper with dark marks that differ per seed (so pages differ). */
export async function pageImage(
  opts: { width?: number; height?: number; seed?: number; format?: 'tiff' | 'jpeg' | 'png' | 'webp'; bits16?: boolean } = {},
): Promise<Buffer> {
  const width = opts.width ?? 600;
  const height = opts.height ?? 800;
  const seed = opts.seed ?? 1;
  const marks = Array.from({ length: 12 }, (_, i) => {
    const x = (seed * 97 + i * 53) % (width - 60);
    const y = (seed * 31 + i * 67) % (height - 20);
    return `<rect x="${x}" y="${y}" width="${40 + ((seed + i) % 5) * 8}" height="8" fill="#222"/>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#f4efe4"/>${marks}</svg>`;
  let img = sharp(Buffer.from(svg)).flatten({ background: '#ffffff' });
  switch (opts.format ?? 'tiff') {
    case 'jpeg':
      return img.jpeg({ quality: 90 }).toBuffer();
    case 'png':
      return img.png().toBuffer();
    case 'webp':
      return img.webp({ quality: 90 }).toBuffer();
    default:
      if (opts.bits16) img = img.toColourspace('rgb16');
      return img.tiff({ compression: 'lzw' }).toBuffer();
  }
}

/** A two-page TIFF, as some scanners write a leaf with its verso. */
export async function multiPageTiff(): Promise<Buffer> {
  const pages = [await pageImage({ seed: 7, format: 'png' }), await pageImage({ seed: 8, format: 'png' })];
  return sharp(pages, { join: { animated: true } })
    .tiff({ compression: 'lzw' })
    .toBuffer();
}

/** A minimal valid PDF (one empty page). */
export function tinyPdf(opts: { version?: string /** an XMP packet for the catalog's /Metadata */; xmp?: string } = {}): Buffer {
  const objs = [
    `<< /Type /Catalog /Pages 2 0 R${opts.xmp ? ' /Metadata 4 0 R' : ''} >>`,
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
  ];
  if (opts.xmp)
    objs.push(`<< /Type /Metadata /Subtype /XML /Length ${Buffer.byteLength(opts.xmp, 'latin1')} >>\nstream\n${opts.xmp}\nendstream`);
  let body = `%PDF-${opts.version ?? '1.4'}\n`;
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

export function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(td) >>> 0);
  return Buffer.concat([len, td, crc]);
}

/**
 * A decompression bomb: a few hundred bytes whose header claims width × height pixels of
 * greyscale; a decoder that trusted it would try to allocate gigabytes.
 */
export function pngBomb(width = 60_000, height = 60_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const rows = zlib.deflateSync(Buffer.alloc((width + 1) * 16));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', rows),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export const truncate = (b: Buffer, keep = 0.5) => b.subarray(0, Math.floor(b.length * keep));

/** Writes files under a folder; returns their bytes by name. */
export async function writeItem(dir: string, files: Record<string, Buffer | string>): Promise<Record<string, Buffer>> {
  await fs.mkdir(dir, { recursive: true });
  const out: Record<string, Buffer> = {};
  for (const [name, content] of Object.entries(files)) {
    const b = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), b);
    out[name] = b;
  }
  return out;
}

/** Waits until `check` is true, polling. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
