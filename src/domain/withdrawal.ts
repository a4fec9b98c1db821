/**
 * What may be public of an item. Withdrawal: an item taken out of public view, its preservation object kept whole. The state
 * lives in the object itself (the item record of every version since), so that every writer of
 * the access bucket (derive, text, pdf, publish, rederive) reads the same answer, and a later
 * version (a re-scan, an OCR) stays withdrawn until a person reinstates it. Restriction: an item
 * whose metadata.json says `"access": "restricted"` is preserved and never published at all.
 * Embargo: `"access": "embargoed"` with `embargoUntil` is restricted until that moment and open
 * after it, so the answer depends on the time asked: every caller passes its clock's `now`.
 */
export interface Withdrawal {
  /** when (ISO 8601, UTC) */
  at: string;
  /** why, in the words of the person who withdrew it */
  reason: string;
  /** who: the login that ran yaddas withdraw (or the console user) */
  by: string;
  /** the OCFL version that recorded it (absent in records written before it was kept) */
  version?: string;
}

/** How every "withheld" reason of a withdrawal starts (stages' results carry it). */
export const WITHDRAWN_PREFIX = 'withdrawn';

/**
 * Why nothing of the item may be published, in words; undefined when it may be. It names no
 * person: the reason reaches records and logs that are not only for staff.
 */
export function accessWithheld(record: AccessFacts | null | undefined, now: Date): string | undefined {
  const w = record?.withdrawal;
  if (w) return `${WITHDRAWN_PREFIX} ${w.at}: ${w.reason}`;
  if (record?.metadata?.access === 'restricted') return `${RESTRICTED_PREFIX}: metadata.json says "access": "restricted" (staff only)`;
  const until = embargoEnd(record);
  if (until !== undefined && now.getTime() < until)
    return `${EMBARGOED_PREFIX} until ${record?.metadata?.embargoUntil}: published by itself once that has passed`;
  return undefined;
}

/** What of an item record the rule reads. */
export type AccessFacts = { withdrawal?: Withdrawal | null; metadata?: { access?: string; embargoUntil?: string } | null };

/** How the reason of an item that metadata.json restricts starts. */
export const RESTRICTED_PREFIX = 'restricted';
/** How the reason of an item under embargo starts. */
export const EMBARGOED_PREFIX = 'embargoed';

/**
 * When an embargoed item's embargo ends (ms since the epoch); undefined when it is not embargoed.
 * A date alone is the start of that day in UTC; a time carries its own offset. A record whose
 * date cannot be read (metadata.json is validated, so only a hand-made one) stays under embargo
 * for good rather than being published by mistake.
 */
export function embargoEnd(record: AccessFacts | null | undefined): number | undefined {
  if (record?.metadata?.access !== 'embargoed') return undefined;
  const t = embargoTime(record.metadata.embargoUntil);
  return t ?? Number.POSITIVE_INFINITY;
}

/** An embargoUntil value as ms since the epoch, or null when it is not a real calendar date (2027-02-30). */
export function embargoTime(v: string | undefined): number | null {
  if (!v) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})(T.*)?$/.exec(v);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  // Date rolls 2027-02-30 over into March: a date is real only when it comes back unchanged.
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return null;
  const t = m[4] ? Date.parse(v) : day.getTime();
  return Number.isNaN(t) ? null : t;
}
