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

/**
 * Keeps an item's copy status whole in one step: KEYS[1] the item's copies hash, KEYS[2] the
 * incomplete set; ARGV[1] the item, ARGV[2] now (ms), ARGV[3..] the replicas' names. Complete
 * when every replica holds the primary's version; unknown (the primary's version not known, after
 * Redis lost its data, until its next audit) changes nothing.
 */
const SYNC_COPIES = `
local primary = redis.call('HGET', KEYS[1], 'primary')
if not primary then return -1 end
local complete = true
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[1], ARGV[i]) ~= primary then complete = false end
end
if complete then redis.call('ZREM', KEYS[2], ARGV[1]) else redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[1]) end
return complete and 1 or 0`;

/**
 * One object's last audit in one copy, and the count of each copy's last audits by status kept
 * with it (so that the console and metrics never read every record). KEYS[1] the last-audit hash,
 * KEYS[2] the counts hash; ARGV[1] the item, ARGV[2] the record (JSON), ARGV[3] its status,
 * ARGV[4] its time: an older record than the one kept (a restore from the history) is ignored.
 */
const SET_LAST = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local o = cjson.decode(old)
  if o.at > ARGV[4] then return 0 end
  redis.call('HINCRBY', KEYS[2], o.status, -1)
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
return 1`;

/**
 * An audit's place in the line, restored from the history: set unless the object already has new
 * content waiting (0) or a later audit. KEYS[1] the line; ARGV[1] the item, ARGV[2] the time.
 */
const RESTORE_PLACE = `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and (tonumber(s) == 0 or tonumber(s) >= tonumber(ARGV[2])) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1`;

/** Records waiting for a copy's history beyond this many (a copy down for weeks) are dropped, oldest first. */
const PENDING_MAX = 500_000;

export class PreservationState {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  // ---- copies ----------------------------------------------------------------------------------

  /**
   * A version was written to the primary: the replicas do not hold it yet, and its new content is
   * to be audited soon in the primary (score 0 puts it first in the scheduler's line). In each
   * replica the object joins the line without jumping it: its copy job puts it first once done.
   */
  async versionWritten(itemId: string, version: string, replicas: string[]): Promise<void> {
    const now = Date.now();
    const m = this.redis.multi().hset(this.keys.copies(itemId), 'primary', version).zadd(this.keys.auditedAt('primary'), 0, itemId);
    for (const r of replicas) m.zadd(this.keys.auditedAt(r), 'NX', now, itemId);
    await m.exec();
    if (replicas.length > 0) await this.syncCopies(itemId, replicas);
  }

  /** A replica holds `version` of the item complete (every file read back and checked): its new content is audited soon. */
  async copyComplete(itemId: string, copy: string, version: string, replicas: string[]): Promise<void> {
    // The copy is of the primary's head at the time: known for the primary too, after Redis lost it.
    await this.redis
      .multi()
      .hset(this.keys.copies(itemId), copy, version)
      .hsetnx(this.keys.copies(itemId), 'primary', version)
      .zadd(this.keys.auditedAt(copy), 0, itemId)
      .exec();
    await this.syncCopies(itemId, replicas);
  }

  /** Whether every replica holds the primary's version; the incomplete set says so. */
  private async syncCopies(itemId: string, replicas: string[]): Promise<boolean> {
    const r = await this.redis.eval(
      SYNC_COPIES,
      2,
      this.keys.copies(itemId),
      this.keys.copiesIncomplete,
      itemId,
      String(Date.now()),
      ...replicas,
    );
    return r === 1;
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
   * Keeps an audit's result in one step: the object's time in the scheduler's line (unless the copy
   * could not be read: it stays due), its last audit, the damaged list, the version the copy was
   * found to hold, and the record for the history of every copy (repairs are kept as they are made).
   */
  async recordAudit(r: AuditRecord, allCopies: string[]): Promise<void> {
    const json = JSON.stringify(r);
    const m = this.redis.multi();
    m.eval(SET_LAST, 2, this.keys.auditLast(r.copy), this.keys.auditStatus(r.copy), r.id, json, r.status, r.at);
    if (r.status !== 'unreachable') m.zadd(this.keys.auditedAt(r.copy), Date.parse(r.at), r.id);
    if ((r.status === 'ok' || r.status === 'repaired') && r.version) m.hset(this.keys.copies(r.id), r.copy, r.version);
    this.pushPending(m, allCopies, [json]);
    if (r.noGoodCopy) m.zadd(this.keys.damaged, 'NX', Date.parse(r.at), r.id);
    await m.exec();
    const replicas = allCopies.filter((c) => c !== 'primary');
    if (replicas.length > 0) await this.syncCopies(r.id, replicas);
  }

  /** Keeps records (repairs as they are made) for the history of every copy. */
  async recordHistory(records: HistoryRecord[], allCopies: string[]): Promise<void> {
    if (records.length === 0) return;
    const m = this.redis.multi();
    this.pushPending(
      m,
      allCopies,
      records.map((r) => JSON.stringify(r)),
    );
    await m.exec();
  }

  private pushPending(m: ReturnType<Redis['multi']>, allCopies: string[], json: string[]): void {
    if (json.length === 0) return;
    for (const c of allCopies) m.rpush(this.keys.auditPending(c), ...json).ltrim(this.keys.auditPending(c), -PENDING_MAX, -1);
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

  /** The object's place in a copy's line: the time of its last audit, 0 for new content, null when not there. */
  async placeInLine(copy: string, itemId: string): Promise<number | null> {
    const s = await this.redis.zscore(this.keys.auditedAt(copy), itemId);
    return s === null ? null : Number(s);
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

  /**
   * A copy's objects: in all, never audited, audited before `cutoff` (overdue), audited since
   * (within), and audited before `halfway` (half a period ago: the ones a sweep's share is taken from).
   */
  async auditCounts(
    copy: string,
    cutoff: number,
    halfway = cutoff,
  ): Promise<{ total: number; fresh: number; overdue: number; within: number; older: number }> {
    const key = this.keys.auditedAt(copy);
    const [total, fresh, overdue, older] = await Promise.all([
      this.redis.zcard(key),
      this.redis.zcount(key, 0, 0),
      this.redis.zcount(key, '(0', `(${cutoff}`),
      this.redis.zcount(key, '(0', `(${halfway}`),
    ]);
    return { total, fresh, overdue, within: total - fresh - overdue, older };
  }

  /** Each copy's last audits by status (for the console and metrics): counters kept with them, never a scan. */
  async statusCounts(copy: string): Promise<Record<string, number>> {
    const h = await this.redis.hgetall(this.keys.auditStatus(copy));
    return Object.fromEntries(Object.entries(h).flatMap(([k, v]) => (Number(v) > 0 ? [[k, Number(v)]] : [])));
  }

  /**
   * After Redis lost its data: an audit as the history has it. A later audit already here wins, and
   * new content waiting for its first audit stays first in line; the version it found, and damage
   * with no good copy, are restored with it.
   */
  async restoreAudit(r: AuditRecord): Promise<void> {
    const m = this.redis.multi();
    if (r.status !== 'unreachable') m.eval(RESTORE_PLACE, 1, this.keys.auditedAt(r.copy), r.id, String(Date.parse(r.at)));
    m.eval(SET_LAST, 2, this.keys.auditLast(r.copy), this.keys.auditStatus(r.copy), r.id, JSON.stringify(r), r.status, r.at);
    if ((r.status === 'ok' || r.status === 'repaired') && r.version) m.hset(this.keys.copies(r.id), r.copy, r.version);
    await m.exec();
  }

  /**
   * After a rebuild: the damaged list from each copy's last audits (an object whose last audit in
   * some copy found a file with no good copy), read a thousand at a time.
   */
  async restoreDamaged(copies: string[]): Promise<number> {
    let n = 0;
    for (const copy of copies) {
      let cursor = '0';
      do {
        const [next, flat] = await this.redis.hscan(this.keys.auditLast(copy), cursor, 'COUNT', 1000);
        cursor = next;
        for (let i = 1; i < flat.length; i += 2) {
          const r = JSON.parse(flat[i]!) as AuditRecord;
          if (r.noGoodCopy) n += await this.redis.zadd(this.keys.damaged, 'NX', Date.parse(r.at), r.id);
        }
      } while (cursor !== '0');
    }
    return n;
  }

  /** After a rebuild: an item's copy status from the versions restored. */
  async restoreCopies(itemId: string, replicas: string[]): Promise<void> {
    if (replicas.length > 0) await this.syncCopies(itemId, replicas);
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
