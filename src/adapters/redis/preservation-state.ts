/**
 * What Yaddaş knows of its copies and audits, in Redis, for fast answers (status, console,
 * metrics, the audit scheduler): which version each copy holds complete, each object's last audit
 * in each copy, the damaged objects, and the audit and repair records waiting to be written to the
 * history in every copy. The history in storage (storage/audit-log.ts) is the lasting record:
 * after Redis lost its data, the audit state is rebuilt from it (stages/audit/sweep).
 */
import type { Redis } from 'ioredis';
import type { AuditRecord, HistoryRecord } from '../../domain/audit-record.js';
import type { RedisKeys } from './keys.js';

/** Moves up to ARGV[1] records from the pending list to the flushing list, unless one is under way. */
const TAKE_BATCH = `
if redis.call('LLEN', KEYS[2]) > 0 then return redis.call('LLEN', KEYS[2]) end
local r = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #r == 0 then return 0 end
redis.call('RPUSH', KEYS[2], unpack(r))
redis.call('LTRIM', KEYS[1], #r, -1)
return #r`;

export class PreservationState {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  // ---- copies ----------------------------------------------------------------------------------

  /**
   * A version was written to the primary: the replicas do not hold it yet, and its new content is
   * to be audited soon (score 0 puts it first in the scheduler's line).
   */
  async versionWritten(itemId: string, version: string, replicas: string[]): Promise<void> {
    const m = this.redis.multi().hset(this.keys.copies(itemId), 'primary', version).zadd(this.keys.auditedAt('primary'), 0, itemId);
    if (replicas.length > 0) m.zadd(this.keys.copiesIncomplete, 'NX', Date.now(), itemId);
    await m.exec();
  }

  /** A replica holds `version` of the item complete (every file read back and checked). */
  async copyComplete(itemId: string, copy: string, version: string, replicas: string[]): Promise<void> {
    // The copy is of the primary's head at the time: known for the primary too, after Redis lost it.
    await this.redis
      .multi()
      .hset(this.keys.copies(itemId), copy, version)
      .hsetnx(this.keys.copies(itemId), 'primary', version)
      .zadd(this.keys.auditedAt(copy), 'NX', 0, itemId)
      .exec();
    const held = await this.copiesOf(itemId);
    if (replicas.every((r) => held[r] === held.primary)) await this.redis.zrem(this.keys.copiesIncomplete, itemId);
  }

