/**
 * What may be public of an item. Withdrawal: an item taken out of public view, its preservation object kept whole. The state
 * lives in the object itself (the item record of every version since), so that every writer of
 * the access bucket (derive, text, pdf, publish, rederive) reads the same answer, and a later
 * version (a re-scan, an OCR) stays withdrawn until a person reinstates it. Restriction: an item
 * whose metadata.json says `"access": "restricted"` is preserved and never published at all.
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
export function accessWithheld(
  record: { withdrawal?: Withdrawal | null; metadata?: { access?: string } | null } | null | undefined,
): string | undefined {
  const w = record?.withdrawal;
  if (w) return `${WITHDRAWN_PREFIX} ${w.at}: ${w.reason}`;
  if (record?.metadata?.access === 'restricted') return `${RESTRICTED_PREFIX}: metadata.json says "access": "restricted" (staff only)`;
  return undefined;
}

/** How the reason of an item that metadata.json restricts starts. */
export const RESTRICTED_PREFIX = 'restricted';
