/**
 * The ingest records (domain/ingest-record.ts) in Redis: one hash per ingest, an index by time, the
 * latest ingest of each item, and the indexes operators filter by (in flight, failed, rejected).
 * The queues hold the work; this holds the answer to "where is my item and what happened to it".
 */
import type { Redis } from 'ioredis';
import { hasEnded, type IngestRecord, isTerminal } from '../../domain/ingest-record.js';
import type { Outcome } from '../../domain/item.js';
import type { RedisKeys } from './keys.js';

/** How long an operator's command may hold an object before another writer may take it over. */
const OPERATION_HOLD_MS = 15 * 60_000;

/** The lock owner of an operator's command: "op:<what>:<started, ms>:<random>". */
export const operationOwner = (what: string): string => `op:${what}:${Date.now()}:${Math.random().toString(36).slice(2, 10)}`;
const operationStart = (owner: string): number | undefined => {
  const m = /^op:[a-z-]+:(\d+):/.exec(owner);
  return m ? Number(m[1]) : undefined;
};

export class StatusStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private key(ingestId: string) {
    return this.keys.ingest(ingestId);
  }
  private get index() {
    return this.keys.ingests;
  }
  private itemKey(itemId: string) {
    return this.keys.item(itemId);
  }
  /** ingests in flight (not ended), scored by the time they last moved (ms): for "stuck" */
  private get inflightKey() {
    return this.keys.inflight;
  }
  /** ingests that failed (preservation or access copies) and were not retried; and rejected ones */
  private listKey(kind: 'failed' | 'rejected' | 'held') {
    return this.keys[kind];
  }

  async create(r: Omit<IngestRecord, 'updatedAt'>): Promise<void> {
    const now = new Date().toISOString();
    await this.redis
      .multi()
      .hset(this.key(r.ingestId), encode({ ...r, updatedAt: now }))
      .zadd(this.index, Date.parse(r.takenAt), r.ingestId)
      .hset(this.itemKey(r.itemId), { lastIngest: r.ingestId })
      .exec();
    if (!isTerminal(r.status) || r.stage) await this.redis.zadd(this.inflightKey, Date.now(), r.ingestId);
    if (r.status === 'rejected') await this.redis.zadd(this.listKey('rejected'), Date.parse(r.takenAt), r.ingestId);
  }

  /** The newest failed or rejected ingests, and how many there are in all. */
  async listed(kind: 'failed' | 'rejected' | 'held', limit: number): Promise<{ ids: string[]; total: number }> {
    const [ids, total] = await Promise.all([this.redis.zrevrange(this.listKey(kind), 0, limit - 1), this.redis.zcard(this.listKey(kind))]);
    return { ids, total };
  }

  /** A failed ingest that was retried (as another ingest) is no longer listed as failed. */
  async clearFailed(ingestId: string): Promise<void> {
    await this.redis.zrem(this.listKey('failed'), ingestId);
  }

  /**
   * Claims a held ingest for one operator's decision: true for exactly one caller, so that an
   * accept and a reject run together cannot both act on it. `unclaimHeld` lists it again when
   * the decision could not be carried out.
   */
  async claimHeld(ingestId: string): Promise<boolean> {
    return (await this.redis.zrem(this.listKey('held'), ingestId)) === 1;
  }

  async unclaimHeld(ingestId: string): Promise<void> {
    await this.redis.zadd(this.listKey('held'), Date.now(), ingestId);
  }

  async update(ingestId: string, patch: Partial<IngestRecord>): Promise<void> {
    const multi = this.redis.multi().hset(this.key(ingestId), encode({ ...patch, updatedAt: new Date().toISOString() }));
    // Every step that starts is progress; an empty stage means the ingest has ended.
    if (patch.stage === '') multi.zrem(this.inflightKey, ingestId);
    else if (patch.stage !== undefined) multi.zadd(this.inflightKey, Date.now(), ingestId);
    if (patch.publication === 'failed') multi.zadd(this.listKey('failed'), Date.now(), ingestId);
    await multi.exec();
  }

  /** Ingests in flight, oldest progress first, with when they last moved (ms). */
  async inflight(): Promise<Array<{ ingestId: string; movedAt: number }>> {
    const raw = await this.redis.zrange(this.inflightKey, '0', '-1', 'WITHSCORES');
    const out: Array<{ ingestId: string; movedAt: number }> = [];
    for (let i = 0; i < raw.length; i += 2) out.push({ ingestId: raw[i]!, movedAt: Number(raw[i + 1]) });
    return out;
  }

  /** Ingests in flight that have not moved for `ms`. */
  async stuck(ms: number, now = Date.now()): Promise<string[]> {
    return this.redis.zrangebyscore(this.inflightKey, '-inf', String(now - ms));
  }

  async finish(ingestId: string, itemId: string, outcome: Outcome, location?: string): Promise<void> {
    const patch: Partial<IngestRecord> = { status: outcome.status, stage: '', finishedAt: new Date().toISOString() };
    if (outcome.reason) patch.reason = outcome.reason;
    if (outcome.code) patch.code = outcome.code;
    if (outcome.problems) patch.problems = outcome.problems;
    if (outcome.version) patch.version = outcome.version;
    if (outcome.objectRoot) patch.objectRoot = outcome.objectRoot;
    if (outcome.unchanged !== undefined) patch.unchanged = outcome.unchanged;
    if (outcome.held) patch.held = outcome.held;
    if (location) patch.location = location;
    const multi = this.redis
      .multi()
      .hset(this.key(ingestId), encode({ ...patch, updatedAt: new Date().toISOString() }))
      .zrem(this.inflightKey, ingestId);
    if (outcome.status === 'failed' || outcome.status === 'rejected' || outcome.status === 'held')
      multi.zadd(this.listKey(outcome.status), Date.now(), ingestId);
    if (outcome.status === 'preserved' && outcome.version)
      multi.hset(this.itemKey(itemId), { version: outcome.version, objectRoot: outcome.objectRoot ?? '' });
    await multi.exec();
  }

  async get(ingestId: string): Promise<IngestRecord | null> {
    const h = await this.redis.hgetall(this.key(ingestId));
    return Object.keys(h).length === 0 ? null : decode(h);
  }

  /** The newest ingests first. */
  async recent(limit = 100): Promise<IngestRecord[]> {
    return this.many(await this.redis.zrevrange(this.index, 0, limit - 1));
  }

  /** Several records in one round trip, in the order asked (missing ones left out). */
  async many(ids: string[]): Promise<IngestRecord[]> {
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.key(id));
    const res = (await pipe.exec()) ?? [];
    return res
      .map(([, h]) => h as Record<string, string>)
      .filter((h) => h && Object.keys(h).length > 0)
      .map(decode);
  }

  /** Ingests taken, all of them (for counts). */
  async count(): Promise<number> {
    return this.redis.zcard(this.index);
  }

  private progressKey(ingestId: string) {
    return this.keys.progress(ingestId);
  }

  /** One more job of a stage done for an ingest (pages done of total). */
  async progress(ingestId: string, stage: string): Promise<void> {
    await this.redis
      .multi()
      .hincrby(this.progressKey(ingestId), stage, 1)
      .expire(this.progressKey(ingestId), 30 * 24 * 3600)
      .exec();
  }

  async progressOf(ingestIds: string[]): Promise<Map<string, Record<string, number>>> {
    if (ingestIds.length === 0) return new Map();
    const pipe = this.redis.pipeline();
    for (const id of ingestIds) pipe.hgetall(this.progressKey(id));
    const res = (await pipe.exec()) ?? [];
    return new Map(
      ingestIds.map((id, i) => [
        id,
        Object.fromEntries(Object.entries((res[i]?.[1] as Record<string, string>) ?? {}).map(([k, v]) => [k, Number(v)])),
      ]),
    );
  }

  /** One more try at taking a staged item on start-up; how many there have been. */
  async countAdmitAttempt(ingestId: string): Promise<number> {
    const key = this.keys.admitAttempts(ingestId);
    const [[, n]] = (await this.redis
      .multi()
      .incr(key)
      .expire(key, 30 * 24 * 3600)
      .exec()) as [[null, number], unknown];
    return n;
  }

  async clearAdmitAttempts(ingestId: string): Promise<void> {
    await this.redis.del(this.keys.admitAttempts(ingestId));
  }

  /** The latest ingest of an item, or null. */
  async lastIngestOf(itemId: string): Promise<string | null> {
    return this.redis.hget(this.itemKey(itemId), 'lastIngest');
  }

  /** Whether an ingest has ended entirely (unknown ones count as ended: nothing of them runs). */
  async hasEnded(ingestId: string): Promise<boolean> {
    // An operator's command that holds an object (yaddas withdraw) has no ingest record: it has
    // ended only when it has held the object far longer than it ever takes (it was killed).
    const op = operationStart(ingestId);
    if (op !== undefined) return Date.now() - op > OPERATION_HOLD_MS;
    const rec = await this.get(ingestId);
    return !rec || hasEnded(rec);
  }

  /** Redis answers (readiness checks). */
  async ping(): Promise<void> {
    await this.redis.ping();
  }
}

function encode(r: Partial<IngestRecord>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) if (v !== undefined) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

const JSON_FIELDS = new Set(['files', 'problems', 'unchanged', 'held']);
function decode(h: Record<string, string>): IngestRecord {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) out[k] = JSON_FIELDS.has(k) ? JSON.parse(v) : v;
  return out as unknown as IngestRecord;
}
