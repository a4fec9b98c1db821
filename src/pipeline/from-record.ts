/**
 * An ingest's state rebuilt from what the preservation bucket holds: the head version's item
 * record. `yaddas rederive` replays the access steps from it in-process, `yaddas reocr` queues
 * it as an ingest that starts after preservation, so that both run exactly the steps the
 * pipeline runs.
 */
import type { IngestManifest, InspectResult, StoreResult } from '../domain/item.js';
import type { OcrChoice } from '../domain/ocr-languages.js';
import type { ItemRecord } from '../stages/commit/commit.core.js';
import type { OcrSummary } from '../stages/text/text.core.js';
import { pageKey } from '../domain/ids.js';
import { type IngestState, PLAN_VERSION, type StageName, stepOf } from './plan.js';

/** The item record in an object's head version: the ingest's, with the OCR's once there is OCR. */
export type StoredRecord = ItemRecord & { ocr?: OcrSummary };

export function stateFromRecord(
  record: StoredRecord,
  o: {
    ingestId: string;
    objectRoot: string;
    head: string;
    ocr: OcrChoice;
    startAt: StageName;
    /** the published derivatives may stand where OCR finds a page turned as before (yaddas reocr) */
    keepDerivatives?: boolean;
  },
): IngestState {
  const manifest: IngestManifest = {
    ingestId: o.ingestId,
    itemId: record.id,
    sourceName: record.ingest.sourceName,
    kind: record.ingest.kind,
    takenAt: record.ingest.takenAt,
    via: record.ingest.via,
    files: record.pages.map((p) => ({ role: 'page' as const, page: p.page, path: p.name, size: p.size })),
    ignored: record.ignoredFiles,
    metadata: record.metadata,
    ocr: o.ocr,
  };
  const inspected: Record<string, InspectResult> = {};
  const stored: Record<string, StoreResult> = {};
  for (const p of record.pages) {
    inspected[p.name] = {
      path: p.name,
      mime: p.format.mime,
      format: p.format.name,
      ...(p.image ? { image: p.image } : {}),
      ...(p.pdf ? { pdf: p.pdf } : {}),
      ...(p.embedded ? { embedded: p.embedded } : {}),
    };
    stored[p.name] = {
      path: p.name,
      logicalPath: p.logicalPath,
      contentPath: '',
      size: p.size,
      digests: p.digests,
      verifiedAt: record.ingest.storedAt,
    };
  }
  // The masters' version: OCR versions carry the masters forward, so the record's version is
  // where they are now (the text step compares masters, not version names).
  const target = {
    objectId: record.objectId,
    objectRoot: o.objectRoot,
    version: o.head,
    headVersion: o.head,
    created: record.ingest.storedAt,
  };
  // Pages an earlier OCR found turned are shown turned (a new OCR decides again).
  const turns = Object.fromEntries(
    (record.ocr?.pages ?? []).flatMap((p) => (p.detected?.turned ? [[pageKey(p.page), p.detected.turned] as const] : [])),
  );
  return {
    manifest,
    turns,
    ...(o.keepDerivatives ? { shown: turns } : {}),
    step: stepOf(o.startAt),
    spawned: false,
    plan: PLAN_VERSION,
    inspected,
    stored,
    target,
    outcome: { status: 'preserved', version: o.head, objectRoot: o.objectRoot },
  };
}
