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
  | { sweep: true; itemId?: undefined }
  /** the embargo lift (ops/embargo.ts): run by the audit worker, routed in app.ts */
  | { lift: true; itemId?: undefined; sweep?: undefined };
/** What one embargo lift did (ops/embargo.ts). */
export interface LiftResult {
  lifted: Array<{ itemId: string; eventId?: string; pages: number }>;
  /** still kept from the public: withdrawn, restricted, or its embargo moved later by a new version */
  kept: Array<{ itemId: string; reason: string }>;
  failed: Array<{ itemId: string; reason: string }>;
  /** items entered when the list was rebuilt from the objects in this run */
  rebuilt?: number;
}

export type AuditReturn = AuditRecord | { queued: number; flushed: number; rebuilt: boolean } | LiftResult;
