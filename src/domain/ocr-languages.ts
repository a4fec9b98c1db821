/**
 * OCR languages: Tesseract's codes (`aze`, `aze_cyrl`, `rus`, `eng`, …), joined with `+` as
 * Tesseract takes them. Which languages an item gets: metadata.json's `ocrLanguages`, else its
 * `language` mapped to Tesseract codes, else the configured default.
 */
import type { ItemMetadata } from './metadata.js';

/** A Tesseract language code: three letters, optionally a script or variant (`aze_cyrl`). */
const CODE = /^[a-z]{3}(?:_[a-z]+)*$/;

/** Where the data of the languages a library of this region needs comes from. */
export const LANGUAGE_SOURCES: Record<string, { name: string; npm?: string; debian: string }> = {
  aze: { name: 'Azerbaijani (Latin)', npm: '@tesseract.js-data/aze', debian: 'tesseract-ocr-aze' },
  aze_cyrl: { name: 'Azerbaijani (Cyrillic)', debian: 'tesseract-ocr-aze-cyrl' },
  rus: { name: 'Russian', debian: 'tesseract-ocr-rus' },
  eng: { name: 'English', npm: '@tesseract.js-data/eng', debian: 'tesseract-ocr-eng' },
};

/** What to install for a language that is missing, in words. */
export function languageHint(code: string): string {
  const s = LANGUAGE_SOURCES[code];
  const debian = s?.debian ?? `tesseract-ocr-${code.replace(/_/g, '-')}`;
  return s?.npm ? `npm package ${s.npm} (a dependency of Yaddaş) or Debian package ${debian}` : `Debian package ${debian}`;
}

/** ISO 639 and BCP 47 tags that metadata.json's `language` may use, as Tesseract codes. */
const FROM_LANGUAGE: Record<string, string> = {
  az: 'aze',
  aze: 'aze',
  'az-latn': 'aze',
  'az-cyrl': 'aze_cyrl',
  aze_cyrl: 'aze_cyrl',
  ru: 'rus',
  rus: 'rus',
  en: 'eng',
  eng: 'eng',
};

/** Parses `aze+rus` or `["aze", "rus"]`; returns the codes (unique, in order) or an error. */
export function parseLanguages(v: string | string[]): { ok: true; codes: string[] } | { ok: false; error: string } {
  const parts = (Array.isArray(v) ? v.flatMap((x) => x.split('+')) : v.split('+')).map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) return { ok: false, error: 'no language given' };
  const bad = parts.filter((p) => !CODE.test(p));
  if (bad.length > 0)
    return {
      ok: false,
      error: `not Tesseract language codes: ${bad.join(', ')} (use codes such as aze, aze_cyrl, rus, eng, joined with +)`,
    };
  return { ok: true, codes: [...new Set(parts)] };
}

export type OcrChoice = { run: true; languages: string; from: 'ocrLanguages' | 'language' | 'default' } | { run: false; reason: string };

/** Why a single image dropped on its own is not read (the inbox contract calls it a photograph). */
const SINGLE_IMAGE_NOT_READ =
  'a single image dropped on its own is taken as a photograph or a map sheet, which are not OCRed; to have one page read, drop it in a folder with a metadata.json that names ocrLanguages';

/**
 * Whether and in which languages to OCR an item. Photographs are not OCRed unless metadata.json
 * asks for it with `ocrLanguages`; nor is a single image dropped on its own (it cannot carry a
 * metadata.json, and the inbox contract calls it a photograph or a map sheet).
 */
export function ocrChoice(md: ItemMetadata | null | undefined, defaults: string, kind: 'folder' | 'file' = 'folder'): OcrChoice {
  if (md?.ocrLanguages !== undefined) {
    const p = parseLanguages(md.ocrLanguages);
    return p.ok ? { run: true, languages: p.codes.join('+'), from: 'ocrLanguages' } : { run: false, reason: `ocrLanguages: ${p.error}` };
  }
  if (kind === 'file') return { run: false, reason: SINGLE_IMAGE_NOT_READ };
  if (md?.type === 'photograph') return { run: false, reason: 'photographs are not OCRed unless metadata.json names ocrLanguages' };
  if (md?.language !== undefined) {
    const tags = (Array.isArray(md.language) ? md.language : [md.language]).map((t) => t.trim().toLowerCase());
    const codes = [...new Set(tags.map((t) => FROM_LANGUAGE[t]).filter((c): c is string => c !== undefined))];
    if (codes.length > 0) return { run: true, languages: codes.join('+'), from: 'language' };
  }
  return { run: true, languages: defaults, from: 'default' };
}

/** The BCP 47 tag of one Tesseract language (hOCR's and the PDF's language), when it is one of ours. */
export const bcp47Of = (code: string): string | undefined => ({ aze: 'az', aze_cyrl: 'az-Cyrl', rus: 'ru', eng: 'en' })[code];
