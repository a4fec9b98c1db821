/**
 * `npm run bench:memory` (issue 14, part 4): peak memory of the two jobs that used to hold a whole
 * item's pixels, each measured in a process of its own (VmHWM, worker threads included) beside the
 * way it was done before, in the same run.
 *   1. OCR of a 20000×25000 map scanned at 300 dpi (500 million pixels): the OCR stage's way now
 *      (the master in a file, the OCR image written once as a tiled TIFF and read a tile at a
 *      time by the engine), against the way before (the OCR image made in memory, whole: only
 *      made here, not read, since Tesseract cannot take 500 MB of pixels in its 2 GB heap anyway).
 *   2. The searchable PDF of a 1,000-page book (access JPEGs of 1600 pixels, a text layer of 330
 *      words a page): the PDF stage's writer now (one page's image and words at a time, streamed
 *      to a file), against pdf-lib holding every image and saving the file to memory, as before.
 * Target: under 1 GB peak for each job. A measurement, not a test: exit 0 when a target is missed.
 * BENCH_MAP_WIDTH/HEIGHT and BENCH_PDF_PAGES change the sizes.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PDFDocument } from 'pdf-lib';
import pino from 'pino';
import sharp, { type OverlayOptions } from 'sharp';
import { OcrPool } from '../src/adapters/ocr-engine.js';
import { ocrTileImage, planOcrImage, prepareOcrImage, prepareOcrTiles } from '../src/adapters/ocr-image.js';
import { writeSearchablePdf } from '../src/adapters/searchable-pdf.js';
import { prepareTessdata } from '../src/adapters/tessdata.js';
import type { OcrPage } from '../src/domain/ocr-page.js';
import { fromTesseract, joinTiles, type TesseractPage } from '../src/stages/ocr/ocr.core.js';
import { TEXTS, textPage } from '../tests/helpers/text-pages.js';
import { peakRss } from './lib/proc.js';
import { MB, say, secs, summaryTable, verdict, type Row } from './lib/report.js';

const exec = promisify(execFile);
const HERE = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(HERE), HERE.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
const WORK = path.join(ROOT, 'bench/.work-memory');
const MAP_W = Number(process.env.BENCH_MAP_WIDTH ?? 20000);
const MAP_H = Number(process.env.BENCH_MAP_HEIGHT ?? 25000);
const PDF_PAGES = Number(process.env.BENCH_PDF_PAGES ?? 1000);
const LIMIT = 1e9;

/** Place names printed over the map, in the three scripts, every 2,000 pixels. */
const NAMES = ['Bakı', 'Gəncə', 'Şəki', 'Lənkəran', 'Баку', 'Гянджа', 'Шеки', 'Naxçıvan', 'Quba', 'Xaçmaz'];

/** The map master: white paper, a grid of lines and names, 300 dpi, LZW TIFF (made in its own process). */
async function makeMap(file: string): Promise<void> {
  const labels: OverlayOptions[] = [];
  let k = 0;
  for (let y = 600; y < MAP_H - 200; y += 2000)
    for (let x = 400; x < MAP_W - 1200; x += 2000) {
      const name = NAMES[k++ % NAMES.length]!;
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1100" height="120"><text x="10" y="90" font-family="DejaVu Sans" font-size="72" fill="#202020">${name} ${k}</text></svg>`;
      labels.push({ input: Buffer.from(svg), left: x, top: y });
    }
  await sharp({ create: { width: MAP_W, height: MAP_H, channels: 3, background: '#ffffff' }, limitInputPixels: false })
    .composite(labels)
    .greyscale()
    .withMetadata({ density: 300 })
    .tiff({ compression: 'lzw', xres: 300 / 25.4, yres: 300 / 25.4 })
    .toFile(file);
}

