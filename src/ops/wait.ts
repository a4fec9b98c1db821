/**
 * Waiting for ingests to end, for every `--wait` (ingest, reocr) and for tests: polls the ingest
 * records until each has ended the way the caller means, or the time is up.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { IngestRecord } from '../domain/ingest-record.js';
import { hasEnded, isTerminal } from '../domain/ingest-record.js';
import type { OpsPorts } from './ports.js';

/**
 * When an ingest counts as ended: `preservation` once its status is final (preserved, rejected,
 * failed: what `yaddas ingest --wait` reports), `all` once its later steps are done too (the
 * access copies decided: what `yaddas reocr --wait` reports).
 */
export type EndedWhen = 'preservation' | 'all';

const endedFor = (r: IngestRecord, when: EndedWhen): boolean =>
  when === 'preservation'
    ? isTerminal(r.status)
    : r.status === 'rejected' || r.status === 'failed' || r.status === 'held' || (hasEnded(r) && !!r.publication);

export interface WaitOptions {
  when: EndedWhen;
  /** give up after this many seconds (the ingests go on) */
  timeoutSeconds?: number;
  pollMs?: number;
  /** called on every poll with the records so far (progress bars, "no workers" warnings) */
  onPoll?: (records: Map<string, IngestRecord>, elapsedMs: number) => Promise<void> | void;
}

/** Waits for the ingests to end; their last records, and which were still running at the time limit. */
export async function waitForIngests(
  app: Pick<OpsPorts, 'status'>,
  ingestIds: string[],
  o: WaitOptions,
): Promise<{ records: Map<string, IngestRecord>; timedOut: string[] }> {
  const started = Date.now();
  const deadline = o.timeoutSeconds ? started + o.timeoutSeconds * 1000 : Number.POSITIVE_INFINITY;
  const records = new Map<string, IngestRecord>();
  for (;;) {
    for (const r of await app.status.many(ingestIds)) records.set(r.ingestId, r);
    await o.onPoll?.(records, Date.now() - started);
    const pending = ingestIds.filter((id) => {
      const r = records.get(id);
      return !r || !endedFor(r, o.when);
    });
    if (pending.length === 0) return { records, timedOut: [] };
    if (Date.now() > deadline) return { records, timedOut: pending };
    await sleep(o.pollMs ?? 250);
  }
}
