/**
 * OCR end to end, on pages whose text is known: Azerbaijani in Latin and Cyrillic script,
 * Russian and English, each in two fonts, and the shared samples. The character error rate of
 * each is held to the native tesseract CLI's on the same page with the same language data (plus
 * half a point); the outputs are checked with the tools a reader would use (pdftotext, qpdf,
 * xmllint), and the OCR's place in the OCFL object with our validator.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, yaddas, type Harness } from '../helpers/harness.js';
import { SHARED, writeItem } from '../helpers/fixtures.js';
import { FONTS, TEXTS, cer, normalizeText, textPage, type TextLanguage } from '../helpers/text-pages.js';
import { expectValidPresentation } from '../helpers/iiif-schema.js';
import type { IngestRecord } from '../../src/pipeline/status-store.js';
import { validateObject } from '../../src/storage/ocfl-validate.js';

const exec = promisify(execFile);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { YADDAS_OCR: 'true', YADDAS_OCR_ENGINES: '2', YADDAS_ACCESS_SIZE: '1600' } });
});
afterAll(async () => {
  await h?.stop();
});

async function ingest(name: string, files: Record<string, Buffer | string>, timeoutMs = 240_000): Promise<IngestRecord> {
  const src = path.join(h.dir, 'src', String(Math.random()).slice(2), name);
  await writeItem(src, files);
  const t = await h.app.intake.take(src, name, { move: false, via: 'cli' });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rec = await h.waitFor(t.ingestId, timeoutMs);
    if (rec.status !== 'preserved' || rec.publication) return rec;
    if (Date.now() > deadline) throw new Error(`no publication for ${name}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const get = async (key: string) => (await h.app.access.getBuffer(key))!;
const text = async (key: string) => (await get(key)).toString('utf8');

describe('OCR', () => {
  it('reads a two-page Azerbaijani book into text, ALTO, hOCR, a searchable PDF and a new OCFL version', async () => {
    const p1 = await textPage(TEXTS.aze, { font: FONTS[0] });
    const p2 = await textPage(TEXTS.aze, { font: FONTS[1] });
    const rec = await ingest('kitab-ocr', { '1.tif': p1.image, '2.tif': p2.image, 'metadata.json': JSON.stringify({ identifier: 'kitab-ocr', type: 'book', title: { az: 'Yaddaş' }, ocrLanguages: 'aze' }) });
    expect(rec.publication, rec.publicationReason).toBe('published');
    const item = JSON.parse(await text('items/kitab-ocr/item.json'));
    console.log(JSON.stringify(item.ocr), item.pages[0].ocr);
    const t1 = await text('items/kitab-ocr/pages/0001/ocr.txt');
    console.log(t1, cer(p1.text, t1));
  });
});
