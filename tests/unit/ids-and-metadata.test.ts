import { describe, expect, it } from 'vitest';
import { isValidItemId, makeIngestId, makeItemId, naturalCompare, slugify } from '../../src/domain/ids.js';
import { parseMetadata, ocrLanguageList } from '../../src/domain/metadata.js';
import { decodeFailure, encodeFailure } from '../../src/domain/errors.js';

describe('item ids', () => {
  it.each([
    ['book-001', true],
    ['AZ.NL.1935.12', true],
    ['a', true],
    ['12345', false], // BullMQ: not a plain integer
    ['has:colon', false],
    ['has space', false],
    ['slash/inside', false],
    ['-leading', false],
    ['trailing.', false],
    ['dot..dot', false],
    ['Şəki', false],
    ['x'.repeat(101), false],
  ])('%j valid: %s', (id, ok) => expect(isValidItemId(id)).toBe(ok));

  it('makes readable ASCII slugs from Azerbaijani and Cyrillic names', () => {
    expect(slugify('Kitab — Ədəbiyyat 1.tif')).toBe('kitab-edebiyyat-1');
    expect(slugify('Азербайджанские сказки')).toBe('azerbaydzhanskie-skazki');
    expect(slugify('Гәнҹә')).toBe('gence');
    expect(slugify('!!!')).toBe('item');
  });

  it('makes ingest and item ids that are valid and sort by time', () => {
    const now = new Date('2026-11-23T10:22:33.456Z');
    const ingest = makeIngestId('Şəki foto.jpg', now, () => 'abc123');
    expect(ingest).toBe('20261123T102233Z-seki-foto-abc123');
    const item = makeItemId('Şəki foto.jpg', now, () => 'abc123');
    expect(item).toBe('yd-20261123-seki-foto-abc123');
    expect(isValidItemId(item)).toBe(true);
  });

  it('sorts page names naturally', () => {
    expect(['10.tif', '2.tif', '1.tif', 'page 3.tif', 'Page 20.tif'].sort(naturalCompare)).toEqual([
      '1.tif',
      '2.tif',
      '10.tif',
      'page 3.tif',
      'Page 20.tif',
    ]);
  });
});

describe('metadata.json', () => {
  const parse = (v: unknown) => parseMetadata(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)));

  it('accepts every documented key, language maps and x- extensions', () => {
    const r = parse({
      identifier: 'kitab-1',
      type: 'book',
      title: { az: 'Nağıllar', 'az-Cyrl': 'Нағыллар', ru: 'Сказки', en: 'Tales' },
      creator: ['Üzeyir Hacıbəyli'],
      date: '1935',
      language: ['az', 'ru'],
      subject: ['folklore', { az: 'folklor' }],
      description: 'Bir kitab',
      rights: 'http://rightsstatements.org/vocab/NoC-US/1.0/',
      collections: ['20-yanvar'],
      ocrLanguages: 'aze+rus',
      'x-shelfmark': 'A-123',
    });
    expect(r.ok).toBe(true);
    if (r.ok) expect(ocrLanguageList(r.metadata)).toEqual(['aze', 'rus']);
  });

  it('accepts a UTF-8 byte order mark', () => {
    expect(parseMetadata(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"type":"map"}')])).ok).toBe(true);
  });

  it.each([
    ['not JSON', '{ "title": ', 'not valid JSON'],
    ['not UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]).toString('latin1'), 'JSON'],
    ['an unknown key', { tittle: 'x' }, 'unknown key "tittle"'],
    ['an unknown type', { type: 'newspaper' }, 'must be one of'],
    ['a bad OCR language', { ocrLanguages: ['Azerbaijani'] }, 'ocrLanguages'],
    ['a bad collection slug', { collections: ['Bad Slug'] }, 'collections'],
    ['an array at the top', [1, 2], 'object'],
    ['an empty title', { title: '' }, 'title'],
  ])('rejects %s with a reason staff can act on', (_what, input, phrase) => {
    const r = parse(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join(' | ')).toContain(phrase);
  });

  it("names every error, each place once, and keeps the JSON parser's words apart", () => {
    const r = parse({ type: 'novel', title: 5, date: 1935, tittle: 'x', title2: 1, creator: [''] });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors).toEqual([
        expect.stringContaining('unknown key "tittle"'),
        expect.stringContaining('unknown key "title2"'),
        expect.stringContaining('"type" must be one of'),
        '"title" must be text in quotes ("…") or an object ({ … })',
        '"creator.0" must not be empty',
        '"date" must be text in quotes ("…")',
      ]);
    const j = parse('{"title": "a",}');
    expect(j.ok).toBe(false);
    if (!j.ok) {
      expect(j.errors).toEqual([
        'the file is not valid JSON near line 1, column 15: look there for a missing or extra comma, quote mark or bracket',
      ]);
      expect(j.detail).toMatch(/JSON/);
    }
  });

  it('rejects bytes that are not UTF-8', () => {
    const r = parseMetadata(Buffer.from([0x7b, 0x22, 0x74, 0xff, 0x22, 0x3a, 0x31, 0x7d]));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toContain('UTF-8');
  });
});

describe('failure codes', () => {
  it('round-trip through BullMQ failure messages', () => {
    expect(decodeFailure(encodeFailure('STORED_COPY_MISMATCH', 'bad\ncopy'))).toEqual({
      code: 'STORED_COPY_MISMATCH',
      message: 'bad\ncopy',
    });
    expect(decodeFailure('something else')).toEqual({ code: 'INTERNAL', message: 'something else' });
  });
});
