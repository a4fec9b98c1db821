/**
 * Every accepted format and version gets its PRONOM identity from its content, as DROID's
 * signatures give it: files made with sharp and by hand, identified by the same probe inspect uses.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeFile } from '../../src/adapters/image-probe.js';
import { iccProfileName } from '../../src/domain/pronom.js';
import { pageImage, pngChunk, tinyPdf } from '../helpers/fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'yaddas-pronom-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function identify(name: string, bytes: Buffer) {
  const file = path.join(dir, name);
  await fs.writeFile(file, bytes);
  const r = await probeFile(file, name, 1e9);
  if (!r.ok) throw new Error(`${name}: ${r.problem.message} ${r.problem.detail ?? ''}`);
  return r.result;
}

/** A JPEG with a JFIF APP0 of version 1.<minor> first, as scanner software writes them (libvips writes none). */
function jfifVersion(jpeg: Buffer, minor: number): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0', 'latin1'), 1, minor, 1, 0, 0x48, 0, 0x48, 0, 0]);
  return Buffer.concat([jpeg.subarray(0, 2), app0, jpeg.subarray(2)]);
}

/** An Exif APP1 segment whose Exif IFD holds ExifVersion `v` ("0220"), big-endian TIFF structure. */
function exifApp1(v: string): Buffer {
  const tiff = Buffer.alloc(8 + 2 + 12 + 4 + 2 + 12 + 4);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(1, 8); // IFD0: one entry, the Exif IFD pointer
  tiff.writeUInt16BE(0x8769, 10);
  tiff.writeUInt16BE(4, 12);
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt32BE(26, 18);
  tiff.writeUInt32BE(0, 22);
  tiff.writeUInt16BE(1, 26); // Exif IFD: ExifVersion, UNDEFINED × 4, inline
  tiff.writeUInt16BE(0x9000, 28);
  tiff.writeUInt16BE(7, 30);
  tiff.writeUInt32BE(4, 32);
  tiff.write(v, 36, 'latin1');
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** A JPEG whose first segment is Exif, as a camera writes it. */
function exifFirst(jpeg: Buffer, v: string): Buffer {
  return Buffer.concat([jpeg.subarray(0, 2), exifApp1(v), jpeg.subarray(2)]);
}

/** A TIFF with one extra tag in its first directory (GeoKeyDirectory, TIFF/EPStandardID), written by hand. */
function tiffWithTag(tag: number): Buffer {
  const entries = (
    [
      [256, 3, 1, 8], // width
      [257, 3, 1, 8], // height
      [258, 3, 1, 8], // bits per sample
      [259, 3, 1, 1], // no compression
      [262, 3, 1, 1], // min-is-black
      [273, 4, 1, 0], // strip offset, patched below
      [277, 3, 1, 1],
      [278, 3, 1, 8],
      [279, 4, 1, 64],
      [tag, 3, 1, 1],
    ] as Array<[number, number, number, number]>
  ).sort((a, b) => a[0] - b[0]);
  const ifdSize = 2 + entries.length * 12 + 4;
  const b = Buffer.alloc(8 + ifdSize + 64, 0x80);
  b.write('II', 0, 'latin1');
  b.writeUInt16LE(42, 2);
  b.writeUInt32LE(8, 4);
  b.writeUInt16LE(entries.length, 8);
  entries.forEach(([t, type, count, value], i) => {
    const at = 10 + i * 12;
    b.writeUInt16LE(t, at);
    b.writeUInt16LE(type, at + 2);
    b.writeUInt32LE(count, at + 4);
    if (type === 3) b.writeUInt16LE(value, at + 8);
    else b.writeUInt32LE(t === 273 ? 8 + ifdSize : value, at + 8);
  });
  b.writeUInt32LE(0, 10 + entries.length * 12);
  return b;
}

function withChunk(png: Buffer, type: string, data: Buffer): Buffer {
  const iend = png.length - 12; // IEND is the last 12 bytes
  return Buffer.concat([png.subarray(0, iend), pngChunk(type, data), png.subarray(iend)]);
}

const xmp = (part: string, conformance: string, element = false) =>
  `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"${
    element
      ? `><pdfaid:part>${part}</pdfaid:part><pdfaid:conformance>${conformance}</pdfaid:conformance></rdf:Description>`
      : ` pdfaid:part="${part}" pdfaid:conformance="${conformance}"/>`
  }</rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;

describe('PRONOM identity of every accepted format', () => {
  it('TIFF: generic fmt/353 with its compression; GeoTIFF and TIFF/EP by their tags', async () => {
    const lzw = await identify('a.tif', await pageImage({ width: 64, height: 64 }));
    expect(lzw.registry).toEqual({ puid: 'fmt/353', name: 'Tagged Image File Format', mime: 'image/tiff' });
    expect(lzw.image?.compression).toBe('LZW');
    const raw = await identify(
      'b.tif',
      await sharp(await pageImage({ width: 64, height: 64 }))
        .tiff({ compression: 'none' })
        .toBuffer(),
    );
    expect(raw.image?.compression).toBe('Uncompressed');
    expect((await identify('geo.tif', tiffWithTag(34735))).registry?.puid).toBe('fmt/155');
    expect((await identify('ep.tif', tiffWithTag(37398))).registry?.puid).toBe('fmt/154');
  });

  it('JPEG: JFIF 1.00, 1.01, 1.02 (fmt/42-44), Exif-first (x-fmt/391, fmt/645), raw (fmt/41)', async () => {
    const jpeg = await pageImage({ width: 64, height: 64, format: 'jpeg' });
    const j101 = await identify('a.jpg', jfifVersion(jpeg, 1));
    expect(j101.registry).toEqual({ puid: 'fmt/43', name: 'JPEG File Interchange Format', version: '1.01', mime: 'image/jpeg' });
    expect(j101.image?.compression).toBe('JPEG (baseline DCT)');
    expect((await identify('b.jpg', jfifVersion(jpeg, 0))).registry?.puid).toBe('fmt/42');
    expect((await identify('c.jpg', jfifVersion(jpeg, 2))).registry).toMatchObject({ puid: 'fmt/44', version: '1.02' });
    expect((await identify('d.jpg', exifFirst(jpeg, '0220'))).registry).toMatchObject({ puid: 'x-fmt/391', version: '2.2' });
    expect((await identify('e.jpg', exifFirst(jpeg, '0221'))).registry).toMatchObject({ puid: 'fmt/645', version: '2.2.1' });
    expect((await identify('f.jpg', jpeg)).registry?.puid).toBe('fmt/41'); // libvips writes no APP0
    const progressive = await sharp(jpeg).jpeg({ progressive: true }).toBuffer();
    expect((await identify('g.jpg', progressive)).image?.compression).toBe('JPEG (progressive DCT)');
  });

  it('PNG 1.0, 1.1 (sRGB / iCCP) and 1.2 (iTXt): fmt/11, 12, 13; the ICC profile by its own name', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#abc' } })
      .png()
      .toBuffer();
    expect((await identify('a.png', png)).registry).toMatchObject({ puid: 'fmt/11', version: '1.0' });
    const tagged = await sharp(png).withIccProfile('srgb').png().toBuffer();
    const r = await identify('b.png', tagged);
    expect(r.registry).toMatchObject({ puid: 'fmt/12', version: '1.1' });
    expect(r.image?.iccProfile).toBe(iccProfileName((await sharp(tagged).metadata()).icc!));
    expect(r.image?.iccProfile).toMatch(/sRGB/);
    const itxt = withChunk(png, 'iTXt', Buffer.from('Title\0\0\0\0\0Kitab', 'latin1'));
    expect((await identify('c.png', itxt)).registry).toMatchObject({ puid: 'fmt/13', version: '1.2' });
  });

  it('WebP lossy, lossless and extended: fmt/566, 567, 568', async () => {
    const base = sharp({ create: { width: 8, height: 8, channels: 3, background: '#abc' } });
    expect((await identify('a.webp', await base.clone().webp().toBuffer())).registry?.puid).toBe('fmt/566');
    expect((await identify('b.webp', await base.clone().webp({ lossless: true }).toBuffer())).registry?.puid).toBe('fmt/567');
    const alpha = await sharp({ create: { width: 8, height: 8, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } } })
      .withIccProfile('srgb')
      .webp()
      .toBuffer();
    expect((await identify('c.webp', alpha)).registry?.puid).toBe('fmt/568');
  });

  it('PDF 1.0–1.7 and 2.0 by header; PDF/A-1b, 2b, 3u by their XMP claim', async () => {
    const want: Record<string, string> = {
      '1.0': 'fmt/14',
      '1.1': 'fmt/15',
      '1.2': 'fmt/16',
      '1.3': 'fmt/17',
      '1.4': 'fmt/18',
      '1.5': 'fmt/19',
      '1.6': 'fmt/20',
      '1.7': 'fmt/276',
      '2.0': 'fmt/1129',
    };
    for (const [version, puid] of Object.entries(want))
      expect((await identify(`v${version}.pdf`, tinyPdf({ version }))).registry, version).toMatchObject({ puid, version });
    expect((await identify('a1b.pdf', tinyPdf({ version: '1.4', xmp: xmp('1', 'B') }))).registry).toMatchObject({
      puid: 'fmt/354',
      version: '1b',
    });
    const a2b = await identify('a2b.pdf', tinyPdf({ version: '1.7', xmp: xmp('2', 'B', true) }));
    expect(a2b.registry).toMatchObject({ puid: 'fmt/477', name: 'Acrobat PDF/A - Portable Document Format' });
    expect(a2b.pdf?.pdfa).toBe('2b');
    expect((await identify('a3u.pdf', tinyPdf({ version: '1.7', xmp: xmp('3', 'U') }))).registry?.puid).toBe('fmt/481');
  });
});
