/**
 * The console's machine-facing side: /health, /ready (Redis and S3 really checked) and /metrics,
 * read back with a Prometheus text-format parser and compared with what was ingested.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { startHarness, type Harness } from '../helpers/harness.js';
import { pageImage, until, writeItem } from '../helpers/fixtures.js';
import { buildConsole } from '../../src/console/server.js';
import { esc } from '../../src/console/pages.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';

interface Sample {
  labels?: Record<string, string>;
  value?: string;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}
interface Family {
  name: string;
  type: string;
  metrics: Sample[];
}

let h: Harness;
let server: FastifyInstance;
beforeAll(async () => {
  h = await startHarness({ env: { YADDAS_STUCK_MINUTES: '0.02' } });
  server = await buildConsole(h.app);
});
afterAll(async () => {
  await server?.close();
  await h?.stop();
});

let lastText = '';
async function metrics(): Promise<Map<string, Family>> {
  const res = await server.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  lastText = res.body;
  return new Map((parsePrometheusTextFormat(res.body) as Family[]).map((f) => [f.name, f]));
}
const value = (f: Family | undefined, labels: Record<string, string> = {}) =>
  Number(f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? NaN);

async function ingest(name: string, files: Record<string, Buffer | string>) {
  const src = path.join(h.dir, 'src', String(Math.random()).slice(2), name);
  await writeItem(src, files);
  const t = await h.app.intake.take(src, name, { move: false, via: 'cli' });
  if (t.status === 'rejected') return t;
  for (;;) {
    const rec = await h.waitFor(t.ingestId);
    if (rec.status !== 'preserved' || (rec.publication && !rec.stage)) return rec;
    await sleep(100);
  }
}

describe('console', () => {
  it('/health says the process is alive', async () => {
    const res = await server.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok' });
  });

  it('/ready checks Redis and both buckets, and says which one is missing', async () => {
    const ok = await server.inject({ method: 'GET', url: '/ready' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().checks).toEqual({
      redis: 'ok',
      [`s3:${h.config.s3.preservationBucket}`]: 'ok',
      [`s3:${h.config.s3.accessBucket}`]: 'ok',
    });
    // The same console pointed at a bucket that does not exist.
    const config = loadConfig({ env: { ...h.env, YADDAS_ACCESS_BUCKET: `${h.id}-nowhere` }, cwd: h.dir });
    const app = createApp(config, createLogger(config, 'test-ready'));
    const other = await buildConsole(app);
    try {
      const res = await other.inject({ method: 'GET', url: '/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks[`s3:${h.id}-nowhere`]).toMatch(/NotFound|NoSuchBucket|404/);
    } finally {
      await other.close();
      await app.close();
    }
  });

  it('/metrics counts what was ingested, queue depths, stage durations and stuck items', async () => {
    const before = await metrics();
    const pagesBefore = value(before.get('yaddas_pages_preserved_total'));
    const preserved = await ingest('kitab', {
      '1.png': await pageImage({ seed: 1, format: 'png', width: 300, height: 200 }),
      '2.png': await pageImage({ seed: 2, format: 'png', width: 300, height: 200 }),
      '3.png': await pageImage({ seed: 3, format: 'png', width: 300, height: 200 }),
    });
    expect(preserved.status).toBe('preserved');
    const rejected = await ingest('bos', { 'empty.tif': Buffer.alloc(0) });
    expect(rejected.status).toBe('rejected');

    const m = await metrics();
    expect(value(m.get('yaddas_pages_preserved_total'))).toBe((Number.isNaN(pagesBefore) ? 0 : pagesBefore) + 3);
    expect(value(m.get('yaddas_bytes_preserved_total'))).toBeGreaterThan(1000);
    expect(value(m.get('yaddas_items_total'), { status: 'preserved' })).toBe(1);
    expect(value(m.get('yaddas_items_total'), { status: 'rejected', code: 'EMPTY_FILE' })).toBe(1);
    expect(m.get('yaddas_queue_jobs')!.type).toBe('GAUGE');
    expect(value(m.get('yaddas_queue_jobs'), { queue: 'inspect', state: 'completed' })).toBe(3);
    expect(value(m.get('yaddas_queue_jobs'), { queue: 'ingest', state: 'active' })).toBe(0);
    // The parser folds labelled histograms into one series, so their lines are read as written.
    expect(m.get('yaddas_stage_duration_seconds')!.type).toBe('HISTOGRAM');
    expect(lastText).toContain('yaddas_stage_duration_seconds_count{outcome="success",stage="inspect"} 3');
    expect(lastText).toContain('yaddas_stage_duration_seconds_bucket{outcome="success",stage="inspect",le="+Inf"} 3');
    const buckets: number[] = [
      ...lastText.matchAll(/yaddas_stage_duration_seconds_bucket\{outcome="success",stage="inspect",le="([^"]+)"\} (\d+)/g),
    ].map((x) => Number(x[2]));
    expect(buckets.length, 'a line per bucket, +Inf included').toBe(15);
    expect(buckets, 'cumulative').toEqual([...buckets].sort((a, b) => a - b));
    expect(value(m.get('yaddas_items_in_flight'))).toBe(0);

    // An ingest that stops moving is stuck after YADDAS_STUCK_MINUTES (here about a second).
    await h.app.status.create({
      ingestId: 'stalled-1',
      itemId: 'stalled',
      sourceName: 'stalled',
      status: 'queued',
      takenAt: new Date().toISOString(),
    });
    await until(async () => value((await metrics()).get('yaddas_items_stuck')) === 1, 10_000, 'the stalled ingest counted as stuck');
    expect(value((await metrics()).get('yaddas_items_in_flight'))).toBe(1);
    await h.app.status.finish('stalled-1', 'stalled', { status: 'failed', reason: 'test' });
    expect(value((await metrics()).get('yaddas_items_stuck'))).toBe(0);
  });

  it('cuts long names in the lists and the item heading, whole and escaped in their title', async () => {
    // Longer than any column: a title and an identifier of 300 characters, with markup to escape.
    const title = `<b>"Kitab" & 'nağıl'</b> ${'Azərbaycan xalq ədəbiyyatı nümunələri '.repeat(8)}`.slice(0, 300);
    const itemId = `uzun-${'x'.repeat(295)}`;
    const sourceName = `${'Qovluq '.repeat(30)}.tif`;
    const ingestId = '20261130T000000Z-uzun-ad-abc123';
    await h.app.status.create({ ingestId, itemId, sourceName, title, status: 'rejected', takenAt: new Date().toISOString() });
    await h.app.status.finish(ingestId, itemId, { status: 'rejected', reason: `The file ${'ad'.repeat(200)}.tif is empty.` });
    for (const url of ['/items', '/items?filter=rejected', '/api/items/rows?filter=rejected']) {
      const res = await server.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      const row = new RegExp(`<tr data-ingest="${ingestId}">[\\s\\S]*?</tr>`).exec(res.body)?.[0] ?? '';
      expect(row, url).toContain(`<a class="cut" href="/items/${ingestId}" title="${esc(title)}">${esc(title)}</a>`);
      expect(row).toContain(`<small class="cut" title="${itemId}">${itemId}</small>`);
      expect(row).toMatch(/<div class="reason clamp" title="The file (ad)+\.tif is empty\.">/);
      expect(row).not.toContain('<b>');
    }
    // The table's own layout holds the columns, so the cut does not depend on the names.
    const page = (await server.inject({ method: 'GET', url: '/items' })).body;
    expect(page).toMatch(/<table class="list">.*<colgroup>/);
    expect(page).toMatch(/table\.list \{ table-layout: fixed;/);
    expect(page).toMatch(/\.cut \{[^}]*text-overflow: ellipsis;/);
    const item = await server.inject({ method: 'GET', url: `/items/${ingestId}` });
    expect(item.body).toContain(`<h1 class="clamp" title="${esc(title)}">${esc(title)}</h1>`);
  });

  it('/api/series counts the pages preserved in the hour up to each point, not a rate from the last gap', async () => {
    const now = Date.now();
    const min = 60_000;
    const at = (minutesAgo: number, pages: number) =>
      h.app.series.add({ t: now - minutesAgo * min, pages: 1000 + pages, waiting: 2, active: 1, failed: 0 });
    await at(12 * 60 + 30, 0); // not drawn, but the hour before the first point drawn
    await at(11 * 60 + 50, 30);
    await at(60, 30);
    await at(31, 30);
    await at(30, 42); // twelve pages in one minute
    await at(10, 42);
    const s = (await server.inject({ method: 'GET', url: '/api/series' })).json() as {
      points: Array<{ t: number; depth: number }>;
      throughput: Array<{ t: number; perHour: number }>;
      sampleSeconds: number;
    };
    const perHour = (minutesAgo: number) => s.throughput.find((p) => p.t === now - minutesAgo * min)?.perHour;
    expect(perHour(12 * 60 + 30), 'outside the 12 hours drawn').toBeUndefined();
    expect(perHour(11 * 60 + 50)).toBe(30);
    expect(perHour(60)).toBe(0);
    expect(perHour(30)).toBe(12);
    expect(perHour(10)).toBe(12);
    expect(s.points.find((p) => p.t === now - 10 * min)?.depth).toBe(3);
    expect(s.points.length).toBe(s.throughput.length);
    expect(s.sampleSeconds).toBe(60);
  });
});
