import { itemKeys, pageKeys } from '../../storage/access-layout.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { OcflStore } from '../../storage/ocfl-store.js';
import { type Inventory, LogicalPaths } from '../../storage/ocfl.core.js';
import type { Embargoes } from '../../adapters/redis/embargoes.js';
import { EMBARGOED_PREFIX, RESTRICTED_PREFIX, WITHDRAWN_PREFIX } from '../../domain/withdrawal.js';
import type { ItemRecord } from '../commit/commit.core.js';
import { keepFromPublic } from './withhold.js';

/** The head version's item record, or null when it has none. */
async function readRecord(ocfl: OcflStore, inv: Inventory): Promise<ItemRecord | null> {
  const bytes = await ocfl.readLogical(inv, LogicalPaths.itemRecord);
  return bytes ? (JSON.parse(bytes.toString('utf8')) as ItemRecord) : null;
}
import type { HandlerFactory, StageHandler } from '../stage.js';
import { type CollectionEntry, Collections } from './collections.js';
import { accessItem, descriptiveMetadata, iiifManifest, mastersAreHead, type PublishInput } from './publish.core.js';
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
  institution?: PublishInput['institution'];
  preservationBucket: string;
  collections: Collections;
  /** items under embargo: an item withheld for one is entered, one published leaves */
  embargoes: Pick<Embargoes, 'set' | 'remove'>;
  now?: () => Date;
}): StageHandler<PublishPayload, PublishReturn> {
  const now = deps.now ?? (() => new Date());
  return async (data, { log }) => {
    const inv = await deps.ocfl.readInventory(data.itemId);
    // A withdrawn item (the head record says so) gets its tombstone, whatever this flow made, and
    // first: an older flow must not leave behind what its derive wrote.
    const withhold = async () => {
      const current = await deps.ocfl.readInventory(data.itemId);
      const record = current ? await readRecord(deps.ocfl, current) : null;
      // Under embargo, the scheduler's lift publishes it when the embargo ends; withdrawn or
      // restricted, only a person's act (or a new version) does.
      const kept = await keepFromPublic(deps, data.itemId, record, now());
      if (!kept) return null;
      const { why, removed } = kept;
      log.warn({ removed }, `not published: ${why}`);
      return { item: '', manifest: '', removed, superseded: why };
    };
    const withheld = await withhold();
    if (withheld) return withheld;
    // A re-scan that stored other masters meanwhile owns the access copies now.
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
    // A flow that ran while the item was withdrawn made nothing public; the reinstatement
    // published the item again from its object, so this flow's partial results must not replace that.
    if (Object.values(data.derived ?? {}).some((d) => d.skipped?.startsWith(WITHDRAWN_PREFIX)))
      return {
        item: '',
        manifest: '',
        removed: 0,
        superseded: 'the item was withdrawn while this flow ran; its reinstatement published it',
      };
    // Kept from the public when this flow began (an embargo that ended meanwhile, metadata that
    // opened it): what it made is partial, so the item is left to the lift, which rebuilds all.
    if (
      Object.values(data.derived ?? {}).some((d) => d.skipped?.startsWith(EMBARGOED_PREFIX) || d.skipped?.startsWith(RESTRICTED_PREFIX))
    ) {
      await deps.embargoes.set(data.itemId, now().getTime());
      return {
        item: '',
        manifest: '',
        removed: 0,
        superseded: 'the item was kept from the public when this flow began and may be public now: the embargo lift publishes it',
      };
    }
    // The head version's METS goes out beside item.json, as stored.
    const keys = itemKeys(data.itemId);
    const mets = inv ? await deps.ocfl.readLogical(inv, LogicalPaths.mets) : null;
    if (mets) await deps.access.put(keys.mets, mets, { contentType: 'application/xml' });
    const input = {
      ...data,
      publicBaseUrl: deps.publicBaseUrl,
      attribution: deps.attribution,
      ...(deps.institution ? { institution: deps.institution } : {}),
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
    // Withdrawn while this ran: the tombstone replaces what was just written.
    const late = await withhold();
    if (late) return late;
    await deps.embargoes.remove(data.itemId);
    log.info({ manifest: keys.manifest, collections: joined }, 'item.json and manifest published');
    return { item: keys.item, manifest: keys.manifest, removed: stale.length };
  };
}

export const publishHandler: HandlerFactory<PublishPayload, PublishReturn> = ({
  config,
  preservation,
  access,
  locks,
  membership,
  log,
  embargoes,
  now,
  institution,
}) =>
  publishProcessor({
    embargoes,
    now,
    // Named only where there are several: a single installation's items need no provider line.
    ...(config.institutionsFile
      ? {
          institution: {
            id: institution.id,
            name: institution.name as Record<string, string>,
            ...(institution.logo ? { logo: institution.logo } : {}),
            ...(institution.homepage ? { homepage: institution.homepage } : {}),
          },
        }
      : {}),
    access,
    ocfl: preservation,
    publicBaseUrl: config.access.publicBaseUrl,
    attribution: config.access.attribution,
    preservationBucket: preservation.bucket,
    collections: new Collections({ membership, locks, access, defs: config.collections, publicBaseUrl: config.access.publicBaseUrl, log }),
  });
