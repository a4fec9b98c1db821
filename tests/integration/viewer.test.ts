/**
 * A real IIIF viewer reads what Yaddaş published: Mirador in headless Chromium (Debian's
 * chromium, driven by playwright-core) opens an ingested book's manifest straight from the access
 * bucket and fetches its image services, thumbnails and tiles; every request is answered.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { inject } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { pageImage, writeItem } from '../helpers/fixtures.js';

const require = createRequire(import.meta.url);
// The package's `require` entry is its UMD bundle (window.Mirador), the build for a <script> tag.
const MIRADOR = require.resolve('mirador');

let h: Harness;
let server: http.Server;
let base: string;
let browser: Browser;

/**
 * One origin for the viewer page and the bucket (s3rver sends no CORS headers): the page at /,
 * Mirador's bundle, and /access/… passed through to the access bucket, as a CDN would serve it.
 */
async function startSite(): Promise<void> {
  server = http.createServer(async (req, res) => {
    const url = req.url ?? '/';
    if (url === '/mirador.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(await fs.readFile(MIRADOR));
      return;
    }
    if (url.startsWith('/access/')) {
      // The harness's start-up readability check comes before this test knows its bucket.
      if (!h) {
        res.writeHead(503);
        res.end();
        return;
      }
      const upstream = await fetch(`${inject('s3Endpoint')}/${h.config.s3.accessBucket}/${url.slice('/access/'.length)}`);
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
      return;
    }
    const manifest = new URL(url, 'http://x').searchParams.get('manifest') ?? '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>Yaddaş viewer test</title></head>
<body style="margin:0"><div id="viewer" style="position:absolute;inset:0"></div>
<script src="/mirador.min.js"></script>
<script>Mirador.viewer({ id: 'viewer', windows: [{ manifestId: ${JSON.stringify(manifest)} }] });</script></body></html>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

beforeAll(async () => {
  await startSite();
  h = await startHarness({ env: { YADDAS_PUBLIC_BASE_URL: `${base}/access`, YADDAS_TILE_SIZE: '256' } });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await h?.stop();
  server?.close();
});

describe('a IIIF viewer', () => {
  it('Mirador renders an ingested book from the access bucket, every request answered', async () => {
    const src = path.join(h.dir, 'src', 'Kitab');
    await writeItem(src, {
      '1.tif': await pageImage({ seed: 61, width: 1200, height: 1600 }),
      '2.tif': await pageImage({ seed: 62, width: 1200, height: 1600 }),
      '3.jpg': await pageImage({ seed: 63, width: 1200, height: 1600, format: 'jpeg' }),
      'metadata.json': JSON.stringify({ identifier: 'viewer-kitab', type: 'book', title: { az: 'Kitab', en: 'A book' } }),
    });
    const t = await h.app.intake.take(src, 'Kitab', { move: false, via: 'cli' });
    for (;;) {
      const rec = await h.waitFor(t.ingestId);
      if (rec.publication) {
        expect(rec.publication, rec.publicationReason).toBe('published');
        break;
      }
      await sleep(100);
    }

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const answered: Array<{ url: string; status: number }> = [];
    const failed: string[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/access/')) answered.push({ url: r.url(), status: r.status() });
    });
    page.on('requestfailed', (r) => {
      if (r.url().includes('/access/')) failed.push(`${r.url()} ${r.failure()?.errorText}`);
    });
    await page.goto(`${base}/?manifest=${encodeURIComponent(`${base}/access/items/viewer-kitab/manifest.json`)}`);
    // OpenSeadragon draws the page on a canvas; Mirador titles the window from the manifest's label.
    await page.locator('.openseadragon-canvas canvas').first().waitFor({ timeout: 30_000 });
    await page
      .getByRole('heading', { name: /^(A book|Kitab)$/ })
      .first()
      .waitFor({ timeout: 30_000 });
    await page.waitForFunction(
      () => performance.getEntriesByType('resource').some((e) => /\/iiif\/.+\/default\.jpg$/.test(e.name)),
      undefined,
      { timeout: 30_000 },
    );
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: path.join(process.env.YADDAS_TEST_SCREENSHOTS ?? h.dir, 'mirador.png') });

    const images = answered.filter((a) => a.url.endsWith('/default.jpg'));
    expect(answered.some((a) => a.url.endsWith('/manifest.json') && a.status === 200)).toBe(true);
    expect(answered.some((a) => a.url.endsWith('/info.json') && a.status === 200)).toBe(true);
    expect(images.length).toBeGreaterThan(0);
    expect(
      answered.filter((a) => a.status >= 400),
      'requests the bucket could not answer',
    ).toEqual([]);
    expect(failed).toEqual([]);
    await page.close();
  });
});