  /** The version each copy holds complete, by copy name (the primary's is its head). */
  async copiesOf(itemId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.copies(itemId));
  }

  /** Items whose copies are not all complete, oldest first, and how many there are. */
  async incomplete(limit: number): Promise<{ ids: string[]; total: number }> {
    const [ids, total] = await Promise.all([
      limit > 0 ? this.redis.zrange(this.keys.copiesIncomplete, '0', String(limit - 1)) : Promise.resolve([]),
      this.redis.zcard(this.keys.copiesIncomplete),
    ]);
    return { ids, total };
  }

  // ---- audits ----------------------------------------------------------------------------------

  /**
   * Keeps an audit's result: the object's time in the scheduler's line (unless the copy could not
   * be read: it stays due), its last audit, the damaged list, and the record for the history of
   * every copy.
   */
  async recordAudit(r: AuditRecord, allCopies: string[]): Promise<void> {
    const json = JSON.stringify(r);
    const m = this.redis.multi().hset(this.keys.auditLast(r.copy), r.id, json);
    if (r.status !== 'unreachable') m.zadd(this.keys.auditedAt(r.copy), Date.parse(r.at), r.id);
    for (const c of allCopies) m.rpush(this.keys.auditPending(c), json);
    if (r.noGoodCopy) m.zadd(this.keys.damaged, 'NX', Date.parse(r.at), r.id);
    await m.exec();
  }

  /** Keeps repair records for the history of every copy. */
  async recordHistory(records: HistoryRecord[], allCopies: string[]): Promise<void> {
    if (records.length === 0) return;
    const m = this.redis.multi();
    for (const c of allCopies) m.rpush(this.keys.auditPending(c), ...records.map((r) => JSON.stringify(r)));
    await m.exec();
  }

  /** The object is no longer damaged (every copy audits ok or was repaired). */
  async clearDamaged(itemId: string): Promise<void> {
    await this.redis.zrem(this.keys.damaged, itemId);
  }

  async isDamaged(itemId: string): Promise<boolean> {
    return (await this.damagedSince(itemId)) !== null;
  }

  /** When the object was first found damaged (ISO time), or null. */
  async damagedSince(itemId: string): Promise<string | null> {
    const s = await this.redis.zscore(this.keys.damaged, itemId);
    return s === null ? null : new Date(Number(s)).toISOString();
  }

  /** Damaged objects, newest first, with when they were found, and how many there are. */
  async damaged(limit: number): Promise<{ items: Array<{ id: string; since: string }>; total: number }> {
    const [flat, total] = await Promise.all([
      limit > 0 ? this.redis.zrevrange(this.keys.damaged, 0, limit - 1, 'WITHSCORES') : Promise.resolve([]),
      this.redis.zcard(this.keys.damaged),
    ]);
    const items: Array<{ id: string; since: string }> = [];
    for (let i = 0; i < flat.length; i += 2) items.push({ id: flat[i]!, since: new Date(Number(flat[i + 1])).toISOString() });
    return { items, total };
  }

  /** The last audit of each object named, in one copy (null: never audited here). */
  async lastAudits(copy: string, ids: string[]): Promise<Array<AuditRecord | null>> {
    if (ids.length === 0) return [];
    const raw = await this.redis.hmget(this.keys.auditLast(copy), ...ids);
    return raw.map((j) => (j ? (JSON.parse(j) as AuditRecord) : null));
  }

  /** Makes sure the object is in a copy's line for audits (never audited: first). */
  async track(copy: string, itemId: string): Promise<void> {
    await this.redis.zadd(this.keys.auditedAt(copy), 'NX', 0, itemId);
  }

  /** The objects of a copy whose audit is oldest (never audited first), with their times. */
  async oldest(copy: string, n: number): Promise<Array<{ id: string; at: number }>> {
    if (n <= 0) return [];
    const flat = await this.redis.zrange(this.keys.auditedAt(copy), '0', String(n - 1), 'WITHSCORES');
    const out: Array<{ id: string; at: number }> = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ id: flat[i]!, at: Number(flat[i + 1]) });
    return out;
  }

  /** A copy's objects: in all, never audited, audited before `cutoff` (overdue), and audited since. */
  async auditCounts(copy: string, cutoff: number): Promise<{ total: number; fresh: number; overdue: number; within: number }> {
    const key = this.keys.auditedAt(copy);
    const [total, fresh, overdue] = await Promise.all([
      this.redis.zcard(key),
      this.redis.zcount(key, 0, 0),
      this.redis.zcount(key, '(0', `(${cutoff}`),
    ]);
    return { total, fresh, overdue, within: total - fresh - overdue };
  }

  /** Each copy's last audits by status (for the console and metrics). */
  async statusCounts(copy: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.keys.auditLast(copy), cursor, 'COUNT', 1000);
      cursor = next;
      for (let i = 1; i < flat.length; i += 2) {
        const s = (JSON.parse(flat[i]!) as AuditRecord).status;
        counts[s] = (counts[s] ?? 0) + 1;
      }
    } while (cursor !== '0');
    return counts;
  }

  /** After Redis lost its data: an earlier audit as the history has it (a later one already here wins). */
  async restoreAudit(r: AuditRecord): Promise<void> {
    const m = this.redis.multi();
    if (r.status !== 'unreachable') m.zadd(this.keys.auditedAt(r.copy), 'GT', Date.parse(r.at), r.id);
    const last = await this.redis.hget(this.keys.auditLast(r.copy), r.id);
    if (!last || (JSON.parse(last) as AuditRecord).at <= r.at) m.hset(this.keys.auditLast(r.copy), r.id, JSON.stringify(r));
    await m.exec();
  }

  async rebuilt(): Promise<boolean> {
    return (await this.redis.exists(this.keys.auditRebuilt)) === 1;
  }
  async markRebuilt(): Promise<void> {
    await this.redis.set(this.keys.auditRebuilt, new Date().toISOString());
  }

  // ---- the history on its way to storage ---------------------------------------------------------

  /**
   * The next batch of a copy's pending records, made stable until `batchWritten`: a batch taken
   * and not written (a crash) is the same batch next time, so its file gets the same name.
   */
  async takeBatch(copy: string, max = 1000): Promise<HistoryRecord[]> {
    const flushing = `${this.keys.auditPending(copy)}:flushing`;
    await this.redis.eval(TAKE_BATCH, 2, this.keys.auditPending(copy), flushing, String(max));
    return (await this.redis.lrange(flushing, 0, -1)).map((j) => JSON.parse(j) as HistoryRecord);
  }
  async batchWritten(copy: string): Promise<void> {
    await this.redis.del(`${this.keys.auditPending(copy)}:flushing`);
  }
  /** Records of a copy not yet in its stored history (for reports that must miss nothing). */
  async pending(copy: string): Promise<HistoryRecord[]> {
    const flushing = `${this.keys.auditPending(copy)}:flushing`;
    const [a, b] = await Promise.all([this.redis.lrange(flushing, 0, -1), this.redis.lrange(this.keys.auditPending(copy), 0, -1)]);
    return [...a, ...b].map((j) => JSON.parse(j) as HistoryRecord);
  }
}
