/**
 * The figures behind the dashboard's charts: every minute (by default) the console notes pages
 * preserved so far and the jobs waiting or running in every queue, in a Redis sorted set scored
 * by time, kept for two days. Throughput (pages per hour) is the difference between points.
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';

export interface Point {
  t: number;
  pages: number;
  waiting: number;
  active: number;
  failed: number;
  /** audits made so far, and the bytes they read (absent in points from before audits were counted) */
  audits?: number;
  auditBytes?: number;
}

export class Series {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly keepMs = 48 * 3600_000,
  ) {}

  private get key() {
    return this.keys.series;
  }

  async add(p: Point): Promise<void> {
    await this.redis
      .multi()
      .zadd(this.key, p.t, JSON.stringify(p))
      .zremrangebyscore(this.key, '-inf', String(p.t - this.keepMs))
      .exec();
  }

  async since(ms: number, now = Date.now()): Promise<Point[]> {
    return (await this.redis.zrangebyscore(this.key, String(now - ms), '+inf')).map((s) => JSON.parse(s) as Point);
  }
}
