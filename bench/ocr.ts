/**
 * `npm run bench:ocr` (also part of `npm run bench`): issues 4 and 14's measurements, in one run,
 * on two books of BENCH_OCR_PAGES (default 24) 300-dpi A4 pages each:
 *   - the issue-4 book: Azerbaijani (Latin), Russian and English pages in two fonts, read in
 *     aze+rus+eng;
 *   - a mixed-script book: Azerbaijani in Latin and in Cyrillic, Russian and English pages, one
 *     page in eight printed upside down or scanned sideways, read in aze+aze_cyrl+rus+eng.
 * Each book is measured four ways:
 *   1. tesseract.js alone: the pages, already prepared for OCR and upright, through an OcrPool of
 *      the size the pipeline uses (one engine per core), in all the book's languages;
 *   2. the whole Yaddaş pipeline, the book dropped into the inbox: inspect, store and verify,
 *      OCFL, script detection and OCR, derivatives and IIIF, the OCR's OCFL version, the
 *      searchable PDF and publication; from the drop until the item is published;
 *   3. OCRmyPDF (Debian's), `--jobs 2 --output-type pdfa`, the book's languages (and
 *      `--rotate-pages` for the mixed book), on a PDF of the same page images;
 *   4. peak memory and CPU of every process, and the character error rate of each side.
 * A measurement, not a test: exit 0 when a target is missed.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { PDFDocument } from 'pdf-lib';
import pino from 'pino';
import sharp from 'sharp';
import { OcrPool } from '../src/adapters/ocr-engine.js';
import { prepareOcrImage, type OcrImage } from '../src/adapters/ocr-image.js';
import { prepareTessdata } from '../src/adapters/tessdata.js';
import { FONTS, TEXTS, cer, textPage } from '../tests/helpers/text-pages.js';
import { cpuSeconds, peakRss, run, sleep } from './lib/proc.js';
import { MB, say, secs, summaryTable, table, verdict, type Row } from './lib/report.js';
import { REDIS_URL, ROLES, cleanRedis, logProblems, rolePids, startYaddas, stopYaddas, waitUntilUp, type Yaddas } from './lib/yaddas.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, HERE.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
const WORK = path.join(ROOT, 'bench/.work-ocr');
const N = Number(process.env.BENCH_OCR_PAGES ?? 24);
const ENGINES = Math.max(1, os.availableParallelism());
const QUIET_SECONDS = 1;
/** How the pipeline runs its stages: `one` process (npm start's default) or `per-stage` (BENCH_OCR_PROCESSES). */
const PROCESSES = process.env.BENCH_OCR_PROCESSES ?? 'one';
const rows: Row[] = [];
const odd: string[] = [];

/** A book to measure: its pages' languages and turns, the languages it is read in. */
interface Book {
  name: string;
  languages: string;
  /** the text language of page i */
  lang: (i: number) => keyof typeof TEXTS;
  /** degrees clockwise page i is scanned turned */
  turn: (i: number) => 0 | 90 | 180 | 270;
  /** OCRmyPDF's options beyond the common ones */
  peerOptions: string[];
}

const BOOKS: Book[] = [
  {
    name: 'issue-4 book',
    languages: 'aze+rus+eng',
    lang: (i) => (['aze', 'rus', 'eng'] as const)[i % 3]!,
    turn: () => 0,
    peerOptions: [],
  },
  {
    name: 'mixed-script book',
    languages: 'aze+aze_cyrl+rus+eng',
    lang: (i) => (['aze', 'aze_cyrl', 'rus', 'eng'] as const)[i % 4]!,
    // one page in eight turned: upside down, sideways one way, then the other
    turn: (i) => (i % 8 === 4 ? ([180, 90, 270] as const)[Math.floor(i / 8) % 3]! : 0),
    peerOptions: ['--rotate-pages'],
  },
];
const ppm = (pages: number, ms: number) => pages / (ms / 60_000);

interface Page {
  file: string;
  /** the page upright (for tesseract.js alone) */
  upright: string;
  truth: string;
  lang: string;
}

