import { describe, expect, it } from 'vitest';
import { isValidItemId, makeIngestId, makeItemId, naturalCompare, slugify } from '../../src/domain/ids.js';
import { parseMetadata, ocrLanguageList } from '../../src/domain/metadata.js';
import { decodeFailure, encodeFailure } from '../../src/domain/errors.js';
import { accessWithheld, embargoEnd } from '../../src/domain/withdrawal.js';

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

describe('access rights: open, restricted, embargoed', () => {
  const parse = (v: unknown) => parseMetadata(Buffer.from(JSON.stringify(v)));
  const errors = (v: unknown) => {
    const r = parse(v);
    return r.ok ? [] : r.errors;
  };
  it('an embargo needs its date, a date needs the embargo, and the date must be real', () => {
    expect(parse({ access: 'embargoed', embargoUntil: '2027-01-20' }).ok).toBe(true);
    expect(parse({ access: 'embargoed', embargoUntil: '2027-01-20T00:00:00+04:00' }).ok).toBe(true);
    expect(errors({ access: 'embargoed' })).toEqual([
      '"access": "embargoed" needs "embargoUntil": the date it may be published, such as "2027-01-20"',
    ]);
    expect(errors({ embargoUntil: '2027-01-20' })).toEqual([
      '"embargoUntil" is only for "access": "embargoed" (say "access": "embargoed" too, or leave the date out)',
    ]);
    expect(errors({ access: 'open', embargoUntil: '2027-01-20' })).toHaveLength(1);
    expect(errors({ access: 'embargoed', embargoUntil: '20.01.2027' })).toEqual([
      '"embargoUntil" must be a date (2027-01-20) or a date and time with its offset (2027-01-20T00:00:00+04:00)',
    ]);
    expect(errors({ access: 'embargoed', embargoUntil: '2027-02-30' })).toEqual(['"embargoUntil" is not a real date: 2027-02-30']);
    expect(errors({ access: 'secret' })[0]).toMatch(/"access" must be one of "open", "restricted", "embargoed"/);
  });

  it('withholds by the clock it is given: restricted always, embargoed until its moment, withdrawn above all', () => {
    const at = (iso: string) => new Date(iso);
    const emb = { metadata: { access: 'embargoed', embargoUntil: '2027-01-20' } };
    expect(accessWithheld(emb, at('2027-01-19T23:59:59Z'))).toMatch(/^embargoed until 2027-01-20/);
    expect(accessWithheld(emb, at('2027-01-20T00:00:00Z'))).toBeUndefined();
    // A time keeps its offset: midnight in Baku is 20:00 UTC the day before.
    const baku = { metadata: { access: 'embargoed', embargoUntil: '2027-01-20T00:00:00+04:00' } };
    expect(accessWithheld(baku, at('2027-01-19T19:59:59Z'))).toMatch(/^embargoed/);
    expect(accessWithheld(baku, at('2027-01-19T20:00:00Z'))).toBeUndefined();
    expect(embargoEnd(baku)).toBe(Date.UTC(2027, 0, 19, 20));
    // A date that cannot be read (only a hand-made record) never opens the item.
    expect(accessWithheld({ metadata: { access: 'embargoed', embargoUntil: 'soon' } }, at('2999-01-01T00:00:00Z'))).toMatch(/^embargoed/);
    expect(accessWithheld({ metadata: { access: 'restricted' } }, at('2999-01-01T00:00:00Z'))).toMatch(/^restricted/);
    const w = { at: '2026-12-01T00:00:00Z', reason: 'hüquq', by: 'leyla' };
    expect(accessWithheld({ ...emb, withdrawal: w }, at('2030-01-01T00:00:00Z'))).toMatch(/^withdrawn/);
    expect(accessWithheld({ metadata: { access: 'open' } }, at('2000-01-01T00:00:00Z'))).toBeUndefined();
    expect(accessWithheld(null, new Date())).toBeUndefined();
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
