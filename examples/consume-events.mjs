#!/usr/bin/env node
// A downstream consumer of Yaddaş's event stream, as a catalogue or exhibition site would write
// one: it reads `<prefix>:yd:events` with a consumer group (so several instances share the work
// and nothing is lost across restarts), handles each `item.published`, and acknowledges it.
//
//   REDIS_URL=redis://127.0.0.1:6379 YADDAS_REDIS_PREFIX=yaddas node examples/consume-events.mjs
//
// Here "handling" fetches the item's item.json from the access bucket and prints one JSON line;
// a real consumer would update its index. Delivery is at least once: a consumer that dies before
// XACK gets the entry again, so handle events idempotently (by `id`).
import { Redis } from 'ioredis';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const stream = `${process.env.YADDAS_REDIS_PREFIX ?? 'yaddas'}:yd:events`;
const group = process.env.GROUP ?? 'catalogue';
const consumer = process.env.CONSUMER ?? `consumer-${process.pid}`;

// From the beginning of the stream the first time ('0'); MKSTREAM: the stream may not exist yet.
await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM').catch((err) => {
  if (!String(err.message).includes('BUSYGROUP')) throw err;
});

let stopping = false;
process.on('SIGTERM', () => (stopping = true));
process.on('SIGINT', () => (stopping = true));

// First whatever this consumer was given but never acknowledged ('0'), then new entries ('>').
let cursor = '0';
while (!stopping) {
  let res;
  try {
    res = await redis.xreadgroup('GROUP', group, consumer, 'COUNT', 10, 'BLOCK', 1000, 'STREAMS', stream, cursor);
  } catch (err) {
    // Redis restarting, or the stream removed under us (NOGROUP): wait, make the group again.
    if (stopping) break;
    console.error(`reading ${stream} failed: ${err.message}; trying again in 1 s`);
    await new Promise((r) => setTimeout(r, 1000));
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM').catch(() => undefined);
    continue;
  }
  const entries = res?.[0]?.[1] ?? [];
  if (entries.length === 0 && cursor === '0') cursor = '>';
  for (const [entryId, fields] of entries) {
    // The entry's fields come as [name, value, name, value, …].
    const f = {};
    for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]] = fields[i + 1];
    const event = JSON.parse(f.event);
    if (event.type === 'item.published') {
      const item = await fetch(event.access.urls.item);
      const manifest = event.access.urls.manifest ? await fetch(event.access.urls.manifest) : null;
      console.log(
        JSON.stringify({
          entryId,
          id: event.id,
          itemId: event.itemId,
          version: event.preservation.version,
          itemStatus: item.status,
          manifestStatus: manifest?.status ?? null,
        }),
      );
    }
    await redis.xack(stream, group, entryId);
  }
}
redis.disconnect();