/** The book: pages cycling through its languages and both fonts, some scanned turned. */
async function writeBook(book: Book, dir: string): Promise<Page[]> {
  await fs.mkdir(dir, { recursive: true });
  const uprightDir = path.join(dir, '..', '..', 'upright');
  await fs.mkdir(uprightDir, { recursive: true });
  const pages: Page[] = [];
  for (let i = 0; i < N; i++) {
    const lang = book.lang(i);
    const p = await textPage(TEXTS[lang], { font: FONTS[Math.floor(i / 3) % FONTS.length], repeat: 3 });
    const name = `${String(i + 1).padStart(4, '0')}.tif`;
    const file = path.join(dir, name);
    const upright = path.join(uprightDir, name);
    await fs.writeFile(upright, p.image);
    const turn = book.turn(i);
    await fs.writeFile(
      file,
      turn
        ? await sharp(p.image)
            .rotate(turn)
            .tiff({ compression: 'lzw', xres: 300 / 25.4, yres: 300 / 25.4 })
            .toBuffer()
        : p.image,
    );
    pages.push({ file, upright, truth: p.text, lang });
  }
  await fs.writeFile(
    path.join(dir, 'metadata.json'),
    JSON.stringify(
      { identifier: `bench-ocr-${Date.now()}`, type: 'book', title: `OCR benchmark: ${book.name}`, ocrLanguages: book.languages },
      null,
      2,
    ),
  );
  return pages;
}

/** OCRmyPDF's input: the same page images, losslessly, one per PDF page at 300 dpi (not timed). */
async function writeInputPdf(pages: Page[], file: string): Promise<void> {
  const doc = await PDFDocument.create();
  for (const p of pages) {
    const png = await sharp(p.file).png({ compressionLevel: 6 }).toBuffer();
    const img = await doc.embedPng(png);
    const page = doc.addPage([(img.width * 72) / 300, (img.height * 72) / 300]);
    page.drawImage(img, { x: 0, y: 0, width: page.getWidth(), height: page.getHeight() });
  }
  await fs.writeFile(file, await doc.save());
}

/** 1. tesseract.js alone with the pipeline's pool size, on upright images already prepared for OCR. */
async function rawOcr(pages: Page[], languages: string): Promise<{ ms: number; peak: number | null; cer: number }> {
  const td = await prepareTessdata(path.join(WORK, 'raw'), '');
  const images: OcrImage[] = [];
  for (const p of pages) images.push(await prepareOcrImage(await fs.readFile(p.upright), { maxPixels: 1e9 }));
  const pool = new OcrPool({ langPath: td.dir, engines: ENGINES, recycleAfter: 100, pageTimeoutMs: 600_000, log: pino({ level: 'warn' }) });
  const texts: string[] = [];
  try {
    // Warm the engines (language loading is start-up, not reading), then time the pages.
    await Promise.all(Array.from({ length: ENGINES }, () => pool.recognize(images[0]!.image, languages, { dpi: 300 })));
    const t = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: ENGINES }, async () => {
        while (next < images.length) {
          const i = next++;
          texts[i] = (await pool.recognize(images[i]!.image, languages, { dpi: 300 })).text;
        }
      }),
    );
    return { ms: performance.now() - t, peak: await peakRss(process.pid), cer: bookCer(pages, texts) };
  } finally {
    await pool.close();
  }
}

/** Character error rate over a whole book: edits over the ground truth's characters. */
function bookCer(pages: Page[], texts: string[]): number {
  let edits = 0;
  let chars = 0;
  for (const [i, p] of pages.entries()) {
    edits += (cer(p.truth, texts[i] ?? '') * p.truth.length) / 100;
    chars += p.truth.length;
  }
  return (100 * edits) / chars;
}

