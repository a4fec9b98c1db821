/**
 * Items under embargo, in Redis: one sorted set scored by when each embargo ends (ms), so that
 * the scheduler's lift asks only for what is due. Redis is an index here, never the truth: the
 * item record says "embargoed until", publish (re)enters the item whenever it withholds one for an
 * embargo, and after Redis lost its data the lift rebuilds the set from the objects once.
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';

export class Embargoes {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** The item is under embargo until `until` (ms): where it was already, its end is moved. */
  async set(itemId: string, until: number): Promise<void> {
    await this.redis.zadd(this.keys.embargoes, until, itemId);
  }

  /** The item is not under embargo (published, or kept from the public for another reason). */
  async remove(itemId: string): Promise<void> {
    await this.redis.zrem(this.keys.embargoes, itemId);
  }

  /** Items whose embargo ended by `now` (ms), earliest first, at most `limit`. */
  async due(now: number, limit: number): Promise<Array<{ itemId: string; until: number }>> {
    const max = Number.isFinite(now) ? now : '+inf';
    const raw = await this.redis.zrangebyscore(this.keys.embargoes, '-inf', max, 'WITHSCORES', 'LIMIT', 0, limit);
    const out: Array<{ itemId: string; until: number }> = [];
    for (let i = 0; i < raw.length; i += 2) out.push({ itemId: raw[i]!, until: Number(raw[i + 1]) });
    return out;
  }

  /** Every item under embargo with its end, for the console and `yaddas embargoes`. */
  async all(): Promise<Array<{ itemId: string; until: number }>> {
    return this.due(Number.POSITIVE_INFINITY, 1_000_000);
  }

  /** Whether the set was built (or rebuilt) since Redis last lost its data. */
  async built(): Promise<boolean> {
    return (await this.redis.exists(this.keys.embargoesBuilt)) === 1;
  }

  async markBuilt(): Promise<void> {
    await this.redis.set(this.keys.embargoesBuilt, new Date().toISOString());
  }
}
