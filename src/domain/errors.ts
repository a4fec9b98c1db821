/**
 * Failures with a stable code and a reason in plain words. `permanent` failures are not retried
 * (the item is kept and the reason shown); everything else is transient and retried with backoff.
 */
export const ErrorCodes = {
  // the item itself is wrong: staff must fix it (rejections)
  EMPTY_ITEM: 'EMPTY_ITEM',
  EMPTY_FILE: 'EMPTY_FILE',
  UNSUPPORTED_FORMAT: 'UNSUPPORTED_FORMAT',
  CORRUPT_FILE: 'CORRUPT_FILE',
  TOO_MANY_PIXELS: 'TOO_MANY_PIXELS',
  SYMLINK: 'SYMLINK',
  UNSAFE_NAME: 'UNSAFE_NAME',
  NESTED_FOLDER: 'NESTED_FOLDER',
  SPECIAL_FILE: 'SPECIAL_FILE',
  INVALID_METADATA: 'INVALID_METADATA',
  DUPLICATE_NAME: 'DUPLICATE_NAME',
  NAME_TOO_LONG: 'NAME_TOO_LONG',
  TOO_MANY_PAGES: 'TOO_MANY_PAGES',
  /** an identifier already used by a different item: held for an operator, rejected by one */
  IDENTIFIER_IN_USE: 'IDENTIFIER_IN_USE',
  // what the scanner station listed does not match what arrived (checksum manifests, BagIt)
  CHECKSUM_MISMATCH: 'CHECKSUM_MISMATCH',
  LISTED_FILE_MISSING: 'LISTED_FILE_MISSING',
  UNLISTED_FILE: 'UNLISTED_FILE',
  INVALID_MANIFEST: 'INVALID_MANIFEST',
  INVALID_BAG: 'INVALID_BAG',
  // storage went wrong and retries did not help (failures)
  STORED_COPY_MISMATCH: 'STORED_COPY_MISMATCH',
  STAGED_FILE_CHANGED: 'STAGED_FILE_CHANGED',
  STAGED_FILE_MISSING: 'STAGED_FILE_MISSING',
  OBJECT_CONFLICT: 'OBJECT_CONFLICT',
  INVENTORY_INVALID: 'INVENTORY_INVALID',
  /** a stored master's bytes no longer match the digest its inventory gives: nothing is made from them */
  MASTER_DAMAGED: 'MASTER_DAMAGED',
  STORAGE_UNAVAILABLE: 'STORAGE_UNAVAILABLE',
  INTERNAL: 'INTERNAL',
  /** an item id in no institution's namespace */
  UNKNOWN_INSTITUTION: 'UNKNOWN_INSTITUTION',
  // OCR went wrong for a page: recorded on the item, which stays preserved (yaddas reocr)
  OCR_LANGUAGE_MISSING: 'OCR_LANGUAGE_MISSING',
  OCR_TIMEOUT: 'OCR_TIMEOUT',
  OCR_FAILED: 'OCR_FAILED',
  // a downstream webhook did not take an event (retried with backoff)
  WEBHOOK_FAILED: 'WEBHOOK_FAILED',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class YaddasError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly opts: { permanent: boolean; file?: string; hint?: string; cause?: unknown } = { permanent: true },
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'YaddasError';
  }
  get permanent(): boolean {
    return this.opts.permanent;
  }
}

/**
 * Not a failure: the work cannot go on yet (another ingest is writing to the item's object) and
 * is to run again after `ms`, without using up an attempt. The queue wrapper delays the job; the
 * in-process runner of `yaddas rederive` waits.
 */
export class RetryLater extends Error {
  constructor(
    readonly ms: number,
    reason: string,
  ) {
    super(reason);
    this.name = 'RetryLater';
  }
}

/** A problem with an item that staff must fix; the item goes to the rejected area. */
export interface Problem {
  code: ErrorCode;
  /** the file concerned, relative to the item (absent: the item as a whole) */
  file?: string;
  /** what is wrong, in plain words */
  message: string;
  /** what to do about it */
  hint: string;
  /** what the software that read it said (a decoder's or parser's words), for whoever looks deeper */
  detail?: string;
}

export const rejection = (code: ErrorCode, message: string, hint: string, file?: string, detail?: string): Problem => ({
  code,
  message,
  hint,
  ...(file === undefined ? {} : { file }),
  ...(detail ? { detail } : {}),
});

/**
 * BullMQ keeps only a failed job's message, so permanent failures travel as "CODE: reason". This
 * pair is the one place that format is written and read.
 */
export function encodeFailure(code: string, message: string): string {
  return `${code}: ${message}`;
}

export function decodeFailure(failedReason: string): { code: string; message: string } {
  const m = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(failedReason);
  return m ? { code: m[1]!, message: m[2]! } : { code: ErrorCodes.INTERNAL, message: failedReason };
}

/**
 * A staged file that is not the size it had when taken: most often a copy into the inbox that
 * was still going on (a slow network share, a paused copy) when the quiet period ran out. It is
 * not called damaged: the item fails with its staged copy kept, and a retry takes it again.
 */
export function changedSinceTaken(file: string, takenSize: number, nowSize: number, ingestId: string): YaddasError {
  return new YaddasError(
    ErrorCodes.STAGED_FILE_CHANGED,
    `${file} changed after Yaddaş took it (${takenSize} bytes then, ${nowSize} now): it was probably still being copied into the inbox. Nothing was stored; the item is kept as it is now. When the copy has finished, run \`yaddas retry ${ingestId}\` (or copy the item into the inbox again, and let the copy finish before the quiet period, YADDAS_QUIET_SECONDS, runs out).`,
    { permanent: true, file },
  );
}
