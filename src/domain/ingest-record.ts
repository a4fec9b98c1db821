/**
 * The ingest record: what operators, `yaddas ingest --wait` and the console read about each ingest
 * (one taking of an item from the inbox, or a re-run after preservation). Documented in
 * docs/pipeline.md; kept by adapters/redis/status-store.ts.
 */
import type { Problem } from './errors.js';
import type { HeldDetail, ItemStatus } from './item.js';

export interface IngestRecord {
  ingestId: string;
  itemId: string;
  /** the institution whose item it is (absent in an installation without an institutions file before 2026-12) */
  institution?: string;
  sourceName: string;
  /** from metadata.json, for people (text, or the first of a language map) */
  title?: string;
  type?: string;
  /** page files (masters that are images or PDFs) */
  pages?: number;
  status: ItemStatus;
  /** the step the ingest is in, while in progress */
  stage?: string;
  files?: number;
  reason?: string;
  code?: string;
  problems?: Problem[];
  version?: string;
  objectRoot?: string;
  unchanged?: boolean;
  /** where the item's files are now on disk (staging, done or rejected) */
  location?: string;
  takenAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** the access copies (after preservation): published, failed or skipped */
  publication?: 'published' | 'failed' | 'skipped';
  publicationReason?: string;
  /** status 'held': the stored item it would replace, for the operator's decision */
  held?: HeldDetail;
}

const TERMINAL: ReadonlySet<ItemStatus> = new Set(['preserved', 'rejected', 'failed', 'held', 'accepted']);
export const isTerminal = (s: ItemStatus): boolean => TERMINAL.has(s);

/** An ingest that has ended entirely: its status is final and no later step is running. */
export const hasEnded = (r: Pick<IngestRecord, 'status' | 'stage'>): boolean => isTerminal(r.status) && !r.stage;
