/**
 * Tells downstream systems that a version of an item is stored and published: this step runs
 * only after publish has written item.json and the manifest (and the OCFL version was verified
 * long before). One entry in the event stream per version, and a delivery job per webhook.
 */
import type { EventStream } from '../../adapters/redis/event-stream.js';
import type { OcflStore } from '../../storage/ocfl-store.js';
import { accessWithheldNow, type Deliveries, type HandlerFactory, type StageHandler } from '../stage.js';
import { buildEvent } from './announce.core.js';
import type { AnnouncePayload, AnnounceReturn } from './announce.stage.js';

export interface AnnounceDeps {
  ocfl: OcflStore;
  events: EventStream;
  deliveries: Deliveries;
  webhookUrls: string[];
  preservationBucket: string;
  accessBucket: string;
  publicBaseUrl: string;
  institution: string;
  /** the clock the embargo rule reads (a test's own in tests) */
  now?: () => Date;
}

export function announceProcessor(deps: AnnounceDeps): StageHandler<AnnouncePayload, AnnounceReturn> {
  return async (data, { log }) => {
    // Never "published" for an item withdrawn meanwhile (a retried or re-run job included).
    const withheld = await accessWithheldNow(deps.ocfl, data.itemId, (deps.now ?? (() => new Date()))());
    if (withheld) {
      log.warn(`item.published not sent: ${withheld}`);
      return { eventId: '', added: false };
    }
    const ev = buildEvent(data, {
      time: new Date().toISOString(),
      preservationBucket: deps.preservationBucket,
      accessBucket: deps.accessBucket,
      publicBaseUrl: deps.publicBaseUrl,
      institution: deps.institution,
    });
    const { added, json } = await deps.events.append(ev);
    // One delivery job per event and webhook (deterministic ids), whatever retries happen here.
    await deps.deliveries.queue(deps.webhookUrls.map((url) => ({ eventId: ev.id, itemId: ev.itemId, url, body: json })));
    log.info(
      { eventId: ev.id, version: data.version, added, webhooks: deps.webhookUrls.length },
      added ? 'item.published announced' : 'item.published was already announced',
    );
    return { eventId: ev.id, added };
  };
}

export const announceHandler: HandlerFactory<AnnouncePayload, AnnounceReturn> = ({
  config,
  events,
  deliveries,
  preservation,
  access,
  now,
  institution,
}) =>
  announceProcessor({
    now,
    institution: institution.id,
    ocfl: preservation,
    events,
    deliveries,
    webhookUrls: config.webhooks.urls,
    preservationBucket: preservation.bucket,
    accessBucket: access.bucket,
    publicBaseUrl: config.access.publicBaseUrl,
  });
