/**
 * The lock port over Redis, with redis-semaphore's Mutex (atomic Lua scripts; compare-and-delete
 * release; renewal by the holder only). Every lock lives at `<prefix>:yd:mutex:<name>`: the
 * library names its keys `mutex:<name>`, and this adapter's connection prefixes them.
 *
 * Owners are our own ids (an ingest id, a watcher's id), not random ones, so that a lock taken by
 * one job can be renewed and released by a later job of the same ingest, in another process.
 */
import type { Redis } from 'ioredis';
import { Mutex } from 'redis-semaphore';
import type { Locks } from '../../storage/locks.js';

export class RedisLocks implements Locks {
  /** @param conn a connection whose keyPrefix is `<prefix>:yd:` (redisKeys(prefix).root) */
  constructor(private readonly conn: Redis) {}

  async hold(name: string, owner: string, ttlMs: number): Promise<boolean> {
    // Renew when `owner` holds it already (a retried job, a lease renewed on each scan) …
    const mine = new Mutex(this.conn, name, { identifier: owner, acquiredExternally: true, lockTimeout: ttlMs, refreshInterval: 0 });
    if (await mine.tryAcquire()) return true;
    // … else take it if it is free.
    const free = new Mutex(this.conn, name, { identifier: owner, lockTimeout: ttlMs, refreshInterval: 0, acquireAttemptsLimit: 1 });
    return free.tryAcquire();
  }

  async holder(name: string): Promise<string | null> {
    return this.conn.get(`mutex:${name}`);
  }

  async release(name: string, owner: string): Promise<void> {
    await new Mutex(this.conn, name, { identifier: owner, acquiredExternally: true, refreshInterval: 0 }).release();
  }

  async withLock<T>(name: string, opts: { waitMs: number; ttlMs: number; onLost?: () => void }, fn: () => Promise<T>): Promise<T> {
    const m = new Mutex(this.conn, name, {
      acquireTimeout: opts.waitMs,
      lockTimeout: opts.ttlMs,
      retryInterval: 100,
      // Renewed while fn runs. The library's default for a lost lock is to throw where nothing can
      // catch it (the process would crash); the caller is told instead.
      onLockLost: () => opts.onLost?.(),
    });
    await m.acquire();
    try {
      return await fn();
    } finally {
      await m.release();
    }
  }
}
