/**
 * Which items belong to which exhibitions and collections, in Redis: a sorted set per collection
 * (who joined, and when), the collections of each item, and each item's entry (its manifest's id,
 * label and thumbnail). Items published at the same time never overwrite each other's membership:
 * every change is one atomic MULTI, and the collections' JSON is rebuilt from here.
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';

export class CollectionMembership {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    /** the institution whose collections these are ("" for an installation without an institutions file) */
    private readonly institution = '',
  ) {}

  /** A collection's key: collections are an institution's own, so slugs may repeat across institutions. */
  private collection(slug: string): string {
    return this.keys.collection(this.institution ? `${this.institution}/${slug}` : slug);
  }

  /**
   * Sets an item's collections and its entry in one step: it joins `slugs` (keeping the time it
   * first joined each), leaves the others. Returns the collections it was in before.
   */
  async set(itemId: string, slugs: string[], entry: unknown, now = Date.now()): Promise<{ before: string[] }> {
    const before = await this.redis.smembers(this.keys.itemCollections(itemId));
    const multi = this.redis.multi();
    for (const s of slugs) multi.zadd(this.collection(s), 'NX', now, itemId);
    for (const s of before.filter((b) => !slugs.includes(b))) multi.zrem(this.collection(s), itemId);
    multi.del(this.keys.itemCollections(itemId));
    if (slugs.length > 0) multi.sadd(this.keys.itemCollections(itemId), ...slugs);
    multi.hset(this.keys.collectionEntries, itemId, JSON.stringify(entry));
    await multi.exec();
    return { before };
  }

  /** The entries of a collection's members, in the order they first joined (then by id). */
  async entries<E>(slug: string): Promise<E[]> {
    const ids = await this.redis.zrange(this.collection(slug), '0', '-1');
    const raw = ids.length ? await this.redis.hmget(this.keys.collectionEntries, ...ids) : [];
    return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as E);
  }
}
