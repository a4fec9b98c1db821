/**
 * The downstream event, as pure values: what `item.published` says (format `yaddas-event/1`,
 * documented in docs/events.md), its id (also the idempotency key of every delivery), and the
 * HMAC-SHA256 signature webhook receivers check.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Digests } from '../../checksum/digests.js';

export const EVENT_FORMAT = 'yaddas-event/1';

export interface ItemPublishedEvent {
  format: typeof EVENT_FORMAT;
  /** unique per published version; the same on every delivery and retry */
  id: string;
  type: 'item.published';
  /** when the event was made (the version was already stored and published) */
  time: string;
  itemId: string;
  /** the institution whose item it is */
  institution: string;
  ingestId: string;
  preservation: { bucket: string; objectId: string; objectRoot: string; version: string };
  access: {
    bucket: string;
    /** keys in the access bucket, and their public URLs */
    keys: { item: string; manifest: string | null; pdf: string | null; text: string | null };
    urls: { item: string; manifest: string | null; pdf: string | null; text: string | null };
  };
  masters: Array<{ page: number; name: string; logicalPath: string; size: number; digests: Digests }>;
  ocr: { status: string; languages?: string; version?: string | null } | null;
}

/** One id per published version of an item by one ingest: a retried step reuses it. */
export const eventId = (ingestId: string, version: string): string => `${ingestId}.${version}`;

/** `sha256=<hex>` over `<timestamp>.<body>`: the timestamp is signed so a capture cannot be replayed later. */
export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does: recompute and compare in constant time. */
export function verifySignature(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(sign(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** What the ingest knows when its version is published: enough to describe it downstream. */
export interface AnnounceFacts {
  ingestId: string;
  itemId: string;
  objectId: string;
  objectRoot: string;
  version: string;
  masters: ItemPublishedEvent['masters'];
  keys: ItemPublishedEvent['access']['keys'];
  ocr: ItemPublishedEvent['ocr'];
}

export function buildEvent(
  f: AnnounceFacts,
  o: { time: string; preservationBucket: string; accessBucket: string; publicBaseUrl: string; institution: string },
): ItemPublishedEvent {
  const url = (k: string | null) => (k ? `${o.publicBaseUrl}/${k}` : null);
  return {
    format: EVENT_FORMAT,
    id: eventId(f.ingestId, f.version),
    type: 'item.published',
    time: o.time,
    itemId: f.itemId,
    institution: o.institution,
    ingestId: f.ingestId,
    preservation: { bucket: o.preservationBucket, objectId: f.objectId, objectRoot: f.objectRoot, version: f.version },
    access: {
      bucket: o.accessBucket,
      keys: f.keys,
      urls: { item: url(f.keys.item)!, manifest: url(f.keys.manifest), pdf: url(f.keys.pdf), text: url(f.keys.text) },
    },
    masters: f.masters,
    ocr: f.ocr,
  };
}
