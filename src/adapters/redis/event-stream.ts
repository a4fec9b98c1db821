/**
 * The downstream event log: a Redis Stream (`<prefix>:yd:events`) that consumers read with XREAD
 * or consumer groups. Appending is idempotent per event id: a marker key holding the event is set
 * and the entry added in one Lua call, so a retried step never adds a second entry, and a retry
 * gets back the event exactly as it was first written.
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';

const APPEND = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[5]) then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', 'id', ARGV[2], 'type', ARGV[3], 'itemId', ARGV[4], 'event', ARGV[1])
  return 1
end
return 0`;

export class EventStream {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly maxLen: number,
  ) {}

  get key(): string {
    return this.keys.events;
  }

  /** Appends unless an event with this id was appended before; returns the event as stored. */
  async append<E extends { id: string; type: string; itemId: string }>(ev: E): Promise<{ added: boolean; json: string }> {
    const marker = this.keys.eventMarker(ev.id);
    const json = JSON.stringify(ev);
    // The marker outlives any retry by far (30 days).
    const added =
      (await this.redis.eval(APPEND, 2, marker, this.key, json, ev.id, ev.type, ev.itemId, String(30 * 24 * 3600), String(this.maxLen))) ===
      1;
    return { added, json: added ? json : ((await this.redis.get(marker)) ?? json) };
  }
}
