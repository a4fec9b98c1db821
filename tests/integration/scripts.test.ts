/**
 * A book that mixes scripts, as the libraries' books do: Azerbaijani in Latin and in Cyrillic,
 * Russian and English pages, one printed upside down and two scanned sideways, rendered from
 * known text. Each page's script and orientation are detected, the page is read only in the
 * item's languages of its script and upright, and its derivatives are shown upright. Every page's
 * character error rate is held to the native tesseract CLI's on the same page read alone, upright,
 * with its right languages (plus half a point); the record, item.json, ALTO and the PREMIS event
 * say what was detected.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestRecord } from '../../src/domain/ingest-record.js';
import { ingestUntilPublished, nativeTesseract as nativeCli } from '../helpers/ocr-runs.js';
import { startHarness, yaddas, type Harness } from '../helpers/harness.js';
import { FONTS, TEXTS, cer, normalizeText, textPage, type TextLanguage } from '../helpers/text-pages.js';
import { validateXml } from '../helpers/xml-schemas.js';

let h: Harness;
let tessdata: string;
beforeAll(async () => {
  h = await startHarness({ env: { YADDAS_OCR: 'true', YADDAS_OCR_ENGINES: '2', YADDAS_ACCESS_SIZE: '1600' } });
  tessdata = (await h.app.ocr()).tessdataDir;
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

const ingest = (name: string, files: Record<string, Buffer | string>, timeoutMs?: number): Promise<IngestRecord> =>
  ingestUntilPublished(h, name, files, timeoutMs);

const get = async (key: string) => (await h.app.access.getBuffer(key))!;
const text = async (key: string) => (await get(key)).toString('utf8');

const nativeTesseract = (file: string, languages: string) => nativeCli(file, languages, tessdata);

/** The pages of the book: text, font, the languages that page alone needs, and how it was scanned. */
const PAGES: Array<{ lang: TextLanguage; right: string; script: string; font: number; turned: 0 | 90 | 180 | 270 }> = [
  { lang: 'aze', right: 'aze', script: 'Latin', font: 1, turned: 0 },
  { lang: 'aze_cyrl', right: 'aze_cyrl', script: 'Cyrillic', font: 1, turned: 0 },
  { lang: 'rus', right: 'rus', script: 'Cyrillic', font: 0, turned: 0 },
  { lang: 'eng', right: 'eng', script: 'Latin', font: 0, turned: 0 },
  // upside down: printed so, or fed into the scanner the wrong way
  { lang: 'rus', right: 'rus', script: 'Cyrillic', font: 1, turned: 180 },
  // sideways, both ways
  { lang: 'eng', right: 'eng', script: 'Latin', font: 1, turned: 90 },
  { lang: 'aze', right: 'aze', script: 'Latin', font: 0, turned: 270 },
];
/** The degrees clockwise that turn a page scanned `turned` upright again. */
const back = (turned: number) => ((360 - turned) % 360) as 0 | 90 | 180 | 270;

