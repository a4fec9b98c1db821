/**
 * The lock port: one primitive for every lock Yaddaş takes across processes and machines (an
 * item's OCFL object, a collection being rebuilt, the inbox watcher's lease). A lock has a name
 * and an owner; it is held until released or until its time runs out. Implemented over Redis by
 * adapters/redis/locks.ts.
 */
export interface Locks {
  /** Takes the lock for `owner`, or renews it when `owner` already holds it; true when it does now. */
  hold(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Who holds the lock now, or null. */
  holder(name: string): Promise<string | null>;
  /** Releases the lock if `owner` holds it (compare and delete); a no-op otherwise. */
  release(name: string, owner: string): Promise<void>;
  /**
   * Runs `fn` holding the lock: waits up to `waitMs` for it, keeps it renewed while `fn` runs, and
   * releases it after. Throws when the lock stays taken for `waitMs`. `onLost` is told when the
   * lock could not be renewed (Redis went away) while `fn` was still running.
   */
  withLock<T>(name: string, opts: { waitMs: number; ttlMs: number; onLost?: () => void }, fn: () => Promise<T>): Promise<T>;
}

/** Lock names, one home for each kind. */
export const LockNames = {
  object: (objectId: string) => `object:${objectId}`,
  /** an object's copy in one copy (a replica, or the primary) while it is copied or repaired */
  copy: (copy: string, objectId: string) => `copy:${copy}:${objectId}`,
  collection: (slug: string) => `collection:${slug}`,
  inbox: (inboxHash: string) => `inbox:${inboxHash}`,
} as const;