/** The OCR stage's way: plan, tiles on disk, one tile at a time through the engine. */
async function ocrTiled(master: string): Promise<string> {
  const td = await prepareTessdata(path.join(WORK, 'td'), '');
  const pool = new OcrPool({ langPath: td.dir, engines: 1, recycleAfter: 100, pageTimeoutMs: 600_000, log: pino({ level: 'warn' }) });
  try {
    const plan = await planOcrImage(master, { maxPixels: 2e9 });
    const file = path.join(WORK, 'ocr.tif');
    const tiles = await prepareOcrTiles(master, plan, file, { maxPixels: 2e9 });
    const parts: OcrPage[] = [];
    for (const t of tiles) {
      const r = await pool.recognize(await ocrTileImage(file, t), 'aze+rus', { dpi: 300 });
      parts.push(
        fromTesseract(r as unknown as TesseractPage, { page: 1, source: 'map.tif', subpage: 0, languages: r.loadedAs, ...plan, tile: t }),
      );
    }
    const page = joinTiles(parts);
    return `${tiles.length} tiles, ${page.words} words`;
  } finally {
    await pool.close();
  }
}

/** The way before: the OCR image of the whole map in memory (the first thing the stage did). */
async function ocrWhole(master: string): Promise<string> {
  const img = await prepareOcrImage(master, { maxPixels: 2e9 });
  return `an OCR image of ${(img.image.length / MB).toFixed(0)} MB in memory (not read)`;
}

/** A page's words as OCR gives them: 330 words in 30 lines over an A4 page at 300 dpi. */
function somePage(page: number): OcrPage {
  const words = TEXTS.aze.split(' ');
  const lines = Array.from({ length: 30 }, (_, l) => ({
    box: [230, 300 + l * 100, 2250, 360 + l * 100] as [number, number, number, number],
    words: Array.from({ length: 11 }, (_, i) => ({
      text: words[(l * 11 + i) % words.length]!,
      box: [230 + i * 180, 300 + l * 100, 400 + i * 180, 360 + l * 100] as [number, number, number, number],
      conf: 93,
    })),
  }));
  return {
    page,
    source: `${page}.tif`,
    subpage: 0,
    width: 2480,
    height: 3508,
    languages: 'aze',
    meanConfidence: 93,
    words: 330,
    blocks: [{ box: [230, 300, 2250, 3360], paragraphs: [{ box: [230, 300, 2250, 3360], lines }] }],
  };
}

/** Eight different access JPEGs (1131×1600), each handed out as a fresh copy, as a fetch would be. */
async function accessJpegs(): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < 8; i++) {
    const p = await textPage(Object.values(TEXTS)[i % 4]!, { format: 'png', repeat: 3, grain: true });
    out.push(await sharp(p.image).resize(1131, 1600).jpeg({ quality: 85 }).toBuffer());
  }
  return out;
}

async function pdfStreamed(): Promise<string> {
  const jpegs = await accessJpegs();
  const file = path.join(WORK, 'book.pdf');
  const r = await writeSearchablePdf(
    Array.from({ length: PDF_PAGES }, (_, i) => ({
      width: 2480,
      height: 3508,
      dpi: 300,
      jpeg: async () => Buffer.from(jpegs[i % jpegs.length]!),
      ocr: async () => somePage(i + 1),
    })),
    { title: 'Memory benchmark', created: new Date('2026-12-01T00:00:00Z'), producer: 'Yaddaş' },
    file,
  );
  await exec('qpdf', ['--check', file], { maxBuffer: 64 * 1024 * 1024 }).catch((err: Error) => {
    throw new Error(`qpdf --check failed on the streamed PDF: ${err.message.slice(0, 300)}`);
  });
  return `${r.pages} pages, ${(r.bytes / MB).toFixed(0)} MB, qpdf --check clean`;
}

/** As before: every image embedded in one pdf-lib document, the file saved to memory. */
async function pdfInMemory(): Promise<string> {
  const jpegs = await accessJpegs();
  const doc = await PDFDocument.create();
  for (let i = 0; i < PDF_PAGES; i++) {
    const img = await doc.embedJpg(new Uint8Array(Buffer.from(jpegs[i % jpegs.length]!)));
    const page = doc.addPage([595.2, 841.9]);
    page.drawImage(img, { x: 0, y: 0, width: 595.2, height: 841.9 });
    // (the text layer left out: this side is measured with less work than the stage did)
    void somePage(i + 1);
  }
  const bytes = await doc.save({ useObjectStreams: false });
  return `${PDF_PAGES} pages, ${(bytes.length / MB).toFixed(0)} MB saved in memory (images only)`;
}

