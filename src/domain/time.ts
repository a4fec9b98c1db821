/**
 * Timestamps as Yaddaş writes them into records that outlive it (OCFL `created`, version times in
 * item records, OCR processing times): ISO 8601 in UTC to the second. Where a retried write must
 * produce the same bytes, the caller fixes the time once and carries it (prepare's `created`).
 */
export const isoSeconds = (d: Date = new Date()): string => d.toISOString().replace(/\.\d+Z$/, 'Z');

/** What `p` gives, or the error `onTimeout` makes once `ms` have passed (the timer never keeps a process alive). */
export function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
