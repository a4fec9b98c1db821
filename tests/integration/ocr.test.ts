/**
 * OCR end to end, on pages whose text is known: Azerbaijani in Latin and Cyrillic script,
 * Russian and English, each in two fonts, and the shared samples. The character error rate of
 * each language is held to the native tesseract CLI's on the same page with the same language
 * data (plus half a point); the outputs are checked with the tools a reader would use (pdftotext,
 * qpdf, pdfinfo, pdffonts, xmllint) and the OCR's place in the OCFL object with our validator.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { validateXml } from '../helpers/xml-schemas.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestUntilPublished, nativeTesseract as nativeCli } from '../helpers/ocr-runs.js';
import { startHarness, waitEnded, yaddas, type Harness } from '../helpers/harness.js';
import { readShared, writeItem } from '../helpers/fixtures.js';
import { FONTS, TEXTS, cer, normalizeText, textPage, type TextLanguage } from '../helpers/text-pages.js';
import { expectValidPresentation } from '../helpers/iiif-schema.js';
import type { IngestRecord } from '../../src/domain/ingest-record.js';
import { validateObject } from '../../src/storage/ocfl-validate.js';
import { OcrPool } from '../../src/adapters/ocr-engine.js';
import { ErrorCodes } from '../../src/domain/errors.js';

const exec = promisify(execFile);

let h: Harness;
let tessdata: string;
/** kitab-ocr as first ingested, for the identical re-scan */
let kitabOcrFiles: Record<string, Buffer | string> = {};
beforeAll(async () => {
  h = await startHarness({
    env: { YADDAS_OCR: 'true', YADDAS_OCR_ENGINES: '2', YADDAS_ACCESS_SIZE: '1600', YADDAS_ATTRIBUTION: 'Milli Kitabxana' },
  });
  tessdata = (await h.app.ocr()).tessdataDir;
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

const ingest = (name: string, files: Record<string, Buffer | string>, timeoutMs?: number): Promise<IngestRecord> =>
  ingestUntilPublished(h, name, files, timeoutMs);

const get = async (key: string) => (await h.app.access.getBuffer(key))!;
const text = async (key: string) => (await get(key)).toString('utf8');
const item = async (id: string) => JSON.parse(await text(`items/${id}/item.json`));

const nativeTesseract = (file: string, languages: string) => nativeCli(file, languages, tessdata);

async function tmpFile(name: string, bytes: Buffer): Promise<string> {
  const f = path.join(h.dir, 'pages', name);
  await fs.mkdir(path.dirname(f), { recursive: true });
  await fs.writeFile(f, bytes);
  return f;
}

describe('OCR', () => {
  it('reads Azerbaijani (Latin and Cyrillic), Russian and English at least as well as the tesseract CLI', async () => {
    const cases: Array<{ id: string; languages: string; pages: Array<{ name: string; image: Buffer; truth: string }> }> = [];
    for (const lang of Object.keys(TEXTS) as TextLanguage[]) {
      const pages = [];
      for (const [i, font] of FONTS.entries()) {
        const p = await textPage(TEXTS[lang], { font });
        pages.push({ name: `${i + 1}.tif`, image: p.image, truth: p.text });
      }
      cases.push({ id: `cer-${lang.replace('_', '-')}`, languages: lang, pages });
    }
    const samples = [];
    for (const name of ['phototest', 'eurotext']) {
      samples.push({
        name: `${name}.tif`,
        image: await readShared(`ocr-samples/${name}.tif`),
        truth: (await readShared(`ocr-samples/${name}.txt`)).toString('utf8'),
      });
    }
    cases.push({ id: 'cer-samples', languages: 'eng', pages: samples });

    // Yaddaş and the CLI side by side: the pipeline's two engines, the CLI two pages at a time.
    const ours = Promise.all(
      cases.map((c) =>
        ingest(c.id, {
          ...Object.fromEntries(c.pages.map((p) => [p.name, p.image])),
          'metadata.json': JSON.stringify({ identifier: c.id, type: 'book', ocrLanguages: c.languages }),
        }),
      ),
    );
    const native: Record<string, string> = {};
    const jobs = cases.flatMap((c) => c.pages.map((p) => ({ c, p })));
    await Promise.all(
      [0, 1].map(async (lane) => {
        for (let i = lane; i < jobs.length; i += 2) {
          const { c, p } = jobs[i]!;
          native[`${c.id}/${p.name}`] = await nativeTesseract(await tmpFile(`${c.id}-${p.name}`, p.image), c.languages);
        }
      }),
    );
    for (const rec of await ours) expect(rec.publication, `${rec.itemId}: ${rec.publicationReason}`).toBe('published');

    // Per language, over its pages (both fonts): edits over characters of the ground truth.
    const rows: string[] = [];
    const verdicts: Array<{ what: string; ours: number; cli: number }> = [];
    for (const c of cases) {
      let chars = 0;
      let oursEdits = 0;
      let cliEdits = 0;
      // Pages are numbered by name order, whatever order they were listed in here.
      const numbers = new Map(((await item(c.id)).pages as Array<{ name: string; page: number }>).map((p) => [p.name, p.page]));
      for (const p of c.pages) {
        const n = [...normalizeText(p.truth)].length;
        const oursCer = cer(p.truth, await text(`items/${c.id}/pages/${String(numbers.get(p.name)).padStart(4, '0')}/ocr.txt`));
        const cliCer = cer(p.truth, native[`${c.id}/${p.name}`]!);
        chars += n;
        oursEdits += (oursCer * n) / 100;
        cliEdits += (cliCer * n) / 100;
        rows.push(`  ${c.languages.padEnd(9)} ${p.name.padEnd(14)} Yaddaş ${oursCer.toFixed(2)}%   tesseract CLI ${cliCer.toFixed(2)}%`);
      }
      verdicts.push({ what: `${c.id} (${c.languages})`, ours: (100 * oursEdits) / chars, cli: (100 * cliEdits) / chars });
      rows.push(
        `  ${c.languages.padEnd(9)} ${'all pages'.padEnd(14)} Yaddaş ${verdicts.at(-1)!.ours.toFixed(2)}%   tesseract CLI ${verdicts.at(-1)!.cli.toFixed(2)}%`,
      );
    }
    console.log(
      `character error rates (tesseract CLI ${(await exec('tesseract', ['--version'])).stdout.split('\n')[0]}, same language data):\n${rows.join('\n')}`,
    );
    for (const v of verdicts)
      expect(v.ours, `${v.what}: Yaddaş ${v.ours.toFixed(2)}% vs CLI ${v.cli.toFixed(2)}%`).toBeLessThanOrEqual(v.cli + 0.5);
  });

  it('keeps text, ALTO and hOCR in a new OCFL version and publishes them, a searchable PDF/A and links in the manifest', async () => {
    const p1 = await textPage(TEXTS.aze, { font: FONTS[0] });
    const p2 = await textPage(TEXTS.aze_cyrl, { font: FONTS[1] });
    kitabOcrFiles = {
      '1.tif': p1.image,
      '2.tif': p2.image,
      'metadata.json': JSON.stringify({
        identifier: 'kitab-ocr',
        type: 'book',
        title: { az: 'Yaddaş', 'az-Cyrl': 'Јаддаш' },
        ocrLanguages: 'aze+aze_cyrl',
      }),
    };
    const rec = await ingest('kitab-ocr', kitabOcrFiles);
    expect(rec.publication, rec.publicationReason).toBe('published');

    expect(rec.version, "the ingest record names the newest version, the OCR's").toBe('v2');
    // The OCFL object: v1 the masters, v2 the same masters (by reference) and the OCR.
    const inv = (await h.app.preservation.readInventory('kitab-ocr'))!;
    expect(inv.head).toBe('v2');
    expect(
      Object.values(inv.versions.v1!.state)
        .flat()
        .some((p) => p.startsWith('ocr/')),
    ).toBe(false);
    const v2 = Object.values(inv.versions.v2!.state).flat().sort();
    expect(v2).toEqual([
      'item.json',
      'masters/1.tif',
      'masters/2.tif',
      'metadata.json',
      'mets.xml',
      'ocr/0001.alto.xml',
      'ocr/0001.hocr',
      'ocr/0001.txt',
      'ocr/0002.alto.xml',
      'ocr/0002.hocr',
      'ocr/0002.txt',
      'ocr/text.txt',
    ]);
    expect(inv.versions.v2!.message).toMatch(/^OCR .* \(aze\+aze_cyrl\)$/);
    const masterDigests = Object.entries(inv.versions.v1!.state)
      .filter(([, p]) => p.some((x) => x.startsWith('masters/')))
      .map(([d]) => d);
    for (const d of masterDigests) expect(inv.manifest[d]![0], 'masters are not stored twice').toMatch(/^v1\/content\//);
    const report = await validateObject(h.app.preservation.store, h.app.preservation.rootOf('kitab-ocr'));
    expect(report.errors).toEqual([]);
    const record = JSON.parse((await h.app.preservation.readLogical(inv, 'item.json'))!.toString('utf8'));
    expect(record).toMatchObject({ version: 'v2', ocr: { languages: 'aze+aze_cyrl', engine: { name: 'tesseract.js' }, failed: [] } });
    expect(record.ocr.pages).toHaveLength(2);
    expect(record.events.at(-1).type).toBe('optical character recognition');

    // The access bucket: per page text, ALTO and hOCR; the full text; item.json.
    const acc = await item('kitab-ocr');
    expect(acc.ocr).toMatchObject({ status: 'done', languages: 'aze+aze_cyrl', version: 'v2', pagesRead: 2, pagesFailed: 0 });
    expect(acc.ocr.meanConfidence).toBeGreaterThan(80);
    // Each page is read in the item's languages of its own script (script detection).
    for (const [i, p] of acc.pages.entries())
      expect(p.ocr).toMatchObject({
        languages: ['aze', 'aze_cyrl'][i],
        detected: { script: ['Latin', 'Cyrillic'][i], languagesFrom: 'script', turned: 0 },
        meanConfidence: expect.any(Number),
        words: expect.any(Number),
      });
    const t1 = await text('items/kitab-ocr/pages/0001/ocr.txt');
    const t2 = await text('items/kitab-ocr/pages/0002/ocr.txt');
    expect(cer(p1.text, t1)).toBeLessThan(2);
    expect(await text('items/kitab-ocr/text.txt')).toBe(`${t1}\f${t2}`);

    // ALTO: well-formed, words in the master's pixel grid, and against the official schema when at hand.
    const altoFile = await tmpFile('kitab-0001.alto.xml', await get('items/kitab-ocr/pages/0001/ocr.alto.xml'));
    const alto = await fs.readFile(altoFile, 'utf8');
    expect(alto).toContain('xmlns="http://www.loc.gov/standards/alto/ns-v4#"');
    expect(alto).toMatch(/<Page ID="P1" PHYSICAL_IMG_NR="1" WIDTH="2480" HEIGHT="3508"/);
    expect(alto).toContain('CONTENT="Kitabxana"');
    await exec('xmllint', ['--noout', altoFile]);
    expect((await validateXml(altoFile, 'alto')).errors).toBe('');
    // The OCR version's METS: valid with everything embedded, each view's ALTO linked from its page,
    // the OCR as an event by tesseract.js with its language data, and the access copies made before it.
    const metsV2 = (await h.app.preservation.readLogical(inv, 'mets.xml'))!.toString('utf8');
    expect((await validateXml(metsV2, 'mets')).errors).toBe('');
    expect(metsV2).toMatch(/<mets:div ID="view-0001"[^>]*>\s*<mets:fptr FILEID="file-0001"\/>\s*<mets:fptr FILEID="(file-\d+)"\/>/);
    expect(metsV2).toMatch(/<mets:fileGrp USE="ALTO">[\s\S]*xlink:href="ocr\/0001\.alto\.xml"/);
    expect(metsV2).toMatch(
      /<premis:agentName>tesseract\.js<\/premis:agentName>[\s\S]*?<premis:agentNote>language data aze: npm @tesseract\.js-data\/aze/,
    );
    expect(metsV2).toMatch(/<premis:eventType>derivation<\/premis:eventType>/);
    expect(metsV2).toContain('/items/kitab-ocr/document.pdf');
    expect(acc.mets).toEqual({ url: expect.stringMatching(/\/items\/kitab-ocr\/mets\.xml$/), version: 'v2' });
    expect(await get('items/kitab-ocr/mets.xml')).toEqual(Buffer.from(metsV2));
    const hocrFile = await tmpFile('kitab-0002.hocr', await get('items/kitab-ocr/pages/0002/ocr.hocr'));
    await exec('xmllint', ['--noout', hocrFile]);
    expect(await fs.readFile(hocrFile, 'utf8')).toMatch(/class="ocrx_word" id="word_2_1" title="bbox \d+ \d+ \d+ \d+; x_wconf \d+"/);

    // The PDF, read with poppler and qpdf as a reader's tools would.
    const pdf = await tmpFile('kitab.pdf', await get('items/kitab-ocr/document.pdf'));
    await exec('qpdf', ['--check', pdf]);
    // Each page shows its access JPEG as it is (copied into the file, not re-encoded).
    const { stdout: images } = await exec('pdfimages', ['-list', pdf]);
    const rows = images.split('\n').filter((l) => /^\s+\d+\s+\d+\s+image/.test(l));
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r).toMatch(/image\s+1131\s+1600\s+(rgb\s+3|gray\s+1)\s+8\s+jpeg/);
    const { stdout: extracted } = await exec('pdftotext', ['-enc', 'UTF-8', pdf, '-']);
    const pagesText = extracted.split('\f');
    expect(normalizeText(pagesText[0]!)).toBe(normalizeText(t1));
    expect(normalizeText(pagesText[1]!)).toBe(normalizeText(t2));
    // The letters a Latin-1 font would lose come out of the PDF as they were read.
    for (const [i, letters] of [
      ['ə', 'ğ', 'ı', 'İ', 'ş'],
      ['ә', 'ҹ', 'ј', 'ө', 'ү', 'ғ', 'һ'],
    ].entries()) {
      const read = [t1, t2][i]!;
      expect(letters.filter((ch) => read.includes(ch)).length, `letters read on page ${i + 1}`).toBeGreaterThanOrEqual(4);
      for (const ch of letters) expect(pagesText[i]!.includes(ch), `${ch} on page ${i + 1}`).toBe(read.includes(ch));
    }
    const { stdout: fonts } = await exec('pdffonts', [pdf]);
    expect(fonts, 'embedded, subset, with a Unicode map').toMatch(/[A-Z]{6}\+DejaVuSans\s+CID TrueType\s+Identity-H\s+yes yes yes/);
    const { stdout: meta } = await exec('pdfinfo', ['-meta', pdf]);
    expect(meta).toMatch(/<pdfaid:part>2<\/pdfaid:part>/);
    expect(meta).toMatch(/<pdfaid:conformance>B<\/pdfaid:conformance>/);
    const { stdout: info } = await exec('pdfinfo', [pdf]);
    expect(info).toMatch(/Pages:\s+2/);
    expect(info, 'A4 at 300 dpi').toMatch(/Page size:\s+595\.2 x 841\.9[26] pts/);
    expect(info).toMatch(/Title:\s+Yaddaş/);

    // The manifest: rendering (PDF, full text) and seeAlso (ALTO, hOCR) at item and canvas level.
    const m = JSON.parse(await text('items/kitab-ocr/manifest.json'));
    expectValidPresentation('manifest', m);
    expect(m.rendering.map((r: { format: string }) => r.format)).toEqual(['application/pdf', 'text/plain']);
    expect(m.requiredStatement.value.none).toEqual(['Milli Kitabxana']);
    for (const c of m.items) {
      expect(c.seeAlso.map((s: { format: string }) => s.format)).toEqual(['application/xml', 'text/vnd.hocr+html']);
      expect(c.rendering[0].format).toBe('text/plain');
      for (const link of [...c.seeAlso, ...c.rendering]) expect((await fetch(link.id)).status, link.id).toBe(200);
    }
    expect((await fetch(m.rendering[0].id)).status).toBe(200);
  });

  it('re-OCR makes a new version and keeps the earlier OCR in the one before', async () => {
    const r = await yaddas(h, ['reocr', 'kitab-ocr', '--languages', 'aze_cyrl+aze', '--wait', '--json'], { YADDAS_OCR: 'true' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ id: 'kitab-ocr', ok: true, languages: 'aze_cyrl+aze' });
    const inv = (await h.app.preservation.readInventory('kitab-ocr'))!;
    expect(inv.head).toBe('v3');
    expect(inv.versions.v3!.message).toMatch(/\(aze_cyrl\+aze\)$/);
    const v2alto = await h.app.preservation.readLogical(inv, 'ocr/0001.alto.xml', 'v2');
    expect(v2alto!.toString('utf8')).toContain('languages: aze; script: Latin');
    // The item's languages are asked anew; the Latin page is still read in the Latin one.
    expect((await h.app.preservation.readLogical(inv, 'ocr/0001.alto.xml'))!.toString('utf8')).toContain('languages: aze; script: Latin');
    expect((await h.app.preservation.readLogical(inv, 'ocr/0002.alto.xml'))!.toString('utf8')).toContain(
      'languages: aze_cyrl; script: Cyrillic',
    );
    expect((await item('kitab-ocr')).ocr).toMatchObject({ version: 'v3', languages: 'aze_cyrl+aze' });
    // The masters' pixels did not change: their derivatives stood (no new derivation event), and item.json still has them.
    const derivations = async (v: string) =>
      JSON.parse((await h.app.preservation.readLogical(inv, 'item.json', v))!.toString('utf8')).events.filter(
        (e: { type: string }) => e.type === 'derivation',
      ).length;
    expect(await derivations('v3')).toBe(await derivations('v2'));
    for (const p of (await item('kitab-ocr')).pages) expect(p).toMatchObject({ width: 2480, height: 3508, iiif: expect.any(String) });
    expect((await validateObject(h.app.preservation.store, h.app.preservation.rootOf('kitab-ocr'))).errors).toEqual([]);
  });

  it('rederive rebuilds the OCR files and the PDF from the preservation bucket alone', async () => {
    const keys = [
      'items/kitab-ocr/document.pdf',
      'items/kitab-ocr/text.txt',
      'items/kitab-ocr/pages/0001/ocr.alto.xml',
      'items/kitab-ocr/pages/0002/ocr.hocr',
      'items/kitab-ocr/pages/0002/ocr.txt',
    ];
    const before = await text('items/kitab-ocr/pages/0002/ocr.txt');
    await h.app.access.delete(keys);
    const r = await yaddas(h, ['rederive', 'kitab-ocr']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rederived {2}kitab-ocr {2}2 page\(s\), OCR of 2, PDF/);
    for (const k of keys) expect(await h.app.access.getBuffer(k), k).not.toBeNull();
    expect(await text('items/kitab-ocr/pages/0002/ocr.txt')).toBe(before);
    const pdf = await tmpFile('kitab-rederived.pdf', await get('items/kitab-ocr/document.pdf'));
    const { stdout } = await exec('pdftotext', ['-enc', 'UTF-8', pdf, '-']);
    expect(normalizeText(stdout.split('\f')[1]!)).toBe(normalizeText(before));
  });

  it('an identical re-scan of a book whose head holds OCR adds no version and no event', async () => {
    const before = (await h.app.preservation.readInventory('kitab-ocr'))!;
    const eventsKey = `${h.env.YADDAS_REDIS_PREFIX}:yd:events`;
    const eventsBefore = await h.redis.xlen(eventsKey);
    const src = path.join(h.dir, 'src', 'again', 'kitab-ocr');
    await writeItem(src, kitabOcrFiles);
    const t = await h.app.intake.take(src, 'kitab-ocr', { move: false, via: 'cli' });
    const rec = await waitEnded(h, t.ingestId);
    expect(rec.status, rec.reason).toBe('preserved');
    expect(rec.unchanged).toBe(true);
    expect(rec.version).toBe(before.head);
    expect((await h.app.preservation.readInventory('kitab-ocr'))!.head).toBe(before.head);
    expect(await h.redis.xlen(eventsKey)).toBe(eventsBefore);
  });

  it('preserves and publishes an item whose language is missing, saying which package provides it', async () => {
    const p = await textPage(TEXTS.eng, { font: FONTS[0] });
    const rec = await ingest('almanca', {
      '1.tif': p.image,
      'metadata.json': JSON.stringify({ identifier: 'almanca', type: 'periodical', ocrLanguages: 'deu' }),
    });
    expect(rec.status).toBe('preserved');
    expect(rec.publication, rec.publicationReason).toBe('published');
    const acc = await item('almanca');
    expect(acc.ocr).toMatchObject({ status: 'failed', languages: 'deu', pagesRead: 0, pagesFailed: 1 });
    expect(acc.ocr.reason).toMatch(/^OCR_LANGUAGE_MISSING: .*deu \(install Debian package tesseract-ocr-deu\).*yaddas reocr almanca/);
    expect(acc.pages[0].ocr.failed).toMatch(/OCR_LANGUAGE_MISSING/);
    expect((await h.app.preservation.readInventory('almanca'))!.head).toBe('v1');
    // A single page without text has no PDF; the manifest has no OCR links.
    expect(await h.app.access.getBuffer('items/almanca/document.pdf')).toBeNull();
    expect(JSON.parse(await text('items/almanca/manifest.json')).rendering).toBeUndefined();
  });

  it('does not OCR photographs unless metadata.json asks', async () => {
    const p = await textPage(TEXTS.eng, { font: FONTS[1], format: 'png' });
    const rec = await ingest('foto', {
      'foto.png': p.image,
      'metadata.json': JSON.stringify({ identifier: 'foto-1', type: 'photograph' }),
    });
    expect(rec.publication).toBe('published');
    expect((await item('foto-1')).ocr).toMatchObject({
      status: 'not requested',
      reason: expect.stringMatching(/photographs are not OCRed/),
    });
    const asked = await ingest('foto2', {
      'foto.png': p.image,
      'metadata.json': JSON.stringify({ identifier: 'foto-2', type: 'photograph', ocrLanguages: ['eng'] }),
    });
    expect(asked.publication).toBe('published');
    expect((await item('foto-2')).ocr).toMatchObject({ status: 'done', languages: 'eng' });
  });
});

describe('a single image dropped on its own', () => {
  it('is a photograph: not read, and given no PDF, whatever text it shows', async () => {
    const p = await textPage(TEXTS.eng, { font: FONTS[1], format: 'png' });
    const dir = path.join(h.dir, 'src', 'single');
    await writeItem(dir, { 'afisha.png': p.image });
    const t = await h.app.intake.take(path.join(dir, 'afisha.png'), 'afisha.png', { move: false, via: 'cli' });
    const rec = await waitEnded(h, t.ingestId, 300_000);
    expect(rec.publication, rec.publicationReason).toBe('published');
    const record = await item(rec.itemId);
    expect(record.ocr).toMatchObject({ status: 'not requested', reason: expect.stringMatching(/single image dropped on its own/) });
    expect(record.pdf).toBeNull();
    expect(await h.app.access.head(`items/${rec.itemId}/document.pdf`)).toBeNull();
  });
});

describe('OCR engine pool', () => {
  it('reads every language of a combination, whatever tesseract.js makes of the order', async () => {
    // tesseract.js 7 drops the second language of some pairs (aze+rus, aze+eng, aze_cyrl+rus)
    // when asked for them in that order; the pool notices and loads them another way.
    const pool = new OcrPool({ langPath: tessdata, engines: 1, recycleAfter: 100, pageTimeoutMs: 120_000, log: h.app.log });
    try {
      for (const [languages, lang] of [
        ['aze+rus', 'rus'],
        ['aze+eng', 'eng'],
        ['aze_cyrl+rus', 'rus'],
        ['aze+rus', 'aze'],
      ] as const) {
        const p = await textPage(TEXTS[lang], { font: FONTS[0], format: 'png' });
        const r = await pool.recognize(p.image, languages, { dpi: 300 });
        expect(cer(p.text, r.text), `${lang} page read in ${languages}: ${r.text.slice(0, 80)}`).toBeLessThan(2);
      }
    } finally {
      await pool.close();
    }
  });

  it('stops a page that runs over its time limit, replaces the engine, and reads the next page', async () => {
    const pool = new OcrPool({ langPath: tessdata, engines: 1, recycleAfter: 2, pageTimeoutMs: 60_000, log: h.app.log });
    try {
      const page = await readShared('ocr-samples/phototest.tif');
      await expect(pool.recognize(page, 'eng', { timeoutMs: 1 })).rejects.toMatchObject({ code: ErrorCodes.OCR_TIMEOUT });
      expect(pool.running).toBe(0);
      await expect(pool.recognize(Buffer.from('not an image at all'), 'eng')).rejects.toBeDefined();
      const ok = await pool.recognize(page, 'eng');
      expect(ok.text).toMatch(/quick brown dog/);
      // Recycled after two pages: a fresh engine reads the third.
      await pool.recognize(page, 'eng');
      expect(pool.running).toBe(0);
      expect((await pool.recognize(page, 'eng')).text).toMatch(/lazy fox/);
    } finally {
      await pool.close();
    }
  });

  it('fails the start of an engine whose language data is unreadable at once, its thread ended, and goes on with good data', async () => {
    const dir = path.join(h.dir, 'bad-tessdata');
    await fs.mkdir(dir, { recursive: true });
    await fs.copyFile(path.join(tessdata, 'eng.traineddata'), path.join(dir, 'eng.traineddata'));
    await fs.writeFile(path.join(dir, 'xyz.traineddata'), Buffer.alloc(4096, 7));
    const pool = new OcrPool({
      langPath: dir,
      engines: 1,
      recycleAfter: 10,
      pageTimeoutMs: 60_000,
      startTimeoutMs: 60_000,
      log: h.app.log,
    });
    try {
      const page = await readShared('ocr-samples/phototest.tif');
      const t = Date.now();
      await expect(pool.recognize(page, 'xyz')).rejects.toMatchObject({ code: ErrorCodes.OCR_FAILED });
      expect(Date.now() - t, "failed on the engine's answer, not after the 60 s limit").toBeLessThan(20_000);
      expect(pool.running).toBe(0);
      // (the failed engine's thread ends itself: the process's worker threads do not grow with each failure)
      const before = process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
      for (let i = 0; i < 3; i++) await expect(pool.recognize(page, 'xyz')).rejects.toBeDefined();
      await sleep(500);
      expect(process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length).toBeLessThanOrEqual(before);
      expect((await pool.recognize(page, 'eng')).text).toMatch(/quick brown dog/);
    } finally {
      await pool.close();
    }
  });
});
