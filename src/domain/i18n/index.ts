/**
 * The three languages staff and readers use, one file of texts each (en.ts, az.ts, ru.ts), and
 * what is made from them: a translator with `{name}` filled in, the same text in all three for
 * IIIF language maps, the language a browser asks for, dates and numbers in a language's own way.
 */
import { az } from './az.js';
import { en, type MessageKey, type Messages } from './en.js';
import { ru } from './ru.js';

export type { MessageKey, Messages };
export const LANGUAGES = ['az', 'ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const MESSAGES: Record<Language, Messages> = { az, ru, en };

export const isLanguage = (v: unknown): v is Language => typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v);

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** The texts of one language, `{name}` filled from `vars` (left as it is when not given). */
export function translator(lang: Language): Translate {
  const m = MESSAGES[lang];
  return (key, vars) => {
    const text = m[key];
    return vars ? text.replace(/\{(\w+)\}/g, (all, k: string) => (vars[k] !== undefined ? String(vars[k]) : all)) : text;
  };
}

/** A IIIF language map of one text in every language: {"az": […], "ru": […], "en": […]}. */
export function inEveryLanguage(key: MessageKey, vars?: Record<string, string | number>): Record<Language, string[]> {
  return Object.fromEntries(LANGUAGES.map((l) => [l, [translator(l)(key, vars)]])) as Record<Language, string[]>;
}

/** The first of ours an Accept-Language header asks for (by its q-values), else `fallback`. */
export function fromAcceptLanguage(header: string | undefined, fallback: Language = 'en'): Language {
  if (!header) return fallback;
  const asked = header
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = Number(
        params
          .find((p) => p.trim().startsWith('q='))
          ?.trim()
          .slice(2) ?? '1',
      );
      return { tag: (tag ?? '').toLowerCase(), q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of asked) {
    const base = tag.split('-')[0];
    if (isLanguage(base)) return base;
  }
  return fallback;
}

/** The Intl locale of a language (English as written in Britain: day, month, year; a 24-hour clock). */
const locale = (lang: Language): string => (lang === 'en' ? 'en-GB' : lang);

/** A moment as people of this language write it (day, month, year, hours and minutes; the machine's time zone). */
export function formatDateTime(iso: string | number, lang: Language, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(locale(lang), {
    dateStyle: 'medium',
    timeStyle: 'short',
    ...(timeZone ? { timeZone } : {}),
  }).format(d);
}

/** A number as people of this language write it (digit groups, decimal mark). */
export function formatNumber(n: number, lang: Language, digits?: number): string {
  return new Intl.NumberFormat(
    locale(lang),
    digits !== undefined ? { minimumFractionDigits: digits, maximumFractionDigits: digits } : {},
  ).format(n);
}
