/**
 * The three languages are complete: every text of en.ts in az.ts and ru.ts, none empty, none left
 * in English where it should not be, each with the same {placeholders}; the language a browser
 * asks for; REJECTED.txt in an institution's languages in its order; IIIF labels in all three.
 */
import { describe, expect, it } from 'vitest';
import {
  fromAcceptLanguage,
  formatDateTime,
  formatNumber,
  inEveryLanguage,
  LANGUAGES,
  MESSAGES,
  translator,
} from '../../src/domain/i18n/index.js';
import { en } from '../../src/domain/i18n/en.js';
import { rejectionText } from '../../src/domain/staging.js';
import { ErrorCodes, rejection } from '../../src/domain/errors.js';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
/** Texts that are the same in every language: names of formats and standards. */
const SAME_EVERYWHERE = new Set(['item.ocr', 'iiif.pdf', 'item.pageOcr', 'item.pageOcrFailed', 'item.withdrawnText']);
/** Words that are the same in a language as in English (Azerbaijani "problem"). */
const SAME_WORD = new Set(['az item.problem']);

describe('translations', () => {
  it('every language has every key, none empty, with the same placeholders', () => {
    for (const lang of LANGUAGES) {
      const m = MESSAGES[lang];
      expect(Object.keys(m).sort(), lang).toEqual(Object.keys(en).sort());
      for (const [key, text] of Object.entries(m)) {
        expect(text.trim(), `${lang} ${key}`).not.toBe('');
        expect(placeholders(text), `${lang} ${key}`).toEqual(placeholders(en[key as keyof typeof en]));
      }
    }
  });

  it('nothing is left in English in the other languages', () => {
    const same: string[] = [];
    for (const lang of ['az', 'ru'] as const)
      for (const [key, text] of Object.entries(MESSAGES[lang]))
        if (!SAME_EVERYWHERE.has(key) && !SAME_WORD.has(`${lang} ${key}`) && text === en[key as keyof typeof en])
          same.push(`${lang} ${key}`);
    expect(same).toEqual([]);
  });

  it('every failure code has its meaning and what to do, in every language', () => {
    for (const code of Object.values(ErrorCodes)) {
      expect(en, code).toHaveProperty(`code.${code}`);
      expect(en, code).toHaveProperty(`code.${code}.hint`);
    }
  });

  it('takes the language a browser asks for, by its weights', () => {
    expect(fromAcceptLanguage('ru-RU,ru;q=0.9,en;q=0.8')).toBe('ru');
    expect(fromAcceptLanguage('de-DE,de;q=0.9,az;q=0.7,en;q=0.8')).toBe('en');
    expect(fromAcceptLanguage('az-Latn-AZ')).toBe('az');
    expect(fromAcceptLanguage('fr', 'az')).toBe('az');
    expect(fromAcceptLanguage(undefined, 'ru')).toBe('ru');
    expect(fromAcceptLanguage('en;q=0, ru')).toBe('ru');
  });

  it('writes dates and numbers in each language’s own way', () => {
    expect(formatNumber(1234567.5, 'ru')).toBe('1\u00a0234\u00a0567,5');
    expect(formatNumber(1234567.5, 'az')).toBe('1.234.567,5');
    expect(formatNumber(1234567.5, 'en')).toBe('1,234,567.5');
    const at = '2027-01-20T09:05:00Z';
    expect(formatDateTime(at, 'en', 'UTC')).toBe('20 Jan 2027, 09:05');
    expect(formatDateTime(at, 'ru', 'UTC')).toMatch(/^20 янв\.? 2027( г\.)?, 09:05$/);
    expect(formatDateTime(at, 'az', 'UTC')).toMatch(/^20 yan 2027, 09:05$/);
    expect(translator('az')('who.loggedIn', { user: 'leyla' })).toBe('Daxil olub: leyla');
  });

  it('gives IIIF language maps in all three', () => {
    expect(inEveryLanguage('iiif.fullText')).toEqual({ az: ['Tam mətn (OCR)'], ru: ['Полный текст (OCR)'], en: ['Full text (OCR)'] });
  });
});

describe('REJECTED.txt', () => {
  const problems = [
    rejection(ErrorCodes.EMPTY_FILE, 'The file is empty (0 bytes).', 'Copy it again from the scanner.', '3.tif'),
    rejection(ErrorCodes.INVALID_METADATA, '"date" must be text in quotes ("…").', 'Correct metadata.json.', 'metadata.json'),
  ];
  const at = new Date('2026-12-01T10:00:00Z');

  it('is written in the institution’s languages, Azerbaijani first, with the English details beside', () => {
    const text = rejectionText({
      name: 'Kitab 1',
      ingestId: '20261201T100000Z-kitab-1-abc123',
      at,
      problems,
      languages: ['az', 'ru', 'en'],
    });
    const [az, ru, enPart] = text.split(`${'-'.repeat(72)}\n\n`);
    expect(az).toMatch(/^Yaddaş "Kitab 1" materialını qəbul etmədi\.\n/);
    expect(az).toContain('Nə səhvdir (2 problem):');
    expect(az).toContain('1. 3.tif: Fayl boşdur (0 bayt).');
    expect(az).toContain('   Nə etməli: Faylı skan stansiyasından yenidən köçürün');
    expect(az).toContain('   Ətraflı (ingiliscə): The file is empty (0 bytes).');
    expect(az).toContain('(kod EMPTY_FILE)');
    expect(az).toContain('Heç nə silinmədi');
    expect(ru).toMatch(/^Yaddaş не принял «Kitab 1»\.\n/);
    expect(ru).toContain('2. metadata.json: Файл metadata.json неверен.');
    expect(enPart).toMatch(/^Yaddaş did not accept "Kitab 1"\.\n/);
    expect(enPart).toContain('1. 3.tif: The file is empty (0 bytes).\n   What to do: Copy it again from the scanner.');
  });

  it('is in English alone when no languages are given, as before', () => {
    const text = rejectionText({ name: 'x', ingestId: 'i', at, problems });
    expect(text).toMatch(/^Yaddaş did not accept "x"\./);
    expect(text).not.toContain('-'.repeat(72));
  });
});
