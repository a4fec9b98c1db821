/**
 * Exhibitions and collections as IIIF Collections in the access bucket. Membership lives in Redis
 * (a sorted set per collection: who joined, and when), so that items published at the same time
 * never overwrite each other's membership: every publisher adds atomically, then rebuilds the
 * collection's JSON from the set under a per-collection lock. Items are listed in the order they
 * first joined (then by id), which stays stable across rebuilds. `yaddas rederive --all` rebuilds
 * membership from the items themselves.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Collection } from '@iiif/presentation-3';
import type { CollectionDef } from '../../config/load.js';
import type { Logger } from '../../log.js';
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
export const collectionKey = (slug: string) => `collections/${slug}/collection.json`;
export const ROOT_COLLECTION_KEY = 'collections/collection.json';

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
    label: { en: ['Collections and exhibitions'], az: ['Kolleksiyalar və sərgilər'] },
    // References, not embedded collections (the types only model the embedded form).
    items: defs.map((d) => ({
      id: `${base}/${collectionKey(d.slug)}`,
      type: 'Collection',
      label: langMap(d.label),
    })) as unknown as Collection['items'],
  };
}

export class Collections {
  private readonly defs: Map<string, CollectionDef>;
  constructor(
    private readonly deps: { redis: Redis; prefix: string; access: ObjectStore; defs: CollectionDef[]; publicBaseUrl: string; log: Logger },
  ) {
    this.defs = new Map(deps.defs.map((d) => [d.slug, d]));
  }

  private k(part: string) {
    return `${this.deps.prefix}:yd:${part}`;
  }

  /** Sets an item's collections (joining, leaving) and rebuilds the collections it touched. */
  async setMembership(itemId: string, slugs: string[], entry: CollectionEntry): Promise<{ joined: string[]; unknown: string[] }> {
    const known = slugs.filter((s) => this.defs.has(s));
    const unknown = slugs.filter((s) => !this.defs.has(s));
    if (unknown.length > 0) this.deps.log.warn({ itemId, unknown }, 'metadata.json names collections that are not configured; ignored');
    const { redis } = this.deps;
    const before = await redis.smembers(this.k(`item-collections:${itemId}`));
    const now = Date.now();
    const multi = redis.multi();
    for (const s of known) multi.zadd(this.k(`collection:${s}`), 'NX', now, itemId);
    for (const s of before.filter((b) => !known.includes(b))) multi.zrem(this.k(`collection:${s}`), itemId);
    multi.del(this.k(`item-collections:${itemId}`));
    if (known.length > 0) multi.sadd(this.k(`item-collections:${itemId}`), ...known);
    multi.hset(this.k('collection-entries'), itemId, JSON.stringify(entry));
    await multi.exec();
    for (const s of new Set([...known, ...before])) if (this.defs.has(s)) await this.rebuild(s);
    await this.deps.access.put(ROOT_COLLECTION_KEY, json(rootCollectionJson([...this.defs.values()], this.deps.publicBaseUrl)), {
      contentType: IIIF_JSON,
    });
    return { joined: known, unknown };
  }

  /** Writes a collection's JSON from its members, holding the collection's lock. */
  async rebuild(slug: string): Promise<void> {
    const lock = this.k(`lock:collection:${slug}`);
    const token = randomUUID();
    for (let i = 0; (await this.deps.redis.call('SET', lock, token, 'PX', '30000', 'NX')) !== 'OK'; i++) {
      if (i > 600) throw new Error(`collection ${slug} stayed locked for a minute`);
      await new Promise((r) => setTimeout(r, 100));
    }
    try {
      const ids = await this.deps.redis.zrange(this.k(`collection:${slug}`), '0', '-1'); // by join time, then id
      const raw = ids.length ? await this.deps.redis.hmget(this.k('collection-entries'), ...ids) : [];
      const entries = raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as CollectionEntry);
      await this.deps.access.put(collectionKey(slug), json(collectionJson(this.defs.get(slug)!, entries, this.deps.publicBaseUrl)), {
        contentType: IIIF_JSON,
      });
    } finally {
      await this.deps.redis.eval(
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
        1,
        lock,
        token,
      );
    }
  }
}

const IIIF_JSON = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"';
const json = (v: unknown) => Buffer.from(JSON.stringify(v, null, 2) + '\n');
