/**
 * The dashboard in a real browser (Debian's Chromium, driven by playwright-core): anonymous
 * visitors are asked to log in and can neither read nor change anything; a viewer looks but
 * cannot change anything; a logged-in administrator finds an item with its thumbnail, opens it,
 * retries a failed one and sees it complete. Screenshots of the main views
 * go to docs/screenshots/ when YADDAS_SCREENSHOTS=1.
 */
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ROOT, startHarness, takeItem, waitEnded, type Harness } from '../helpers/harness.js';
import { pageImage, until } from '../helpers/fixtures.js';
import fs from 'node:fs/promises';
import { buildConsole } from '../../src/console/server.js';
import { hashPassword } from '../../src/console/passwords.js';

const USER = 'operator';
const PASSWORD = 'correct horse battery staple';
const VIEWER = 'okuyan';
const VIEWER_PASSWORD = 'yalnız oxumaq üçün';
const SHOTS = process.env.YADDAS_SCREENSHOTS === '1';

let h: Harness;
let server: FastifyInstance;
let base: string;
let browser: Browser;
beforeAll(async () => {
  // The administrator from the environment (the single-user case), a viewer from the users file.
  const users = path.join(await fs.mkdtemp(path.join((await import('node:os')).tmpdir(), 'yaddas-users-')), 'users.json');
  await fs.writeFile(
    users,
    JSON.stringify({ users: [{ login: VIEWER, passwordHash: await hashPassword(VIEWER_PASSWORD), roles: { '*': 'viewer' } }] }),
  );
  h = await startHarness({
    env: { YADDAS_CONSOLE_USER: USER, YADDAS_CONSOLE_PASSWORD: PASSWORD, YADDAS_USERS_FILE: users, YADDAS_STUCK_MINUTES: '10' },
  });
  server = await buildConsole(h.app, { sampleSeconds: 1, tickSeconds: 1 });
  base = await server.listen({ host: '127.0.0.1', port: 0 });
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
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await h?.stop();
});

const take = (name: string, files: Record<string, Buffer | string>) => takeItem(h, name, files);
const ended = (ingestId: string) => waitEnded(h, ingestId);
// playwright-core has no test matchers: small waits that fail with a useful message.
const visible = (l: Locator, timeout = 10_000) => l.first().waitFor({ state: 'visible', timeout });
const contains = (l: Locator, text: string, timeout = 10_000) =>
  until(async () => ((await l.first().textContent()) ?? '').includes(text), timeout, `"${text}" in ${l}`);
