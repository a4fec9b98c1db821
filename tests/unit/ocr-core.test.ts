import { describe, expect, it } from 'vitest';
import { ocrChoice, parseLanguages, languageHint } from '../../src/domain/ocr-languages.js';
import { languageOrders } from '../../src/adapters/ocr-engine.js';
import { altoXml, fromTesseract, fullText, hocrXhtml, pageText, parseAlto, type TesseractPage } from '../../src/stages/ocr/ocr.core.js';
import { mastersOf, planOcrVersion, writtenByOcr } from '../../src/stages/text/text.core.js';
import { nextInventory } from '../../src/storage/ocfl.core.js';
import { validateInventory } from '../../src/storage/ocfl-validate.js';

const bbox = (x0: number, y0: number, x1: number, y1: number) => ({ x0, y0, x1, y1 });
const tess: TesseractPage = {
  blocks: [
    {
      bbox: bbox(100, 100, 1100, 300),
      paragraphs: [
        {
          bbox: bbox(100, 100, 1100, 300),
          lines: [
            {
              bbox: bbox(100, 100, 1100, 150),
              baseline: bbox(100, 140, 1100, 142),
              words: [
                { text: 'Bakı', bbox: bbox(100, 100, 300, 150), confidence: 96.4 },
                { text: 'şəhəri', bbox: bbox(340, 100, 700, 150), confidence: 88 },
              ],
            },
            { bbox: bbox(100, 200, 1100, 250), words: [{ text: '  ', bbox: bbox(0, 0, 1, 1), confidence: 10 }] },
            { bbox: bbox(100, 250, 600, 300), words: [{ text: 'Ҹәнуб', bbox: bbox(100, 250, 600, 300), confidence: 71.2 }] },
          ],
        },
      ],
    },
  ],
};

describe('OCR page model', () => {
  // Read at half the master's size: every box doubles.
  const page = fromTesseract(tess, {
    page: 3,
    source: '3.tif',
    subpage: 0,
    languages: 'aze+aze_cyrl',
    width: 2480,
    height: 3508,
    ocrWidth: 1240,
    ocrHeight: 1754,
  });

  it('maps word boxes back to the master grid and drops empty words and lines', () => {
    const lines = page.blocks[0]!.paragraphs[0]!.lines;
    expect(lines).toHaveLength(2);
    expect(lines[0]!.words[1]).toEqual({ text: 'şəhəri', box: [680, 200, 1400, 300], conf: 88 });
    expect(lines[0]!.baseline).toEqual([200, 280, 2200, 284]);
    expect(page.words).toBe(3);
    expect(page.meanConfidence).toBeCloseTo((96.4 + 88 + 71.2) / 3, 2);
    expect(pageText(page)).toBe('Bakı şəhəri\nҸәнуб\n');
    expect(fullText([{ ...page, page: 2 }, page])).toBe('Bakı şəhəri\nҸәнуб\n\fBakı şəhəri\nҸәнуб\n');
  });

  it('writes ALTO 4 that reads back into the same words', () => {
    const xml = altoXml(page, { name: 'tesseract.js', version: '7.0.0', at: '2026-11-23T10:00:00Z' });
    expect(xml).toContain('<Page ID="P3" PHYSICAL_IMG_NR="3" WIDTH="2480" HEIGHT="3508" PROCESSINGREFS="OCR_0" PC="0.8520">');
    expect(xml).toContain('<String ID="P3_W2" CONTENT="şəhəri" HPOS="680" VPOS="200" WIDTH="720" HEIGHT="100" WC="0.8800"/>');
    expect(xml).toContain('<SP HPOS="600" VPOS="200" WIDTH="80"/>');
    expect(xml).toContain('BASELINE="200,280 2200,284"');
    const back = parseAlto(xml, { page: 3 });
    expect(back.languages).toBe('aze+aze_cyrl');
    expect(back.source).toBe('3.tif');
    expect(back.words).toBe(3);
    expect(back.blocks.flatMap((b) => b.paragraphs.flatMap((p) => p.lines.flatMap((l) => l.words)))).toEqual(
      page.blocks.flatMap((b) => b.paragraphs.flatMap((p) => p.lines.flatMap((l) => l.words))),
    );
    expect(pageText(back)).toBe(pageText(page));
  });

  it('escapes what XML must escape', () => {
    const odd = fromTesseract(
      {
        blocks: [
          {
            bbox: bbox(0, 0, 10, 10),
            paragraphs: [
              {
                bbox: bbox(0, 0, 10, 10),
                lines: [{ bbox: bbox(0, 0, 10, 10), words: [{ text: '"<&>\'', bbox: bbox(0, 0, 10, 10), confidence: 50 }] }],
              },
            ],
          },
        ],
      },
      { page: 1, source: 'a"b.tif', subpage: 2, languages: 'eng', width: 10, height: 10, ocrWidth: 10, ocrHeight: 10 },
    );
    const back = parseAlto(altoXml(odd, { name: 'x', version: '1', at: '2026-11-23T10:00:00Z' }), { page: 1 });
    expect(back.blocks[0]!.paragraphs[0]!.lines[0]!.words[0]!.text).toBe('"<&>\'');
    expect(back.subpage).toBe(2);
    expect(hocrXhtml(odd, { name: 'x', version: '1', at: '' })).toContain('&lt;&amp;&gt;');
  });

  it('writes hOCR with the same boxes and confidences', () => {
    const html = hocrXhtml(page, { name: 'tesseract.js', version: '7.0.0', at: '' }, 'az');
    expect(html).toContain(`title="image &quot;3.tif&quot;; bbox 0 0 2480 3508; ppageno 2"`);
    expect(html).toContain('<span class="ocrx_word" id="word_3_2" title="bbox 680 200 1400 300; x_wconf 88">şəhəri</span>');
    expect(html).toMatch(/class="ocr_line" id="line_3_1" title="bbox 200 200 2200 300; baseline 0\.0020 -20"/);
    expect(html).toContain('<meta name="ocr-langs" content="aze aze_cyrl">');
    expect(html, 'no self-closing elements').not.toMatch(/\/>/);
  });
});

