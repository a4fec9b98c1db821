/**
 * Exhibitions and collections as IIIF Collections in the access bucket. Membership lives in Redis
 * (a sorted set per collection: who joined, and when), so that items published at the same time
 * never overwrite each other's membership: every publisher adds atomically, then rebuilds the
 * collection's JSON from the set under a per-collection lock. Items are listed in the order they
 * first joined (then by id), which stays stable across rebuilds. `yaddas rederive --all` rebuilds
 * membership from the items themselves.
 */
import { inEveryLanguage } from '../../domain/i18n/index.js';
import type { Collection } from '@iiif/presentation-3';
import type { CollectionMembership } from '../../adapters/redis/collection-membership.js';
import type { CollectionDef } from '../../config/load.js';
import type { Logger } from '../../log.js';
import { collectionKey, ROOT_COLLECTION_KEY } from '../../storage/access-layout.js';
import { LockNames, type Locks } from '../../storage/locks.js';
import type { ObjectStore } from '../../storage/object-store.js';

type LanguageMap = Record<string, string[]>;
const langMap = (v: string | Record<string, string>): LanguageMap =>
  typeof v === 'string' ? { none: [v] } : Object.fromEntries(Object.entries(v).map(([k, t]) => [k, [t]]));

/** How an item appears in a collection: the manifest's id, label and thumbnail. */
export interface CollectionEntry {
  id: string;
  type: 'Manifest';
  label: LanguageMap;
  thumbnail?: unknown[];
}

const CONTEXT = 'http://iiif.io/api/presentation/3/context.json';

/** A IIIF Collection of one exhibition / collection (pure). */
export function collectionJson(def: CollectionDef, entries: CollectionEntry[], base: string): Collection {
  const c: Collection = {
    '@context': CONTEXT,
    id: `${base}/${collectionKey(def.slug)}`,
    type: 'Collection',
    label: langMap(def.label),
    items: [],
  };
  if (def.summary) c.summary = langMap(def.summary);
  if (def.thumbnail)
    c.thumbnail = [{ id: def.thumbnail, type: 'Image', format: def.thumbnail.endsWith('.png') ? 'image/png' : 'image/jpeg' }];
  c.items = entries as unknown as Collection['items'];
  return c;
}

/** The collection of all collections (pure): every configured one, in configuration order. */
export function rootCollectionJson(defs: CollectionDef[], base: string): Collection {
  return {
    '@context': CONTEXT,
    id: `${base}/${ROOT_COLLECTION_KEY}`,
    type: 'Collection',
    label: inEveryLanguage('iiif.collections'),
    // References, not embedded collections (the types only model the embedded form).
    items: defs.map((d) => ({
      id: `${base}/${collectionKey(d.slug)}`,
      type: 'Collection',
      label: langMap(d.label),
    })) as unknown as Collection['items'],
  };
}

export interface CollectionsDeps {
  membership: CollectionMembership;
  locks: Locks;
  access: ObjectStore;
  defs: CollectionDef[];
  publicBaseUrl: string;
  log: Logger;
}

export class Collections {
  private readonly defs: Map<string, CollectionDef>;
  constructor(private readonly deps: CollectionsDeps) {
    this.defs = new Map(deps.defs.map((d) => [d.slug, d]));
  }

  /** Sets an item's collections (joining, leaving) and rebuilds the collections it touched. */
  async setMembership(itemId: string, slugs: string[], entry: CollectionEntry): Promise<{ joined: string[]; unknown: string[] }> {
    const known = slugs.filter((s) => this.defs.has(s));
    const unknown = slugs.filter((s) => !this.defs.has(s));
    if (unknown.length > 0) this.deps.log.warn({ itemId, unknown }, 'metadata.json names collections that are not configured; ignored');
    const { before } = await this.deps.membership.set(itemId, known, entry);
    for (const s of new Set([...known, ...before])) if (this.defs.has(s)) await this.rebuild(s);
    await this.deps.access.put(ROOT_COLLECTION_KEY, json(rootCollectionJson([...this.defs.values()], this.deps.publicBaseUrl)), {
      contentType: IIIF_JSON,
    });
    return { joined: known, unknown };
  }

  /** Writes a collection's JSON from its members, holding the collection's lock. */
  async rebuild(slug: string): Promise<void> {
    const onLost = () =>
      this.deps.log.warn({ slug }, 'lost the collection lock while rebuilding it; the next publication rebuilds it again');
    await this.deps.locks.withLock(LockNames.collection(slug), { waitMs: 60_000, ttlMs: 30_000, onLost }, async () => {
      const entries = await this.deps.membership.entries<CollectionEntry>(slug);
      const def = this.defs.get(slug);
      if (!def) return;
      await this.deps.access.put(collectionKey(slug), json(collectionJson(def, entries, this.deps.publicBaseUrl)), {
        contentType: IIIF_JSON,
      });
    });
  }
}

const IIIF_JSON = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"';
const json = (v: unknown) => Buffer.from(`${JSON.stringify(v, null, 2)}\n`);