const count = (l: Locator, n: number, timeout = 10_000) => until(async () => (await l.count()) === n, timeout, `${n} of ${l}`);
/** A page whose browser context has logged in (a viewer unless told). */
async function loggedIn(user = VIEWER, password = VIEWER_PASSWORD, viewport?: { width: number; height: number }): Promise<Page> {
  const ctx = await browser.newContext(viewport ? { viewport } : {});
  const page = await ctx.newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel('User').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/items`);
  return page;
}
const shot = async (page: Page, name: string) => {
  if (SHOTS) await page.screenshot({ path: path.join(ROOT, 'docs/screenshots', `${name}.png`), fullPage: true });
};

let good: { ingestId: string; itemId: string };
let broken: { ingestId: string; itemId: string };
// Names longer than any column: a 300-character title with the longest identifier allowed, and a
// folder name near the 255 bytes a file system allows.
const LONG_TITLE = 'Azərbaycan xalq ədəbiyyatı nümunələri, toplayanı və nəşrə hazırlayanı məlum olmayan '.repeat(4).slice(0, 300);
const LONG_ID = `dash-${'uzun'.repeat(23)}ad`;
const LONG_FOLDER = 'Çox uzun adlı qovluq '.repeat(11).trim();
let long: { ingestId: string; rejectedId: string };

describe('dashboard', () => {
  beforeAll(async () => {
    const g = await take('Nağıllar', {
      '1.png': await pageImage({ seed: 21, format: 'png', width: 600, height: 800 }),
      '2.png': await pageImage({ seed: 22, format: 'png', width: 600, height: 800 }),
      'metadata.json': JSON.stringify({ identifier: 'dash-kitab', type: 'book', title: { az: 'Azərbaycan nağılları' } }),
    });
    good = { ingestId: g.ingestId, itemId: 'dash-kitab' };
    await ended(g.ingestId);
    await take('bos qovluq', { 'empty.tif': Buffer.alloc(0) });
    // An item whose access copies fail: its master's stored copy is missing when derive runs.
    await h.stopWorker('derive');
    const b = await take('Qəzet', {
      '1.png': await pageImage({ seed: 23, format: 'png', width: 600, height: 800 }),
      'metadata.json': JSON.stringify({ identifier: 'dash-qezet', type: 'periodical', title: 'Qəzet, 1918' }),
    });
    broken = { ingestId: b.ingestId, itemId: 'dash-qezet' };
    await until(async () => (await h.app.status.get(b.ingestId))?.stage === 'derive', 30_000, 'waiting at derive');
    const inv = (await h.app.preservation.readInventory('dash-qezet'))!;
    const key = `${h.app.preservation.rootOf('dash-qezet')}/${Object.values(inv.manifest)
      .flat()
      .find((p) => p.endsWith('masters/1.png'))!}`;
    const master = (await h.app.preservation.store.getBuffer(key))!;
    await h.app.preservation.store.delete([key]);
    await h.startWorkers(['derive']);
    expect((await ended(b.ingestId)).publication).toBe('failed');
    await h.app.preservation.store.put(key, master);
    const l = await take('uzun', {
      '1.png': await pageImage({ seed: 24, format: 'png', width: 600, height: 800 }),
      'metadata.json': JSON.stringify({ identifier: LONG_ID, type: 'book', title: LONG_TITLE }),
    });
    const r = await take(LONG_FOLDER, { 'empty.tif': Buffer.alloc(0) });
    long = { ingestId: l.ingestId, rejectedId: r.ingestId };
    expect((await ended(l.ingestId)).status).toBe('preserved');
  }, 120_000);

  it('asks anonymous visitors to log in and shows them nothing; a viewer sees items but changes nothing', async () => {
    const anonymous = await browser.newPage();
    await anonymous.goto(`${base}/items?filter=failed`);
    expect(anonymous.url()).toBe(`${base}/login?next=${encodeURIComponent('/items?filter=failed')}`);
    expect(await anonymous.locator('tbody#items').count()).toBe(0);
    const status = (u: string, method: string) =>
      anonymous.evaluate(async ([u, m]) => (await fetch(u!, { method: m })).status, [u, method]);
    expect(await status(`${base}/api/items`, 'GET')).toBe(401);
    expect(await status(`${base}/api/items/${good.ingestId}`, 'GET')).toBe(401);
    expect(await status(`${base}/items/${broken.ingestId}/retry`, 'POST')).toBe(401);
    expect(await status(`${base}/queues/api/queues/derive/retry/failed`, 'PUT')).toBe(401);
    expect(await status(`${base}/metrics`, 'GET')).toBe(401);
    expect(await status(`${base}/health`, 'GET')).toBe(200);
    await anonymous.close();

    const page = await loggedIn();
    await contains(page.locator('header'), `Logged in as ${VIEWER}`);
    const row = page.locator(`tr[data-ingest="${good.ingestId}"]`);
    await visible(row.getByRole('link', { name: 'Azərbaycan nağılları' }));
    await until(
      () => row.locator('img.thumb').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0),
      10_000,
      'thumbnail loaded',
    );
    await contains(row, 'published');
    await shot(page, 'items');
    await page.goto(`${base}/items?filter=rejected`);
    await contains(page.locator('tbody#items'), 'empty');
    await shot(page, 'rejected');
    await page.goto(`${base}/items?filter=failed`);
    await contains(page.locator(`tr[data-ingest="${broken.ingestId}"]`), 'access copies failed');
    await page.getByRole('link', { name: 'Qəzet, 1918' }).click();
    expect(await page.getByRole('button', { name: 'Retry' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Withdraw from public access' }).count()).toBe(0);
    // Even a hand-made request is refused: a viewer's POST, and the queues' board.
    const res = await page.evaluate(async (u) => (await fetch(u, { method: 'POST' })).status, `${base}/items/${broken.ingestId}/retry`);
    expect(res).toBe(403);
    const board = await page.evaluate(
      async (u) => (await fetch(u, { method: 'PUT' })).status,
      `${base}/queues/api/queues/derive/retry/failed`,
    );
    expect(board).toBe(403);
    expect((await h.app.staffLog.recent(5)).some((a) => a.user === VIEWER && a.action.startsWith('refused'))).toBe(true);
    await page.context().close();
  });

  it('lets a logged-in operator open an item and retry a failed one, and shows it complete', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('User').fill(USER);
    await page.getByLabel('Password').fill('wrong');
    await page.keyboard.press('Enter');
    await contains(page.getByRole('alert'), 'Wrong user or password');
    await page.getByLabel('User').fill(USER);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/items`);
    await contains(page.locator('header'), `Logged in as ${USER}`);

    // The good item's page: its pages' thumbnails, checksums and links.
    await page.getByRole('link', { name: 'Azərbaycan nağılları' }).click();
    await count(page.locator('ul.pages li'), 2);
    await contains(page.locator('ul.pages li').first(), 'sha512');
    await visible(page.getByRole('link', { name: 'IIIF manifest' }));
    await visible(page.getByRole('link', { name: 'Searchable PDF' }));
    await contains(page.locator('main'), 'message digest calculation');
    await contains(page.locator('main'), 'Versions (OCFL)');
    await shot(page, 'item');

    // The failed one, by keyboard: focus the Retry button and press Enter.
    await page.goto(`${base}/items/${broken.ingestId}`);
    await page.getByRole('button', { name: 'Retry' }).focus();
    await page.keyboard.press('Enter');
    await contains(page.getByRole('status'), 'Retrying');
    // The new ingest's page reloads itself while the item moves, until it is published.
    await contains(page.locator('#status'), 'published', 60_000);
    await count(page.locator('ul.pages li'), 1);
    await page.goto(`${base}/activity`);
    await contains(page.locator('tbody#queues'), 'derive');
    await page.waitForTimeout(2500);
    await shot(page, 'activity');
    // Bull Board: the failed derive job, with its error.
    await page.goto(`${base}/queues/queue/derive?status=failed`);
    await visible(page.getByText('STORAGE_UNAVAILABLE'), 20_000);
    await shot(page, 'queues');
    await page.close();
  });

  it('cuts long names in the lists, whole on hover, without moving the other columns', async () => {
    expect(LONG_TITLE.length).toBe(300);
    expect(LONG_ID.length).toBe(99);
    expect(Buffer.byteLength(LONG_FOLDER)).toBeGreaterThan(230);
    const page = await loggedIn(VIEWER, VIEWER_PASSWORD, { width: 1280, height: 800 });
    const row = page.locator(`tr[data-ingest="${long.ingestId}"]`);
    await visible(row);
    const link = row.locator('a.cut');
    expect(await link.getAttribute('title')).toBe(LONG_TITLE);
    expect(await row.locator('small.cut').first().getAttribute('title')).toBe(LONG_ID);
    // Cut on screen, whole in the page (selectable, read out, found by its name).
    const cut = (l: Locator) =>
      l.evaluate((e: HTMLElement) => ({
        cut: e.scrollWidth > e.clientWidth,
        overflow: getComputedStyle(e).textOverflow,
        text: e.textContent,
      }));
    expect(await cut(link)).toEqual({ cut: true, overflow: 'ellipsis', text: LONG_TITLE });
    expect((await cut(row.locator('small.cut').first())).cut).toBe(true);
    await visible(page.getByRole('link', { name: LONG_TITLE }));
    // "Where it stands" is where it is for a short name, and on screen.
    // The cells measured in one go in the page: the list is refreshed live (its rows replaced), and
    // separate measurements can straddle a refresh and find a row gone.
    type Box = { x: number; width: number };
    const where = async (...ids: string[]): Promise<Box[]> => {
      let boxes: Box[] | null = null;
      await until(
        async () =>
          (boxes = await page.evaluate((wanted) => {
            const out: Box[] = [];
            for (const id of wanted) {
              const r = document.querySelector(`tr[data-ingest="${id}"]`)?.querySelectorAll('td')[4]?.getBoundingClientRect();
              if (!r) return null;
              out.push({ x: r.x, width: r.width });
            }
            return out;
          }, ids)) !== null,
        10_000,
        `the rows of ${ids.join(', ')} on screen`,
      );
      return boxes!;
    };
    const [a, b] = (await where(long.ingestId, good.ingestId)) as [Box, Box];
    expect(a.x).toBe(b.x);
    expect(a.width).toBe(b.width);
    expect(a.x + a.width).toBeLessThanOrEqual(1280);
    await contains(row.locator('td').nth(4), 'preserved');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);

    await page.goto(`${base}/items?filter=rejected`);
    const rej = page.locator(`tr[data-ingest="${long.rejectedId}"]`);
    await contains(rej, 'rejected');
    expect(await rej.locator('a.cut').getAttribute('title')).toBe(LONG_FOLDER);
    expect((await cut(rej.locator('a.cut'))).cut).toBe(true);
    const [w] = (await where(long.rejectedId)) as [Box];
    expect(w.x + w.width).toBeLessThanOrEqual(1280);

    // The item's own heading: at most two lines, the whole title on hover.
    await page.goto(`${base}/items/${long.ingestId}`);
    const h1 = page.locator('h1');
    expect(await h1.getAttribute('title')).toBe(LONG_TITLE);
    const lines = await h1.evaluate((e: HTMLElement) => ({
      clamped: e.scrollHeight > e.clientHeight,
      lines: Math.round(e.clientHeight / Number.parseFloat(getComputedStyle(e).lineHeight)),
    }));
    expect(lines).toEqual({ clamped: true, lines: 2 });
    await page.context().close();
  });

  it('labels the activity charts: what they plot, their units, a y scale and a time axis', async () => {
    const page = await loggedIn();
    await page.goto(`${base}/activity`);
    const chart = page.locator('svg#chart-throughput');
    await contains(chart.locator('text.unit').first(), 'pages per hour');
    await contains(page.locator('svg#chart-depth text.unit').first(), 'jobs');
    await contains(page.locator('figcaption').first(), 'pages preserved in the hour up to each point');
    // Points come every second here: the start, middle and end of the line get clock times.
    await count(chart.locator('text.xtick'), 3);
    for (const t of await chart.locator('text.xtick').allTextContents()) expect(t).toMatch(/^\d\d:\d\d(:\d\d)?$/);
    const yticks = (await chart.locator('text.ytick').allTextContents()).map(Number);
    expect(yticks[0]).toBe(0);
    // A count of pages, not a rate from one second's gap: the scale stays near what was preserved.
    const preserved = (await h.app.metrics.counters('pages_preserved_total')).reduce((n, c) => n + c.value, 0);
    const peak = Math.max(...yticks);
    expect(peak).toBeGreaterThanOrEqual(1);
    expect(peak).toBeLessThanOrEqual(Math.max(10, 2 * preserved));
    expect(await chart.getAttribute('aria-label')).toMatch(/^Pages preserved per hour, \d\d:\d\d/);
    await page.context().close();

    // Known figures in a known time zone: the labels are exactly the clock times and round values.
    const ctx = await browser.newContext({ timezoneId: 'UTC' });
    const fixed = await ctx.newPage();
    await fixed.goto(`${base}/login`);
    await fixed.getByLabel('User').fill(VIEWER);
    await fixed.getByLabel('Password').fill(VIEWER_PASSWORD);
    await fixed.keyboard.press('Enter');
    await fixed.waitForURL(`${base}/items`);
    let series: unknown = {};
    await fixed.route('**/api/series', (route) => route.fulfill({ json: series }));
    const t = (hhmm: string) => Date.parse(`2026-11-30T${hhmm}:00Z`);
    const pts = [
      ['08:00', 0, 3],
      ['09:00', 12, 7],
      ['10:00', 5, 0],
    ] as const;
    series = {
      sampleSeconds: 60,
      points: pts.map(([hm, , depth]) => ({ t: t(hm), depth })),
      throughput: pts.map(([hm, perHour]) => ({ t: t(hm), perHour })),
    };
    await fixed.goto(`${base}/activity`);
    const thr = fixed.locator('svg#chart-throughput');
    await count(thr.locator('text.xtick'), 3);
    expect(await thr.locator('text.xtick').allTextContents()).toEqual(['08:00', '09:00', '10:00']);
    expect(await thr.locator('text.ytick').allTextContents()).toEqual(['0', '10', '20']);
    expect(await fixed.locator('svg#chart-depth text.ytick').allTextContents()).toEqual(['0', '4', '8']);
    expect(await thr.locator('polyline').count()).toBe(1);
    await contains(thr, 'last 5, highest 12');
    // No points yet, then one: words instead of an empty box.
    series = { sampleSeconds: 60, points: [], throughput: [] };
    await fixed.reload();
    await contains(thr, 'No figures yet');
    await contains(thr, 'a point every minute');
    expect(await thr.locator('polyline').count()).toBe(0);
    series = { sampleSeconds: 60, points: [{ t: t('08:00'), depth: 1 }], throughput: [{ t: t('08:00'), perHour: 0 }] };
    await fixed.reload();
    await contains(thr, 'Only one point so far');
    await ctx.close();
  });
});