describe('pages read in their own script', () => {
  it('detects each page’s script and orientation, reads it upright in its script’s languages, at least as well as the tesseract CLI given the right languages', async () => {
    const pages: Array<(typeof PAGES)[number] & { name: string; upright: Buffer; scanned: Buffer; truth: string }> = [];
    for (const [i, p] of PAGES.entries()) {
      const upright = await textPage(TEXTS[p.lang], { font: FONTS[p.font], repeat: 2 });
      const scanned = p.turned
        ? await sharp(upright.image)
            .rotate(p.turned)
            .tiff({ compression: 'lzw', xres: 300 / 25.4, yres: 300 / 25.4 })
            .toBuffer()
        : upright.image;
      pages.push({ ...p, name: `${String(i + 1).padStart(2, '0')}.tif`, upright: upright.image, scanned, truth: upright.text });
    }
    const id = 'kitab-scripts';
    const ours = ingest(id, {
      ...Object.fromEntries(pages.map((p) => [p.name, p.scanned])),
      'metadata.json': JSON.stringify({ identifier: id, type: 'book', ocrLanguages: 'aze+aze_cyrl+rus+eng' }),
    });
    // The CLI on each page alone, upright, with that page's right languages: two at a time.
    const native: string[] = [];
    await Promise.all(
      [0, 1].map(async (lane) => {
        for (let i = lane; i < pages.length; i += 2) {
          const f = path.join(h.dir, 'pages', pages[i]!.name);
          await fs.mkdir(path.dirname(f), { recursive: true });
          await fs.writeFile(f, pages[i]!.upright);
          native[i] = await nativeTesseract(f, pages[i]!.right);
        }
      }),
    );
    const rec = await ours;
    expect(rec.publication, rec.publicationReason).toBe('published');

    const inv = (await h.app.preservation.readInventory(id))!;
    const record = JSON.parse((await h.app.preservation.readLogical(inv, 'item.json'))!.toString('utf8'));
    const published = JSON.parse(await text(`items/${id}/item.json`));
    const rows: string[] = [];
    for (const [i, p] of pages.entries()) {
      const key = String(i + 1).padStart(4, '0');
      const page = record.ocr.pages.find((x: { page: number }) => x.page === i + 1);
      rows.push(
        `  ${p.name} ${p.lang.padEnd(8)} scanned ${String(p.turned).padStart(3)}°  found ${JSON.stringify(page.detected)} → read in ${page.languages.padEnd(12)} Yaddaş ${cer(p.truth, await text(`items/${id}/pages/${key}/ocr.txt`)).toFixed(2)}%  CLI (${p.right}, upright) ${cer(p.truth, native[i]!).toFixed(2)}%`,
      );
    }
    console.log(`per-page script detection and character error rates:\n${rows.join('\n')}`);
    for (const [i, p] of pages.entries()) {
      const key = String(i + 1).padStart(4, '0');
      const oursCer = cer(p.truth, await text(`items/${id}/pages/${key}/ocr.txt`));
      const cliCer = cer(p.truth, native[i]!);
      const page = record.ocr.pages.find((x: { page: number }) => x.page === i + 1);
      // The record names the page's script and the languages it was read in: that script's only.
      expect(page.detected, p.name).toMatchObject({
        script: p.script,
        language: p.lang,
        orientation: back(p.turned),
        turned: back(p.turned),
        languagesFrom: 'script',
      });
      // that script's languages only (the page's own first where that read better)
      expect(page.languages.split('+').sort(), p.name).toEqual(p.script === 'Latin' ? ['aze', 'eng'] : ['aze_cyrl', 'rus']);
      expect(oursCer, `${p.name}: Yaddaş ${oursCer.toFixed(2)}% vs CLI ${cliCer.toFixed(2)}%`).toBeLessThanOrEqual(cliCer + 0.5);
      // item.json carries the same, for catalogues and viewers.
      const pub = published.pages.find((x: { page: number }) => x.page === i + 1);
      expect(pub.ocr.detected).toEqual(page.detected);

      // The derivatives are shown upright: the access image and the IIIF image are portrait again,
      // and the ALTO's grid is that of the upright page.
      const access = await sharp(await get(`items/${id}/pages/${key}/access.jpg`)).metadata();
      expect(access.height! > access.width!, `${p.name} access image upright`).toBe(true);
      const info = JSON.parse(await text(`items/${id}/pages/${key}/iiif/info.json`));
      expect(info.height > info.width, `${p.name} IIIF image upright`).toBe(true);
      const alto = await text(`items/${id}/pages/${key}/ocr.alto.xml`);
      expect(alto).toMatch(/<Page [^>]*WIDTH="2480" HEIGHT="3508"/);
      expect(alto).toContain(`script: ${p.script}`);
      if (p.turned) expect(alto).toContain(`turned ${back(p.turned)} degrees clockwise`);
      expect((await validateXml(alto, 'alto')).errors).toBe('');
    }

    // The derivatives were made in the OCR job, once it knew the turn (derived.json, written
    // after them, names this ingest, the master and the turn); the derive step took them.
    const made = JSON.parse(await text(`items/${id}/pages/0005/derived.json`));
    expect(made).toMatchObject({
      format: 'yaddas-derived/1',
      ingestId: rec.ingestId,
      turn: 180,
      sha512: expect.stringMatching(/^[0-9a-f]{128}$/),
    });
    expect(record.events.filter((e: { type: string }) => e.type === 'derivation')).toHaveLength(1);

    // The masters stay as scanned: the stored bytes are the scans'.
    for (const p of pages) {
      const stored = await h.app.preservation.readLogical(inv, `masters/${p.name}`);
      expect(stored!.equals(p.scanned), `${p.name} kept as scanned`).toBe(true);
    }
    // The manifest's canvases have the upright sizes.
    const manifest = JSON.parse(await text(`items/${id}/manifest.json`));
    for (const c of manifest.items) expect(c.height > c.width).toBe(true);

    // PREMIS: the OCR event says what was detected and which pages were turned; METS validates.
    const mets = (await h.app.preservation.readLogical(inv, 'mets.xml'))!.toString('utf8');
    expect((await validateXml(mets, 'mets')).errors).toBe('');
    expect(mets).toMatch(/script detection \(Tesseract OSD\): [^<]*page\(s\) Latin in aze\+eng[^<]*page\(s\) Cyrillic in aze_cyrl\+rus/);
    expect(mets).toMatch(/turned upright: view 5 by 180° clockwise, view 6 by 270° clockwise, view 7 by 90° clockwise/);
    expect(mets).toMatch(/language data [^<]*osd: /);
  });

  it('re-OCR keeps the upright derivatives it does not need to make again', async () => {
    const id = 'kitab-scripts';
    const before = await h.app.access.head(`items/${id}/pages/0005/access.jpg`);
    const r = await yaddas(h, ['reocr', id, '--wait', '--json'], { YADDAS_OCR: 'true' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const inv = (await h.app.preservation.readInventory(id))!;
    expect(inv.head).toBe('v3');
    const record = JSON.parse((await h.app.preservation.readLogical(inv, 'item.json'))!.toString('utf8'));
    expect(record.ocr.pages.map((p: { detected: { turned: number } }) => p.detected.turned)).toEqual([0, 0, 0, 0, 180, 270, 90]);
    // no derivation event for this version: every view kept its derivatives, the turned ones upright
    expect(record.events.filter((e: { type: string }) => e.type === 'derivation')).toHaveLength(1);
    expect(await h.app.access.head(`items/${id}/pages/0005/access.jpg`)).toEqual(before);
    const published = JSON.parse(await text(`items/${id}/item.json`));
    for (const p of published.pages) expect(p.height > p.width, `view ${p.page} upright`).toBe(true);
    // yaddas show says how each page was read
    const shown = await yaddas(h, ['show', id]);
    expect(shown.stdout).toMatch(/page\s+5\s+05\.tif.*OCR [\d.]+ \((rus\+aze_cyrl|aze_cyrl\+rus), turned 180°\)/);
    expect(shown.stdout).toMatch(/page\s+1\s+01\.tif.*OCR [\d.]+ \(aze\+eng\)/);

    // rederive makes them all again from the preservation bucket alone, turned as the record says.
    const madeAt = JSON.parse(await text(`items/${id}/pages/0005/derived.json`)).made.at;
    await sleep(1100);
    const rd = await yaddas(h, ['rederive', id, '--json']);
    expect(rd.code, rd.stdout + rd.stderr).toBe(0);
    const remade = JSON.parse(await text(`items/${id}/pages/0005/derived.json`));
    expect(remade).toMatchObject({ turn: 180 });
    expect(remade.made.at > madeAt, 'made again').toBe(true);
    const access = await sharp(await get(`items/${id}/pages/0006/access.jpg`)).metadata();
    expect(access.height! > access.width!, 'the sideways page upright after rederive').toBe(true);
  });

  it('reads a sheet too large to hold whole in tiles, every word once, wherever the tiles meet', async () => {
    // 9000×6000 at 300 dpi (54 million pixels): six tiles of 4096 overlapping by 1024. The lines
    // sit across the tiles' seams (x 3072–4096 and 6144–7168, y 3072–4096) as well as inside them,
    // and one word in large lettering (over 700 pixels wide) lies across a seam.
    const lines: Array<{ x: number; y: number; text: string; size?: number }> = [
      { x: 3500, y: 2700, text: 'CASPIAN', size: 150 },
      { x: 300, y: 400, text: 'Baku harbour and the old city walls' },
      { x: 3300, y: 1200, text: 'Absheron peninsula northern coast road' },
      { x: 6900, y: 2000, text: 'Caspian lighthouse standing alone' },
      { x: 1500, y: 3950, text: 'Ganja railway station and market' },
      { x: 5200, y: 4400, text: 'Sheki mountain villages' },
      { x: 600, y: 5600, text: 'Lankaran tea gardens by the sea' },
    ];
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="9000" height="6000"><rect width="100%" height="100%" fill="#ffffff"/><g font-family="DejaVu Sans" font-size="64" fill="#111111">${lines.map((l) => `<text x="${l.x}" y="${l.y}"${l.size ? ` font-size="${l.size}"` : ''}>${l.text}</text>`).join('')}</g></svg>`;
    const map = await sharp(Buffer.from(svg), { limitInputPixels: false })
      .greyscale()
      .withMetadata({ density: 300 })
      .tiff({ compression: 'lzw', xres: 300 / 25.4, yres: 300 / 25.4 })
      .toBuffer();
    const id = 'xerite-1';
    const rec = await ingest(id, {
      'map.tif': map,
      'metadata.json': JSON.stringify({ identifier: id, type: 'map', ocrLanguages: 'eng' }),
    });
    expect(rec.publication, rec.publicationReason).toBe('published');
    const inv = (await h.app.preservation.readInventory(id))!;
    const record = JSON.parse((await h.app.preservation.readLogical(inv, 'item.json'))!.toString('utf8'));
    expect(record.ocr.pages[0].detected, 'no script detection on a sheet read in tiles').toBeUndefined();
    // Every word once: none lost at a seam, none read twice in an overlap. (A line across a seam
    // comes out in two parts, each with its tile's text: reading order on a map is the tiles'.)
    const count = (words: string[]) => words.reduce((m, w) => m.set(w, (m.get(w) ?? 0) + 1), new Map<string, number>());
    const read = normalizeText(await text(`items/${id}/pages/0001/ocr.txt`));
    expect(count(read.split(' '))).toEqual(count(lines.flatMap((l) => l.text.split(' '))));
    // The words are placed on the whole sheet's grid: ALTO of the map validates and puts Sheki near x 5200.
    const alto = await text(`items/${id}/pages/0001/ocr.alto.xml`);
    expect((await validateXml(alto, 'alto')).errors).toBe('');
    expect(alto).toContain('languages: eng; read in 6 tiles');
    const sheki = /<String [^>]*CONTENT="Sheki"[^>]*HPOS="(\d+)"|<String [^>]*HPOS="(\d+)"[^>]*CONTENT="Sheki"/.exec(alto);
    expect(Number(sheki?.[1] ?? sheki?.[2])).toBeGreaterThan(5150);
    expect(Number(sheki?.[1] ?? sheki?.[2])).toBeLessThan(5260);
  });
});
