/**
 * Tells downstream systems that a version of an item is stored and published: this step runs
 * only after publish has written item.json and the manifest (and the OCFL version was verified
 * long before). One entry in the event stream per version, and a delivery job per webhook.
 */
import { NOTIFY_QUEUE, type AnnouncePayload, type AnnounceReturn } from '../../pipeline/plan.js';
import type { StageHandler } from '../../pipeline/queues.js';
import type { Queues } from '../../pipeline/queues.js';
import type { EventStream } from '../../adapters/event-stream.js';
import { buildEvent } from './announce.core.js';

export interface AnnounceDeps {
  events: EventStream;
  queues: Queues;
  webhooks: { urls: string[]; attempts: number; backoffSeconds: number };
  preservationBucket: string;
  accessBucket: string;
  publicBaseUrl: string;
}

export interface NotifyPayload {
  eventId: string;
  itemId: string;
  url: string;
  /** the event exactly as appended to the stream: every attempt sends these bytes */
  body: string;
}

export function announceProcessor(deps: AnnounceDeps): StageHandler<AnnouncePayload, AnnounceReturn> {
  return async (data, { log }) => {
    const ev = buildEvent(data, {
      time: new Date().toISOString(),
      preservationBucket: deps.preservationBucket,
      accessBucket: deps.accessBucket,
      publicBaseUrl: deps.publicBaseUrl,
    });
    const { added, json } = await deps.events.append(ev);
    const q = deps.queues.get(NOTIFY_QUEUE);
    await q.addBulk(
      deps.webhooks.urls.map((url, i) => ({
        name: 'notify',
        data: { eventId: ev.id, itemId: ev.itemId, url, body: json } satisfies NotifyPayload,
        opts: {
          // One delivery job per event and webhook, whatever retries happen here.
          jobId: `notify-${ev.id}-${i}`,
          attempts: deps.webhooks.attempts,
          backoff: { type: 'exponential', delay: deps.webhooks.backoffSeconds * 1000, jitter: 0.3 },
          removeOnComplete: { age: 7 * 24 * 3600 },
          removeOnFail: { age: 30 * 24 * 3600 },
        },
      })),
    );
    log.info(
      { eventId: ev.id, version: data.version, added, webhooks: deps.webhooks.urls.length },
      added ? 'item.published announced' : 'item.published was already announced',
    );
    return { eventId: ev.id, added };
  };
}
