/**
 * Withdrawal: an item taken out of public view, its preservation object kept whole. The state
 * lives in the object itself (the item record of every version since), so that every writer of
 * the access bucket (derive, text, pdf, publish, rederive) reads the same answer, and a later
 * version (a re-scan, an OCR) stays withdrawn until a person reinstates it.
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
export function accessWithheld(record: { withdrawal?: Withdrawal | null } | null | undefined): string | undefined {
  const w = record?.withdrawal;
  return w ? `${WITHDRAWN_PREFIX} ${w.at}: ${w.reason}` : undefined;
}