describe('OCR languages', () => {
  it.each([
    ['aze+rus', ['aze', 'rus']],
    [
      ['aze_cyrl', 'rus', 'aze_cyrl'],
      ['aze_cyrl', 'rus'],
    ],
  ])('parses %j', (v, codes) => {
    expect(parseLanguages(v)).toEqual({ ok: true, codes });
  });
  it('refuses what is not a Tesseract code', () => {
    expect(parseLanguages('az+Russian')).toMatchObject({ ok: false, error: expect.stringMatching(/az, Russian/) });
  });
  it('chooses ocrLanguages, else language, else the default; photographs only when asked', () => {
    expect(ocrChoice({ ocrLanguages: 'rus', language: 'az' }, 'eng')).toEqual({ run: true, languages: 'rus', from: 'ocrLanguages' });
    expect(ocrChoice({ language: ['az-Cyrl', 'ru', 'xx'] }, 'eng')).toEqual({ run: true, languages: 'aze_cyrl+rus', from: 'language' });
    expect(ocrChoice(null, 'aze+rus+eng')).toEqual({ run: true, languages: 'aze+rus+eng', from: 'default' });
    expect(ocrChoice({ type: 'photograph' }, 'eng')).toMatchObject({ run: false });
    expect(ocrChoice({ type: 'photograph', ocrLanguages: ['eng'] }, 'aze')).toMatchObject({ run: true, languages: 'eng' });
    // A single image dropped on its own (it has no metadata.json) is a photograph or a map sheet.
    expect(ocrChoice(null, 'aze+rus+eng', 'file')).toMatchObject({ run: false, reason: expect.stringMatching(/single image/) });
    expect(ocrChoice(null, 'aze+rus+eng', 'folder')).toMatchObject({ run: true, from: 'default' });
  });
  it('has other orders to load a combination in, the one asked for first', () => {
    expect(languageOrders('aze+rus')).toEqual(['aze+rus', 'aze+rus+rus', 'aze+rus+aze', 'rus+aze']);
    expect(languageOrders('eng')).toEqual(['eng', 'eng+eng']);
  });
  it('names the package that provides a missing language', () => {
    expect(languageHint('rus')).toBe('Debian package tesseract-ocr-rus');
    expect(languageHint('aze_cyrl')).toBe('Debian package tesseract-ocr-aze-cyrl');
    expect(languageHint('eng')).toMatch(/@tesseract\.js-data\/eng/);
    expect(languageHint('deu')).toBe('Debian package tesseract-ocr-deu');
  });
});

describe('the OCR version', () => {
  const d = (c: string) => ({ sha512: c.repeat(128), sha256: c.repeat(64), md5: c.repeat(32) });
  const user = { name: 'Yaddaş' };
  const v1 = nextInventory(null, {
    id: 'kitab-1',
    files: [
      { logicalPath: 'masters/1.tif', digests: d('a'), uploadedContentPath: 'v1/content/masters/1.tif' },
      { logicalPath: 'item.json', digests: d('b') },
    ],
    created: '2026-11-23T10:00:00Z',
    message: 'Ingest x of "kitab"',
    user,
  }).inventory;

  it('carries the masters forward by reference and replaces earlier OCR and the record', () => {
    const v2 = planOcrVersion(
      v1,
      [{ logicalPath: 'ocr/0001.txt', digests: d('c'), contentPath: 'v2/content/ocr/0001.txt' }],
      [{ logicalPath: 'item.json', digests: d('e') }],
      { ingestId: 'i2', languages: 'aze', created: '2026-11-23T11:00:00Z', user },
    ).inventory;
    expect(v2.head).toBe('v2');
    expect(v2.versions.v2!.message).toBe('OCR i2 (aze)');
    expect(v2.manifest['a'.repeat(128)]).toEqual(['v1/content/masters/1.tif']);
    expect(Object.values(v2.versions.v2!.state).flat().sort()).toEqual(['item.json', 'masters/1.tif', 'ocr/0001.txt']);
    expect(mastersOf(v2, 'v2')).toBe(mastersOf(v2, 'v1'));
    expect(validateInventory(v2).errors).toEqual([]);
    const v3 = planOcrVersion(
      v2,
      [{ logicalPath: 'ocr/0002.txt', digests: d('f'), contentPath: 'v3/content/ocr/0002.txt' }],
      [{ logicalPath: 'item.json', digests: d('9') }],
      { ingestId: 'i3', languages: 'rus', created: '2026-11-23T12:00:00Z', user },
    ).inventory;
    expect(Object.values(v3.versions.v3!.state).flat().sort()).toEqual(['item.json', 'masters/1.tif', 'ocr/0002.txt']);
    expect(Object.values(v3.versions.v2!.state).flat()).toContain('ocr/0001.txt');
    // A retried text job finds its OCR version even when a later one (a withdrawal) followed it.
    expect(writtenByOcr(v3, 'i2', 'v1')).toBe('v2');
    expect(writtenByOcr(v3, 'i3', 'v1')).toBe('v3');
    expect(writtenByOcr(v3, 'i9', 'v1')).toBeUndefined();
    expect(writtenByOcr(v3, 'i2', 'v2')).toBeUndefined(); // only versions after the masters it read
  });
});