const CASES: Record<string, (arg: string) => Promise<string>> = {
  'make-map': async (file) => {
    await makeMap(file);
    return 'made';
  },
  'ocr-tiled': ocrTiled,
  'ocr-whole': ocrWhole,
  'pdf-streamed': pdfStreamed,
  'pdf-in-memory': pdfInMemory,
};

/** Runs one case in a process of its own; its peak resident memory and what it did. */
async function inChild(name: string, arg = ''): Promise<{ peak: number; note: string; ms: number }> {
  const t = performance.now();
  const { stdout } = await exec(process.execPath, [HERE, '--case', name, arg], { maxBuffer: 16 * 1024 * 1024, env: process.env });
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as { peak: number; note: string };
  return { ...r, ms: performance.now() - t };
}

async function main(): Promise<number> {
  const rows: Row[] = [];
  await fs.rm(WORK, { recursive: true, force: true });
  await fs.mkdir(WORK, { recursive: true });
  say(`Yaddaş memory benchmark (issue 14, part 4), ${new Date().toISOString()}`);
  say(`machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB\n`);
  const map = path.join(WORK, 'map.tif');
  await inChild('make-map', map);
  say(
    `== 1. OCR of a ${MAP_W}×${MAP_H} map at 300 dpi (${((MAP_W * MAP_H) / 1e6).toFixed(0)} million pixels, ${((await fs.stat(map)).size / MB).toFixed(0)} MB LZW TIFF)`,
  );
  const tiled = await inChild('ocr-tiled', map);
  say(`  now, in tiles:           peak ${(tiled.peak / MB).toFixed(0)} MB, ${secs(tiled.ms)}; ${tiled.note}`);
  const whole = await inChild('ocr-whole', map);
  say(`  before, the image whole: peak ${(whole.peak / MB).toFixed(0)} MB, ${secs(whole.ms)}; ${whole.note}`);
  rows.push({
    what: `OCR of a ${MAP_W}×${MAP_H} map, peak RSS`,
    value: `${(tiled.peak / MB).toFixed(0)} MB`,
    target: '< 1000 MB',
    verdict: verdict(tiled.peak < LIMIT),
  });
  rows.push({
    what: '  before (OCR image made whole, not read)',
    value: `${(whole.peak / MB).toFixed(0)} MB`,
    target: '(peer)',
    verdict: '',
  });

  say(`\n== 2. the searchable PDF of a ${PDF_PAGES}-page book`);
  const streamed = await inChild('pdf-streamed');
  say(`  now, streamed:           peak ${(streamed.peak / MB).toFixed(0)} MB, ${secs(streamed.ms)}; ${streamed.note}`);
  const inMemory = await inChild('pdf-in-memory');
  say(`  before, pdf-lib whole:   peak ${(inMemory.peak / MB).toFixed(0)} MB, ${secs(inMemory.ms)}; ${inMemory.note}`);
  rows.push({
    what: `PDF of a ${PDF_PAGES}-page book, peak RSS`,
    value: `${(streamed.peak / MB).toFixed(0)} MB`,
    target: '< 1000 MB',
    verdict: verdict(streamed.peak < LIMIT),
  });
  rows.push({
    what: '  before (pdf-lib, every image held)',
    value: `${(inMemory.peak / MB).toFixed(0)} MB`,
    target: '(peer)',
    verdict: '',
  });
  say('\n== summary');
  say(summaryTable(rows));
  if (process.env.BENCH_KEEP !== '1') await fs.rm(WORK, { recursive: true, force: true });
  return 0;
}

const at = process.argv.indexOf('--case');
if (at >= 0) {
  const name = process.argv[at + 1]!;
  const note = await CASES[name]!(process.argv[at + 2] ?? '');
  process.stdout.write(`${JSON.stringify({ peak: (await peakRss(process.pid)) ?? 0, note })}\n`);
  process.exit(0);
} else {
  process.exit(
    await main().catch((err) => {
      say(`BROKEN: ${(err as Error).stack ?? err}`);
      return 1;
    }),
  );
}
