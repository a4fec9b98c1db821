/**
 * Announce: downstream systems learn of a version only now, stored and verified, then published:
 * one entry in the event stream and one delivery per webhook. Not for an unchanged re-scan
 * (nothing new) nor when publishing failed (the access copies are not there). One job per ingest.
 */
import { itemKeys } from '../../storage/access-layout.js';
import type { DeriveSlice } from '../derive/derive.stage.js';
import type { OcrSlice } from '../ocr/ocr.stage.js';
import type { PdfSlice } from '../pdf/pdf.stage.js';
import type { PrepareSlice } from '../prepare/prepare.stage.js';
import { type IngestCore, jobRef, type StageSpec } from '../stage.js';
import type { StoreSlice } from '../store/store.stage.js';
import type { TextSlice } from '../text/text.stage.js';
import type { AnnounceFacts } from './announce.core.js';

export type AnnouncePayload = AnnounceFacts;

export interface AnnounceReturn {
  eventId: string;
  added: boolean;
}

/** One webhook delivery of an event (the `notify` queue's payload). */
export interface NotifyPayload {
  eventId: string;
  itemId: string;
  url: string;
  /** the event exactly as appended to the stream: every attempt sends these bytes */
  body: string;
  /** the event's type; absent in deliveries queued before there was more than item.published */
  type?: string;
}

type State = IngestCore & PrepareSlice & StoreSlice & DeriveSlice & OcrSlice & TextSlice & PdfSlice;

export const announceStage: StageSpec<'announce', AnnouncePayload, AnnounceReturn, State> = {
  name: 'announce',
  runsOn: 'any',
  label: 'announcing the published version (event stream, webhooks)',
  fanOut: (s) => {
    if (s.outcome?.status !== 'preserved' || s.publication?.status !== 'published' || !s.target) return [];
    const keys = itemKeys(s.manifest.itemId);
    const hasManifest = Object.values(s.derived ?? {}).some((d) => d.iiif);
    const masters = s.manifest.files.flatMap((f) => {
      const st = s.stored[f.path];
      return f.role === 'page' && st
        ? [{ page: f.page ?? 0, name: f.path.split('/').pop() ?? f.path, logicalPath: st.logicalPath, size: st.size, digests: st.digests }]
        : [];
    });
    const t = s.text;
    const version = t?.version ?? s.outcome.version ?? s.target.version;
    const ocr = s.manifest.ocr?.run
      ? {
          status: t?.version ? (Object.keys(s.ocr?.failed ?? {}).length ? 'partial' : 'done') : 'failed',
          languages: s.manifest.ocr.languages,
          version: t?.version ?? null,
        }
      : null;
    return [
      {
        key: 'item',
        data: {
          ...jobRef(s),
          objectId: s.target.objectId,
          objectRoot: s.target.objectRoot,
          version,
          masters,
          keys: {
            item: keys.item,
            manifest: hasManifest ? keys.manifest : null,
            pdf: s.pdf ? s.pdf.key : null,
            text: t?.pages.length ? t.fullText : null,
          },
          ocr,
        },
      },
    ];
  },
  // Announcing changes nothing in the item's state; a failure is in the job's record and logs.
  fold: (s) => s,
};
