/**
 * Downstream events: a separate process reading the stream gets exactly one item.published per
 * published version, and only once what it names is readable; a webhook receiver checks each
 * delivery's signature and gets a delivery again after being down.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startHarness, type Harness } from '../helpers/harness.js';
import { pageImage, until, writeItem } from '../helpers/fixtures.js';
import { EventStream } from '../../src/adapters/redis/event-stream.js';
import { redisKeys } from '../../src/adapters/redis/keys.js';
import { verifySignature, type ItemPublishedEvent } from '../../src/stages/announce/announce.core.js';
import type { IngestRecord } from '../../src/domain/ingest-record.js';

const SECRET = 'not-a-real-secret-0123456789';
interface Delivery {
  status: number;
  key: string;
  signed: boolean;
  event: ItemPublishedEvent;
}
const deliveries: Delivery[] = [];
/** how many more deliveries to refuse (the receiver is "down") */
let refuse = 0;
let receiver: http.Server;
let h: Harness;
let consumer: ChildProcess;
const consumed: Array<{ id: string; itemId: string; version: string; itemStatus: number; manifestStatus: number | null }> = [];

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const signed = verifySignature(SECRET, String(req.headers['x-yaddas-timestamp']), body, String(req.headers['x-yaddas-signature']));
      const status = refuse > 0 ? 503 : 204;
      if (refuse > 0) refuse--;
      deliveries.push({ status, key: String(req.headers['idempotency-key']), signed, event: JSON.parse(body) });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks/yaddas`;
  h = await startHarness({ env: { YADDAS_WEBHOOK_URLS: url, YADDAS_WEBHOOK_SECRET: SECRET, YADDAS_WEBHOOK_BACKOFF_SECONDS: '0.3' } });
  // The example consumer from the docs, as its own process.
  consumer = spawn(process.execPath, [path.join(ROOT, 'examples/consume-events.mjs')], {
    env: { ...process.env, REDIS_URL: h.env.REDIS_URL, YADDAS_REDIS_PREFIX: h.env.YADDAS_REDIS_PREFIX, GROUP: 'test' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buf = '';
  consumer.stdout!.on('data', (c) => {
    buf += c;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      consumed.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  });
});
afterAll(async () => {
  if (consumer && consumer.exitCode === null) {
    const exited = new Promise((r) => consumer.once('exit', r));
    consumer.kill('SIGTERM');
    await exited;
  }
  await h?.stop();
  receiver?.close();
});

async function ingest(name: string, files: Record<string, Buffer | string>): Promise<IngestRecord> {
  const src = path.join(h.dir, 'src', String(Math.random()).slice(2), name);
  await writeItem(src, files);
  const t = await h.app.intake.take(src, name, { move: false, via: 'cli' });
  for (;;) {
    const rec = await h.waitFor(t.ingestId);
    if (rec.status !== 'preserved' || (rec.publication && !rec.stage)) return rec;
    await sleep(100);
  }
}

describe('item.published', () => {
  it('reaches a stream consumer exactly once per published version, after everything it names is readable', async () => {
    const meta = (title: string) => JSON.stringify({ identifier: 'hadise-1', type: 'periodical', title });
    const p1 = await pageImage({ seed: 71, width: 400, height: 300 });
    const v1 = await ingest('hadise', { '1.png': p1, 'metadata.json': meta('Hadisə') });
    expect(v1.version).toBe('v1');
    const v2 = await ingest('hadise 2', {
      '1.png': p1,
      '2.png': await pageImage({ seed: 72, width: 400, height: 300 }),
      'metadata.json': meta('Hadisə'),
    });
    expect(v2.version).toBe('v2');
    const same = await ingest('hadise 3', {
      '1.png': p1,
      '2.png': await pageImage({ seed: 72, width: 400, height: 300 }),
      'metadata.json': meta('Hadisə'),
    });
    expect(same.unchanged).toBe(true);

    await until(() => consumed.length >= 2, 30_000, 'two events consumed');
    await sleep(1500); // time for a duplicate to show up, were there one
    expect(consumed.map((c) => [c.itemId, c.version])).toEqual([
      ['hadise-1', 'v1'],
      ['hadise-1', 'v2'],
    ]);
    for (const c of consumed)
      expect([c.itemStatus, c.manifestStatus], `${c.id}: item.json and manifest readable when the event came`).toEqual([200, 200]);

    // The stream entry itself: the documented fields, and the masters' digests as stored.
    const entries = await h.redis.xrange(`${h.env.YADDAS_REDIS_PREFIX}:yd:events`, '-', '+');
    expect(entries).toHaveLength(2);
    const ev = JSON.parse(entries[1]![1][entries[1]![1].indexOf('event') + 1]!) as ItemPublishedEvent;
    expect(ev).toMatchObject({
      format: 'yaddas-event/1',
      type: 'item.published',
      itemId: 'hadise-1',
      ingestId: v2.ingestId,
      preservation: { objectId: 'hadise-1', version: 'v2', bucket: h.config.s3.preservationBucket },
    });
    expect(ev.access.keys).toEqual({
      item: 'items/hadise-1/item.json',
      manifest: 'items/hadise-1/manifest.json',
      pdf: 'items/hadise-1/document.pdf',
      text: null,
    });
    expect(ev.masters.map((m) => m.name)).toEqual(['1.png', '2.png']);
    const inv = (await h.app.preservation.readInventory('hadise-1'))!;
    for (const m of ev.masters) expect(inv.versions.v2!.state[m.digests.sha512]).toContain(m.logicalPath);
  });

  it('appends an event once, however often its step runs', async () => {
    const events = new EventStream(h.redis, redisKeys(`${h.env.YADDAS_REDIS_PREFIX}-dedupe`), 1000);
    const ev = { id: 'x.v1', type: 'item.published', itemId: 'x', time: '1' };
    const first = await events.append(ev);
    const again = await events.append({ ...ev, time: '2' });
    expect([first.added, again.added]).toEqual([true, false]);
    expect(JSON.parse(again.json).time).toBe('1');
    expect(await h.redis.xlen(events.key)).toBe(1);
  });

  it('is POSTed to webhooks, signed, and delivered again after the receiver was down', async () => {
    // The first two versions' deliveries arrived (signed) in the test above.
    await until(() => deliveries.filter((d) => d.status === 204).length >= 2, 30_000, 'first deliveries');
    refuse = 2;
    const before = deliveries.length;
    const rec = await ingest('gazet', {
      '1.png': await pageImage({ seed: 81, width: 300, height: 200 }),
      'metadata.json': JSON.stringify({ identifier: 'gazet-1', type: 'periodical' }),
    });
    expect(rec.publication).toBe('published');
    await until(() => deliveries.slice(before).some((d) => d.status === 204), 30_000, 'a delivery after the receiver came back');
    const mine = deliveries.slice(before);
    expect(mine.map((d) => d.status)).toEqual([503, 503, 204]);
    expect(new Set(mine.map((d) => d.key))).toEqual(new Set([`${rec.ingestId}.v1`]));
    expect(mine.every((d) => d.signed)).toBe(true);
    expect(mine[2]!.event).toEqual(mine[0]!.event);
    // A receiver that drops duplicates by Idempotency-Key ends with one event per version.
    const unique = new Map(deliveries.filter((d) => d.status === 204).map((d) => [d.key, d.event]));
    expect([...unique.values()].map((e) => `${e.itemId} ${e.preservation.version}`).sort()).toEqual([
      'gazet-1 v1',
      'hadise-1 v1',
      'hadise-1 v2',
    ]);
  });
});
