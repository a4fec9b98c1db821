/**
 * What an item may hold, checked when it is taken or inspected, so that nothing later has to
 * fail on it: names every store can keep (storage/name-limits.ts works out how long), and a
 * number of pages (config intake.maxPages). Each is a rejection in plain words.
 */
import { ErrorCodes, type Problem, rejection } from './errors.js';

/** How much an item may hold: checked at intake, so that nothing later has to fail on it. */
export interface ItemLimits {
  /** the longest page file name, in UTF-8 bytes, that every store and folder can hold */
  nameBytes: number;
  /** the most page files (the pages inside multi-page TIFFs are counted at inspection) */
  pages: number;
}

export const NO_LIMITS: ItemLimits = { nameBytes: Number.POSITIVE_INFINITY, pages: Number.POSITIVE_INFINITY };

/** A page file's name that no store could keep as it is. */
export function nameTooLong(file: string, limits: ItemLimits): Problem | undefined {
  const n = Buffer.byteLength(file.split('/').pop() ?? file, 'utf8');
  if (n <= limits.nameBytes) return undefined;
  return rejection(
    ErrorCodes.NAME_TOO_LONG,
    `The file name is ${n} bytes long; the storage can keep names of at most ${limits.nameBytes} bytes (letters outside A–Z take two bytes or more).`,
    'Give the file a shorter name (a page number and a few words are enough), then drop the item again.',
    file,
  );
}

/** An item with more pages than the configured limit. */
export function tooManyPages(pages: number, limits: Pick<ItemLimits, 'pages'>): Problem | undefined {
  if (pages <= limits.pages) return undefined;
  return rejection(
    ErrorCodes.TOO_MANY_PAGES,
    `The item has ${pages} pages; an item may have at most ${limits.pages} (YADDAS_MAX_PAGES).`,
    'Split it into items of fewer pages (volumes, parts), or ask the operator to raise the limit, then drop it again.',
  );
}