/** 2. The book dropped into the inbox, until it is published with its OCR and PDF. */
async function pipeline(y: Yaddas, bookDir: string): Promise<{ ms: number; record: Record<string, string>; stages: string }> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const since = Date.now() - 1_000;
    const t = performance.now();
    await fs.rename(bookDir, path.join(y.inbox, path.basename(bookDir)));
    let ingestId: string | undefined;
    const seen: Array<{ stage: string; at: number }> = [];
    for (;;) {
      if (!ingestId) ingestId = (await redis.zrangebyscore(`${y.prefix}:yd:ingests`, since, '+inf'))[0];
      if (ingestId) {
        const rec = await redis.hgetall(`${y.prefix}:yd:ingest:${ingestId}`);
        const at = performance.now() - t;
        if (rec.stage && seen.at(-1)?.stage !== rec.stage) seen.push({ stage: rec.stage, at });
        if (rec.status === 'rejected' || rec.status === 'failed') throw new Error(`the book was ${rec.status}: ${rec.reason}`);
        if (rec.status === 'preserved' && rec.publication && !rec.stage) {
          const stages = seen.map((s, i) => `${s.stage} ${(((seen[i + 1]?.at ?? at) - s.at) / 1000).toFixed(1)}`).join(' | ');
          return { ms: at - QUIET_SECONDS * 1000, record: rec, stages };
        }
      }
      if (performance.now() - t > 3_600_000) throw new Error('the book was not published within an hour');
      await sleep(100);
    }
  } finally {
    redis.disconnect();
  }
}

