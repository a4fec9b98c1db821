import { itemKeys, pageKeys } from '../../storage/access-layout.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { OcflStore } from '../../storage/ocfl-store.js';
import { type Inventory, LogicalPaths } from '../../storage/ocfl.core.js';
import { accessWithheld } from '../../domain/withdrawal.js';
import type { ItemRecord } from '../commit/commit.core.js';
import { withholdAccess } from './withhold.js';

/** The head version's item record, or null when it has none. */
async function readRecord(ocfl: OcflStore, inv: Inventory): Promise<ItemRecord | null> {
  const bytes = await ocfl.readLogical(inv, LogicalPaths.itemRecord);
  return bytes ? (JSON.parse(bytes.toString('utf8')) as ItemRecord) : null;
}
import type { HandlerFactory, StageHandler } from '../stage.js';
import { type CollectionEntry, Collections } from './collections.js';
import { accessItem, descriptiveMetadata, iiifManifest, mastersAreHead } from './publish.core.js';
import type { PublishPayload, PublishReturn } from './publish.stage.js';

/**
 * Writes the item's item.json and IIIF manifest to the access bucket (same input, same bytes),
 * then its membership of exhibitions and collections.
 */
export function publishProcessor(deps: {
  access: ObjectStore;
  ocfl: OcflStore;
  publicBaseUrl: string;
  attribution?: string;
  preservationBucket: string;
  collections: Collections;
}): StageHandler<PublishPayload, PublishReturn> {
  return async (data, { log }) => {
    // A re-scan that stored other masters meanwhile owns the access copies now.
    const inv = await deps.ocfl.readInventory(data.itemId);
    if (inv && !mastersAreHead(inv.versions[inv.head]?.state ?? {}, data.stored)) {
      log.warn(
        { head: inv.head, version: data.target.version },
        'a newer version with other masters was stored meanwhile: not publishing over it',
      );
      return {
        item: '',
        manifest: '',
        removed: 0,
        superseded: `a newer version (${inv.head}) with other masters was stored meanwhile; its access copies stand`,
      };
    }
    // A withdrawn item (the head record says so) gets its tombstone, whatever this flow made.
    const headRecord = inv ? await readRecord(deps.ocfl, inv) : null;
    const withheld = accessWithheld(headRecord);
    if (withheld && headRecord?.withdrawal) {
      const { removed } = await withholdAccess(deps, data.itemId, headRecord.withdrawal, headRecord.metadata?.title);
      log.warn({ removed }, `not published: ${withheld}`);
      return { item: '', manifest: '', removed, superseded: withheld };
    }
    // The head version's METS goes out beside item.json, as stored.
    const keys = itemKeys(data.itemId);
    const mets = inv ? await deps.ocfl.readLogical(inv, LogicalPaths.mets) : null;
    if (mets) await deps.access.put(keys.mets, mets, { contentType: 'application/xml' });
    const input = {
      ...data,
      publicBaseUrl: deps.publicBaseUrl,
      attribution: deps.attribution,
      preservationBucket: deps.preservationBucket,
      ...(mets && inv ? { metsVersion: inv.head } : {}),
    };
    const manifest = iiifManifest(input);
    const item = accessItem(input);
    // Access copies of views the item no longer has (a re-scan with fewer pages) go.
    const views = new Set((item.pages as Array<{ page: number }>).map((p) => pageKeys(data.itemId, p.page).folder));
    // Listed folder by folder: a book's pages hold thousands of tiles, and only whole page
    // folders can be stale.
    const stale: string[] = [];
    for (const folder of await deps.access.listFolders(keys.pages)) {
      if (views.has(folder)) continue;
      for await (const o of deps.access.list(folder)) stale.push(o.key);
    }
    if (stale.length > 0) {
      await deps.access.delete(stale);
      log.info({ removed: stale.length }, 'removed access copies of pages the item no longer has');
    }
    // A PDF or full text of an earlier version that this one does not have.
    const gone = [...(data.pdf ? [] : [keys.pdf]), ...(data.ocr?.text?.pages.length ? [] : [keys.text])];
    if (gone.length > 0) await deps.access.delete(gone);
    await deps.access.put(keys.item, Buffer.from(`${JSON.stringify(item, null, 2)}\n`), { contentType: 'application/json' });
    if (item.manifest === null) {
      log.info('no images to show: item.json published, no manifest');
      return { item: keys.item, manifest: '', removed: stale.length };
    }
    // The manifest after what it points to: a viewer that finds it finds everything it names.
    await deps.access.put(keys.manifest, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), {
      contentType: 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"',
    });
    const entry: CollectionEntry = {
      id: manifest.id as string,
      type: 'Manifest',
      label: manifest.label as CollectionEntry['label'],
      ...(manifest.thumbnail ? { thumbnail: manifest.thumbnail as unknown[] } : {}),
    };
    const { joined } = await deps.collections.setMembership(data.itemId, descriptiveMetadata(input).metadata.collections ?? [], entry);
    log.info({ manifest: keys.manifest, collections: joined }, 'item.json and manifest published');
    return { item: keys.item, manifest: keys.manifest, removed: stale.length };
  };
}

export const publishHandler: HandlerFactory<PublishPayload, PublishReturn> = ({ config, preservation, access, locks, membership, log }) =>
  publishProcessor({
    access,
    ocfl: preservation,
    publicBaseUrl: config.access.publicBaseUrl,
    attribution: config.access.attribution,
    preservationBucket: preservation.bucket,
    collections: new Collections({ membership, locks, access, defs: config.collections, publicBaseUrl: config.access.publicBaseUrl, log }),
  });
