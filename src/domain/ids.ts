import { randomBytes } from 'node:crypto';
import { isoSeconds } from './time.js';

/**
 * Item ids appear in S3 keys, IIIF URLs, Redis keys and BullMQ job ids, so they are restricted to
 * characters that are safe in all of them: no ':' (BullMQ), no '/', no spaces, not purely digits.
 */
const ITEM_ID = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$/;

/**
 * An item id's namespace ("" when it has none) and its id inside it. With several institutions,
 * an item is `namespace:id` (anl:kitab-1): the namespace is its institution's, the id is what its
 * metadata.json gave (or Yaddaş made), so two institutions may both have kitab-1.
 */
export function splitItemId(itemId: string): { namespace: string; local: string } {
  const i = itemId.indexOf(':');
  return i < 0 ? { namespace: '', local: itemId } : { namespace: itemId.slice(0, i), local: itemId.slice(i + 1) };
}

export function isValidItemId(id: unknown): id is string {
  return typeof id === 'string' && ITEM_ID.test(id) && !/^\d+$/.test(id) && !id.includes('..');
}

// Azerbaijani Latin letters and Cyrillic (Russian and Azerbaijani) to ASCII, for readable ids.
const TRANSLIT: Record<string, string> = {
  ə: 'e',
  Ə: 'e',
  ş: 's',
  Ş: 's',
  ç: 'c',
  Ç: 'c',
  ğ: 'g',
  Ğ: 'g',
  ı: 'i',
  İ: 'i',
  ö: 'o',
  Ö: 'o',
  ü: 'u',
  Ü: 'u',
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  ғ: 'gh',
  д: 'd',
  е: 'e',
  ё: 'yo',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'y',
  ј: 'y',
  к: 'k',
  ҝ: 'g',
  қ: 'q',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  ө: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ү: 'u',
  ф: 'f',
  х: 'kh',
  һ: 'h',
  ц: 'ts',
  ч: 'ch',
  ҹ: 'c',
  ш: 'sh',
  щ: 'shch',
  ъ: '',
  ы: 'y',
  ь: '',
  э: 'e',
  ю: 'yu',
  я: 'ya',
  ә: 'e',
};

/** A short ASCII slug of a file or folder name: "Kitab — Ədəbiyyat 1.tif" → "kitab-edebiyyat-1". */
export function slugify(name: string, maxLength = 40): string {
  const base = name.replace(/\.[A-Za-z0-9]{1,5}$/, '');
  const lower = [...base.normalize('NFC')].map((ch) => TRANSLIT[ch] ?? TRANSLIT[ch.toLowerCase()] ?? ch).join('');
  const ascii = lower
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  const slug = ascii
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
  return slug || 'item';
}

const stamp = (d: Date) => isoSeconds(d).replace(/[-:]/g, '');

/**
 * An ingest is one taking of an item from the inbox (a re-scan is a new ingest of the same item).
 * Its id starts with the time, so folders and listings sort by arrival, and names the item for
 * people: "20261123T102233Z-kitab-1-4f9c2a".
 */
export function makeIngestId(name: string, now: Date, random: () => string = () => randomBytes(3).toString('hex')): string {
  return `${stamp(now)}-${slugify(name, 32)}-${random()}`;
}

/** When an ingest was taken, read back from its id (null when the id is not one of ours). */
export function ingestIdTime(ingestId: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-/.exec(ingestId);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : null;
}

/** The id of an item whose metadata.json gives none (or an unsafe one). */
export function makeItemId(name: string, now: Date, random: () => string = () => randomBytes(3).toString('hex')): string {
  return `yd-${stamp(now).slice(0, 8)}-${slugify(name, 40)}-${random()}`;
}

/** Natural order of page names: "2.tif" before "10.tif", case-insensitive, stable. */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Page numbers in keys and folders: 1 → "0001". */
export const pageKey = (n: number): string => String(n).padStart(4, '0');
