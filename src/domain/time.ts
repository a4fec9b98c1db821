/**
 * Timestamps as Yaddaş writes them into records that outlive it (OCFL `created`, item records,
 * OCR processing times): ISO 8601 in UTC to the second. Fixed once per version, so that a retried
 * write produces the same bytes.
 */
export const isoSeconds = (d: Date = new Date()): string => d.toISOString().replace(/\.\d+Z$/, 'Z');
