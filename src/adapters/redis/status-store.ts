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

  /**
   * Every index is kept twice: for the installation, and for the ingest's institution (`<index>:in:<id>`),
   * so that staff who may see some institutions only get their lists and counts without a scan.
   */
  private static scoped(index: string, institution: string): string {
    return `${index}:in:${institution}`;
  }
  /** The index keys a change of an ingest of this institution touches: the installation's, and its institution's. */
  private static indexes(index: string, institution: string | null | undefined): string[] {
    return institution ? [index, StatusStore.scoped(index, institution)] : [index];
  }
  /** The institution an ingest's record names (read once per change that is not a creation). */
  private institutionOf(ingestId: string): Promise<string | null> {
    return this.redis.hget(this.key(ingestId), 'institution');
  }
  /** The indexes to read: the installation's, or each of these institutions'. */
  private readFrom(index: string, institutions?: readonly string[]): string[] {
    return institutions ? institutions.map((i) => StatusStore.scoped(index, i)) : [index];
  }
  /** The newest (highest-scored) members of several sorted sets, merged. */
  private async newest(keys: string[], limit: number): Promise<Array<{ id: string; score: number }>> {
    if (limit <= 0) return [];
    const all = await Promise.all(keys.map((k) => this.redis.zrevrange(k, 0, limit - 1, 'WITHSCORES')));
    const out: Array<{ id: string; score: number }> = [];
    for (const raw of all) for (let i = 0; i < raw.length; i += 2) out.push({ id: raw[i]!, score: Number(raw[i + 1]) });
    return out.sort((a, b) => b.score - a.score).slice(0, limit);
  }
  private async cardinality(keys: string[]): Promise<number> {
    return (await Promise.all(keys.map((k) => this.redis.zcard(k)))).reduce((a, n) => a + n, 0);
  }

  async create(r: Omit<IngestRecord, 'updatedAt'>): Promise<void> {
    const now = new Date().toISOString();
    const inst = r.institution;
    const multi = this.redis
      .multi()
      .hset(this.key(r.ingestId), encode({ ...r, updatedAt: now }))
      .hset(this.itemKey(r.itemId), { lastIngest: r.ingestId });
    for (const k of StatusStore.indexes(this.index, inst)) multi.zadd(k, Date.parse(r.takenAt), r.ingestId);
    await multi.exec();
    if (!isTerminal(r.status) || r.stage)
      for (const k of StatusStore.indexes(this.inflightKey, inst)) await this.redis.zadd(k, Date.now(), r.ingestId);
    if (r.status === 'rejected')
      for (const k of StatusStore.indexes(this.listKey('rejected'), inst)) await this.redis.zadd(k, Date.parse(r.takenAt), r.ingestId);
  }

  /** The newest failed or rejected ingests, and how many there are in all (of these institutions: all when not given). */
  async listed(
    kind: 'failed' | 'rejected' | 'held',
    limit: number,
    institutions?: readonly string[],
  ): Promise<{ ids: string[]; total: number }> {
    const keys = this.readFrom(this.listKey(kind), institutions);
    const [ids, total] = await Promise.all([this.newest(keys, limit), this.cardinality(keys)]);
    return { ids: ids.map((x) => x.id), total };
  }

  /** A failed ingest that was retried (as another ingest) is no longer listed as failed. */
  async clearFailed(ingestId: string): Promise<void> {
    for (const k of StatusStore.indexes(this.listKey('failed'), await this.institutionOf(ingestId))) await this.redis.zrem(k, ingestId);
  }

  /**
   * Claims a held ingest for one operator's decision: true for exactly one caller, so that an
   * accept and a reject run together cannot both act on it. `unclaimHeld` lists it again when
   * the decision could not be carried out.
   */
  async claimHeld(ingestId: string): Promise<boolean> {
    const [first, ...more] = StatusStore.indexes(this.listKey('held'), await this.institutionOf(ingestId));
    const claimed = (await this.redis.zrem(first!, ingestId)) === 1;
    for (const k of more) await this.redis.zrem(k, ingestId);
    return claimed;
  }

  async unclaimHeld(ingestId: string): Promise<void> {
    for (const k of StatusStore.indexes(this.listKey('held'), await this.institutionOf(ingestId)))
      await this.redis.zadd(k, Date.now(), ingestId);
  }

  async update(ingestId: string, patch: Partial<IngestRecord>): Promise<void> {
    const multi = this.redis.multi().hset(this.key(ingestId), encode({ ...patch, updatedAt: new Date().toISOString() }));
    const touchesIndexes = patch.stage !== undefined || patch.publication === 'failed';
    const inst = touchesIndexes ? await this.institutionOf(ingestId) : null;
    // Every step that starts is progress; an empty stage means the ingest has ended.
    if (patch.stage !== undefined)
      for (const k of StatusStore.indexes(this.inflightKey, inst)) {
        if (patch.stage === '') multi.zrem(k, ingestId);
        else multi.zadd(k, Date.now(), ingestId);
      }
    if (patch.publication === 'failed')
      for (const k of StatusStore.indexes(this.listKey('failed'), inst)) multi.zadd(k, Date.now(), ingestId);
    await multi.exec();
  }

  /** Ingests in flight (of these institutions: all when not given), oldest progress first, with when they last moved (ms). */
  async inflight(institutions?: readonly string[]): Promise<Array<{ ingestId: string; movedAt: number }>> {
    const out: Array<{ ingestId: string; movedAt: number }> = [];
    for (const key of this.readFrom(this.inflightKey, institutions)) {
      const raw = await this.redis.zrange(key, '0', '-1', 'WITHSCORES');
      for (let i = 0; i < raw.length; i += 2) out.push({ ingestId: raw[i]!, movedAt: Number(raw[i + 1]) });
    }
    return out.sort((a, b) => a.movedAt - b.movedAt);
  }

  /** Ingests in flight that have not moved for `ms` (of these institutions: all when not given). */
  async stuck(ms: number, now = Date.now(), institutions?: readonly string[]): Promise<string[]> {
    const keys = this.readFrom(this.inflightKey, institutions);
    return (await Promise.all(keys.map((k) => this.redis.zrangebyscore(k, '-inf', String(now - ms))))).flat();
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
    const inst = await this.institutionOf(ingestId);
    const multi = this.redis.multi().hset(this.key(ingestId), encode({ ...patch, updatedAt: new Date().toISOString() }));
    for (const k of StatusStore.indexes(this.inflightKey, inst)) multi.zrem(k, ingestId);
    if (outcome.status === 'failed' || outcome.status === 'rejected' || outcome.status === 'held')
      for (const k of StatusStore.indexes(this.listKey(outcome.status), inst)) multi.zadd(k, Date.now(), ingestId);
    if (outcome.status === 'preserved' && outcome.version)
      multi.hset(this.itemKey(itemId), { version: outcome.version, objectRoot: outcome.objectRoot ?? '' });
    await multi.exec();
  }

  async get(ingestId: string): Promise<IngestRecord | null> {
    const h = await this.redis.hgetall(this.key(ingestId));
    return Object.keys(h).length === 0 ? null : decode(h);
  }

  /** The newest ingests first (of these institutions: all when not given). */
  async recent(limit = 100, institutions?: readonly string[]): Promise<IngestRecord[]> {
    return this.many((await this.newest(this.readFrom(this.index, institutions), limit)).map((x) => x.id));
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

  /** Ingests taken, all of them (of these institutions: all when not given), for counts. */
  async count(institutions?: readonly string[]): Promise<number> {
    return this.cardinality(this.readFrom(this.index, institutions));
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