/** One book measured four ways; its rows added to the summary. Returns what broke, if anything. */
async function measure(book: Book): Promise<string | undefined> {
  const work = path.join(WORK, book.name.replace(/\W+/g, '-'));
  const bookDir = path.join(work, 'src', 'ocr-book');
  const pages = await writeBook(book, bookDir);
  const inputPdf = path.join(work, 'ocrmypdf-in.pdf');
  await writeInputPdf(pages, inputPdf);
  const turned = pages.filter((_, i) => book.turn(i) !== 0).length;
  say(
    `#### ${book.name}: ${N} pages (${[...new Set(pages.map((p) => p.lang))].join(', ')}), ${turned} scanned turned, read in ${book.languages}\n`,
  );

  say('== 1. tesseract.js alone (same pool size, images prepared beforehand and upright, every language of the book)');
  const raw = await rawOcr(pages, book.languages);
  const rawPpm = ppm(N, raw.ms);
  say(`${secs(raw.ms)} for ${N} pages: ${rawPpm.toFixed(1)} pages/min; this process peaked at ${((raw.peak ?? 0) / MB).toFixed(0)} MB\n`);

  say(`== 2. the Yaddaş pipeline, the book dropped into the inbox (stages in ${PROCESSES === 'one' ? 'one process' : 'one process each'})`);
  const y = await startYaddas(work, ROOT, QUIET_SECONDS, {
    YADDAS_OCR: 'true',
    YADDAS_OCR_ENGINES: String(ENGINES),
    YADDAS_PROCESSES: PROCESSES,
  });
  let broken: string | undefined;
  let pipeMs = 0;
  const mem = new Map<string, number | null>();
  const cpu = new Map<string, number>();
  let yaddasCer: number | undefined;
  try {
    await waitUntilUp(y);
    const before = new Map<string, number>();
    for (const [role, pid] of await rolePids(y.pid)) before.set(role, (await cpuSeconds(pid)) ?? 0);
    before.set('supervisor + S3', (await cpuSeconds(y.pid)) ?? 0);
    const r = await pipeline(y, bookDir);
    for (const [role, pid] of await rolePids(y.pid)) cpu.set(role, ((await cpuSeconds(pid)) ?? 0) - (before.get(role) ?? 0));
    cpu.set('supervisor + S3', ((await cpuSeconds(y.pid)) ?? 0) - (before.get('supervisor + S3') ?? 0));
    pipeMs = r.ms;
    say(`${secs(pipeMs)} from the drop to published (quiet period subtracted): ${ppm(N, pipeMs).toFixed(1)} pages/min`);
    say(`  steps: ${r.stages}`);
    if (r.record.publication !== 'published') odd.push(`${book.name}: publication ${r.record.publication}: ${r.record.publicationReason}`);
    // What it read, from the access bucket through the public URL.
    const base = `${y.endpoint}/${y.accessBucket}/items/${r.record.itemId}`;
    const item = (await (await fetch(`${base}/item.json`)).json()) as {
      ocr?: { status?: string; meanConfidence?: number };
      pdf?: string | null;
      pages?: Array<{ ocr?: { languages?: string; detected?: { script?: string | null; turned?: number } } }>;
    };
    say(`  item.json: OCR ${item.ocr?.status}, mean confidence ${item.ocr?.meanConfidence}; PDF ${item.pdf ? 'published' : 'missing'}`);
    const read = (item.pages ?? []).map(
      (p) =>
        `${p.ocr?.detected?.script ?? '?'} ${p.ocr?.languages ?? '?'}${p.ocr?.detected?.turned ? ` turned ${p.ocr.detected.turned}` : ''}`,
    );
    const groups = [...read.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>())].map(([k, n]) => `${n}× ${k}`);
    say(`  pages: ${groups.join('; ')}`);
    const texts: string[] = [];
    for (let i = 0; i < pages.length; i++)
      texts.push(await (await fetch(`${base}/pages/${String(i + 1).padStart(4, '0')}/ocr.txt`)).text());
    yaddasCer = bookCer(pages, texts);
    for (const [i, p] of pages.entries())
      if (book.turn(i))
        say(
          `  page ${i + 1} scanned turned ${book.turn(i)}°: shown turned ${item.pages?.[i]?.ocr?.detected?.turned ?? 0}°, character error rate ${cer(p.truth, texts[i] ?? '').toFixed(2)} %`,
        );
    const pids = await rolePids(y.pid);
    for (const role of PROCESSES === 'one' ? ['stages'] : ROLES) mem.set(role, pids.has(role) ? await peakRss(pids.get(role)!) : null);
    mem.set('supervisor + S3', await peakRss(y.pid));
  } catch (err) {
    broken = `${book.name}: ${(err as Error).message}`;
  } finally {
    const stop = await stopYaddas(y);
    if (stop.forced) odd.push('Yaddaş did not drain within 180 s of SIGTERM');
    await cleanRedis(y.prefix);
    const problems = logProblems(y.logFile);
    if (problems.length > 0)
      odd.push(`${book.name}: Yaddaş logged ${problems.length} warnings/errors, first: ${problems.slice(0, 5).join(' / ')}`);
  }
  say('');

  const peerArgs = ['--jobs', '2', '--output-type', 'pdfa', ...book.peerOptions, '-l', book.languages];
  say(`== 3. OCRmyPDF ${peerArgs.join(' ')}`);
  const out = path.join(work, 'ocrmypdf-out.pdf');
  const o = await run('ocrmypdf', [...peerArgs, inputPdf, out], { ...process.env, OMP_THREAD_LIMIT: '1' });
  let theirCer: number | undefined;
  if (o.code !== 0) odd.push(`${book.name}: ocrmypdf exited ${o.code}: ${o.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  else theirCer = bookCer(pages, (await run('pdftotext', ['-enc', 'UTF-8', out, '-'])).stdout.split('\f'));
  // A peer that did not run (not installed, or failed) has no figure: no ratio is made up from it.
  const theirPpm = o.code === 0 ? ppm(N, o.ms) : Number.NaN;
  say(o.code === 0 ? `${secs(o.ms)} for ${N} pages: ${theirPpm.toFixed(1)} pages/min\n` : 'OCRmyPDF did not run: no figure\n');

  say('== 4. each Yaddaş process: peak resident memory (VmHWM) and CPU time spent on the book');
  say(
    table(
      ['process', 'peak RSS', 'CPU'],
      [...mem].map(([r, b]) => [r, b == null ? '-' : `${(b / MB).toFixed(0)} MB`, cpu.has(r) ? `${cpu.get(r)!.toFixed(1)} s` : '-']),
    ),
  );
  const total = [...cpu.values()].reduce((a, b) => a + b, 0);
  say(`  CPU in all: ${total.toFixed(1)} s on ${ENGINES} cores; tesseract.js alone used about ${((raw.ms / 1000) * ENGINES).toFixed(1)} s`);
  say('');

  const yPpm = pipeMs ? ppm(N, pipeMs) : 0;
  const overhead = pipeMs ? (pipeMs / raw.ms - 1) * 100 : NaN;
  rows.push({ what: `${book.name} (${book.languages})`, value: '', target: '', verdict: '' });
  rows.push({
    what: `  tesseract.js alone, pool of ${ENGINES}`,
    value: `${rawPpm.toFixed(1)} pages/min (${secs(raw.ms)})`,
    target: '(reference)',
    verdict: '',
  });
  rows.push({ what: '  OCRmyPDF', value: `${theirPpm.toFixed(1)} pages/min (${secs(o.ms)})`, target: '(peer)', verdict: '' });
  rows.push({
    what: '  Yaddaş whole pipeline, inbox to published',
    value: `${yPpm.toFixed(1)} pages/min (${secs(pipeMs)})`,
    target: `≥ 1.5× OCRmyPDF = ${(1.5 * theirPpm).toFixed(1)}`,
    verdict: verdict(yPpm >= 1.5 * theirPpm),
  });
  rows.push({ what: '    Yaddaş ÷ OCRmyPDF', value: `${(yPpm / theirPpm).toFixed(2)}×`, target: '≥ 1.5×', verdict: '' });
  rows.push({
    what: '  pipeline time over raw OCR time',
    value: `${overhead >= 0 ? '+' : ''}${overhead.toFixed(0)} %`,
    target: '< 10 %',
    verdict: verdict(overhead < 10),
  });
  rows.push({ what: '  CPU, all Yaddaş processes', value: `${total.toFixed(1)} s`, target: '(reported)', verdict: '' });
  for (const [r, b] of mem)
    if (b != null) rows.push({ what: `  peak RSS, ${r}`, value: `${(b / MB).toFixed(0)} MB`, target: '(reported)', verdict: '' });
  rows.push({ what: '  character error rate, tesseract.js alone', value: `${raw.cer.toFixed(2)} %`, target: '(reported)', verdict: '' });
  if (theirCer !== undefined)
    rows.push({
      what: '  character error rate, OCRmyPDF (native tesseract)',
      value: `${theirCer.toFixed(2)} %`,
      target: '(peer)',
      verdict: '',
    });
  if (yaddasCer !== undefined)
    rows.push({
      what: '  character error rate, Yaddaş',
      value: `${yaddasCer.toFixed(2)} %`,
      target: '≤ native tesseract',
      verdict: theirCer === undefined ? '' : verdict(yaddasCer <= theirCer),
    });
  return broken;
}

async function main(): Promise<number> {
  if (!Number.isInteger(N) || N < 1) throw new Error('BENCH_OCR_PAGES must be a whole number ≥ 1');
  await fs.rm(WORK, { recursive: true, force: true });
  await fs.mkdir(WORK, { recursive: true });
  const ocrmypdf = await run('ocrmypdf', ['--version']);
  const tess = await run('tesseract', ['--version']);
  say(`Yaddaş OCR benchmark (issues 4 and 14), ${new Date().toISOString()}`);
  say(`machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`);
  say(
    `peers: OCRmyPDF ${ocrmypdf.stdout.trim() || '(missing: apt-get install ocrmypdf)'} with ${tess.stdout.split('\n')[0] ?? 'tesseract ?'}; tesseract.js pool of ${ENGINES}`,
  );
  say('input: 300-dpi A4 pages (2480×3508, 8-bit grey LZW TIFF) of the test texts in DejaVu Sans and Serif, three times over\n');
  const only = process.env.BENCH_OCR_BOOKS?.split(',');
  const broken: string[] = [];
  for (const book of BOOKS.filter((b) => !only || only.some((o) => b.name.startsWith(o)))) {
    const b = await measure(book);
    if (b) broken.push(b);
  }
  say('== summary');
  say(summaryTable(rows));
  if (odd.length) say(`\nworth a look:\n${odd.map((x) => `  - ${x}`).join('\n')}`);
  if (broken.length) say(`\nBROKEN: ${broken.join('; ')}`);
  if (process.env.BENCH_KEEP !== '1') await fs.rm(WORK, { recursive: true, force: true });
  return broken.length ? 1 : 0;
}

process.exit(
  await main().catch((err) => {
    say(`BROKEN: ${(err as Error).stack ?? err}`);
    return 1;
  }),
);
