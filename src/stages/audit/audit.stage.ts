/**
 * The `audit` queue's contract: an audit of one object in one copy, or the scheduler's sweep
 * (one job scheduler per installation: its jobs hand out the audits that are due and write the
 * audit history to every copy). Not a step of an ingest.
 */
import type { AuditRecord } from '../../domain/audit-record.js';

export type AuditPayload =
  | {
      itemId: string;
      copy: string;
      by: 'schedule' | 'operator';
      /**
       * the object's place in the scheduler's line when the audit was handed out (the time of its
       * last audit, 0 for new content): a job that finds it moved was done already (a worker
       * killed after keeping the result, before finishing the job) and is not done twice
       */
      due?: number;
    }
  | { sweep: true; itemId?: undefined };
export type AuditReturn = AuditRecord | { queued: number; flushed: number; rebuilt: boolean };
