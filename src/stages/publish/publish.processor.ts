import type { PublishPayload, PublishReturn } from '../../pipeline/plan.js';
import type { StageHandler } from '../../pipeline/queues.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { accessItem, iiifManifest, itemKeys } from './publish.core.js';

/** Writes the item's item.json and IIIF manifest to the access bucket (idempotent: same bytes). */
export function publishProcessor(deps: { access: ObjectStore; publicBaseUrl: string; preservationBucket: string }): StageHandler<PublishPayload, PublishReturn> {
  return async (data, { log }) => {
    const input = { ...data, publicBaseUrl: deps.publicBaseUrl, preservationBucket: deps.preservationBucket };
    const keys = itemKeys(data.itemId);
    await deps.access.put(keys.item, Buffer.from(JSON.stringify(accessItem(input), null, 2) + '\n'), { contentType: 'application/json' });
    // The manifest last: a viewer that finds it finds everything it points to.
    await deps.access.put(keys.manifest, Buffer.from(JSON.stringify(iiifManifest(input), null, 2) + '\n'), {
      contentType: 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"',
    });
    log.info({ manifest: keys.manifest }, 'item.json and manifest published');
    return { item: keys.item, manifest: keys.manifest };
  };
}
