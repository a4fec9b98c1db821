/**
 * Staff accounts and roles (issue 13, part 4), with two institutions on one installation: from
 * a users file with scrypt hashes, each person sees only their institutions' items (pages, API,
 * counts) and may do what their role there allows, in a real browser and by hand-made requests;
 * logins are rate-limited; sessions live in Redis (a second console process accepts them); every
 * change is kept with who made it; /metrics is for monitoring's token or a login.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/console/passwords.js';
import { MESSAGES } from '../../src/domain/i18n/index.js';
import { buildConsole, SESSION_COOKIE } from '../../src/console/server.js';
import { pageImage, until, writeItem } from '../helpers/fixtures.js';
import { type Harness, startHarness } from '../helpers/harness.js';

let h: Harness;
let server: FastifyInstance;
let base: string;
let browser: Browser;
let dir: string;
const PASSWORD = 'kitabxana-2026';
const TOKEN = 'monitoring-token-0123456789';
const USERS = {
  leyla: { anl: 'viewer' },
  rauf: { anl: 'operator' },
  nigar: { anl: 'curator', prezident: 'viewer' },
  admin: { '*': 'admin' },
} as const;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'yaddas-staff-'));
  await fs.writeFile(
    path.join(dir, 'institutions.json'),
    JSON.stringify({
      institutions: [
        { id: 'anl', name: { az: 'Milli Kitabxana' }, inbox: path.join(dir, 'anl-inbox') },
        { id: 'prezident', name: { az: 'Prezident Kitabxanası' }, namespace: 'pl', inbox: path.join(dir, 'pl-inbox') },
      ],
    }),
  );
  const hash = await hashPassword(PASSWORD);
  await fs.writeFile(
    path.join(dir, 'users.json'),
    JSON.stringify({ users: Object.entries(USERS).map(([login, roles]) => ({ login, passwordHash: hash, roles })) }),
  );
  h = await startHarness({
    watch: true,
    env: {
      YADDAS_INSTITUTIONS_FILE: path.join(dir, 'institutions.json'),
      YADDAS_USERS_FILE: path.join(dir, 'users.json'),
      YADDAS_METRICS_TOKEN: TOKEN,
    },
  });
  server = await buildConsole(h.app, { sampleSeconds: 60, tickSeconds: 60 });
  base = await server.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  // One item in each institution, under the same identifier.
  for (const [inbox, seed] of [
    ['anl-inbox', 81],
    ['pl-inbox', 82],
  ] as const) {
    const tmp = path.join(dir, 'work', inbox, 'kitab-7');
    await writeItem(tmp, {
      '1.tif': await pageImage({ seed, width: 300, height: 400 }),
      'metadata.json': JSON.stringify({ identifier: 'kitab-7', type: 'book', title: `${inbox} kitabı` }),
    });
    await fs.rename(tmp, path.join(dir, inbox, 'kitab-7'));
  }
  for (const id of ['anl:kitab-7', 'pl:kitab-7'])
    await until(
      async () => {
        const last = await h.app.status.lastIngestOf(id);
        const r = last ? await h.app.status.get(last) : null;
        return r?.publication === 'published' && !r.stage;
      },
      90_000,
      `${id} published`,
    );
}, 150_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await h?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

/** A cookie of a fresh session of this member of staff (through the login form's endpoint). */
async function session(login: string, password = PASSWORD, srv = server): Promise<string> {
  const r = await srv.inject({ method: 'POST', url: '/login', payload: { user: login, password } });
  expect(r.statusCode, r.body).toBe(303);
  return String(r.headers['set-cookie']).split(';')[0]!;
}
const get = (url: string, cookie?: string) => server.inject({ method: 'GET', url, ...(cookie ? { headers: { cookie } } : {}) });
const post = (url: string, cookie: string, payload?: Record<string, string>) =>
  server.inject({ method: 'POST', url, headers: { cookie }, ...(payload ? { payload } : {}) });

async function loggedIn(login: string): Promise<Page> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${base}/items`);
  await page.getByLabel('User').fill(login);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/items`);
  return page;
}

describe('staff accounts and roles', () => {
  it('keeps passwords as scrypt hashes only, and yaddas hash-password makes them', async () => {
    const file = await fs.readFile(path.join(dir, 'users.json'), 'utf8');
    expect(file).not.toContain(PASSWORD);
    expect(file).toMatch(/"\$scrypt\$ln=15,r=8,p=1\$/);
    const { execFile } = await import('node:child_process');
    const run = (input: string) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        const child = execFile(process.execPath, [path.resolve(import.meta.dirname, '../../bin/yaddas.js'), 'hash-password'], (err, out) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out }),
        );
        child.stdin!.end(input);
      });
    expect((await run('qisa\n')).code).toBe(2); // too short to be a staff password
    const { out: hashOut } = await run('bir uzun parol\n');
    expect(await verifyPassword('bir uzun parol', hashOut.trim())).toBe(true);
    expect(await verifyPassword('bir uzun paro', hashOut.trim())).toBe(false);
  });

  it('nothing is readable without a login; monitoring reads /metrics with its token', async () => {
    for (const url of ['/items', '/activity', '/preservation', '/items/pl:kitab-7', '/queues']) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(303);
      expect(r.headers.location).toBe(`/login?next=${encodeURIComponent(url)}`);
    }
    for (const url of ['/api/items', '/api/summary', '/api/items/anl:kitab-7', '/api/series', '/queues/api/queues'])
      expect((await get(url)).statusCode, url).toBe(401);
    expect((await get('/metrics')).statusCode).toBe(401);
    const m = await server.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(m.statusCode, m.body).toBe(200);
    expect(m.body).toMatch(/yaddas_items_total\{[^}]*institution="prezident"/);
    expect((await server.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    expect((await get('/health')).statusCode).toBe(200);
  });

  it('each sees only their institutions’ items, by page, list, count and API', async () => {
    const leyla = await session('leyla');
    const list = (await get('/api/items', leyla)).json() as Array<{ itemId: string }>;
    expect(list.map((r) => r.itemId)).toEqual(['anl:kitab-7']);
    expect((await get('/api/summary', leyla)).json()).toMatchObject({ total: 1 });
    expect((await get('/items/pl:kitab-7', leyla)).statusCode).toBe(404);
    expect((await get('/api/items/pl:kitab-7', leyla)).statusCode).toBe(404);
    expect((await get('/items/anl:kitab-7', leyla)).statusCode).toBe(200);
    const nigar = await session('nigar');
    expect(((await get('/api/items', nigar)).json() as Array<{ itemId: string }>).map((r) => r.itemId).sort()).toEqual([
      'anl:kitab-7',
      'pl:kitab-7',
    ]);
    // The board, however its path is written, is for administrators of every institution only.
    for (const url of ['/%71ueues/api/queues', '/queues/%61pi/queues', '/%71ueues'])
      expect((await get(url, leyla)).statusCode, url).toBe(403);
    expect((await get('/%71ueues/api/queues')).statusCode).toBe(401);
    const admin = await session('admin');
    expect((await get('/api/summary', admin)).json()).toMatchObject({ total: 2 });
    expect((await get('/queues', admin)).statusCode).toBe(200);
    expect((await get('/queues', nigar)).statusCode).toBe(403);
  });

  it('in a browser, each role sees and may do exactly what it should; a viewer’s POST is refused', async () => {
    const item = `${base}/items/${encodeURIComponent('anl:kitab-7')}`;
    const buttons = async (p: Page) => {
      await p.goto(item);
      return {
        rerun: await p.getByRole('button', { name: 'Re-run derivatives and OCR' }).isEnabled(),
        withdraw: (await p.getByRole('button', { name: 'Withdraw from public access' }).count()) > 0,
      };
    };
    const viewer = await loggedIn('leyla');
    expect(await buttons(viewer)).toEqual({ rerun: false, withdraw: false });
    const forged = await viewer.evaluate(async (u) => (await fetch(u, { method: 'POST' })).status, `${item}/rerun`);
    expect(forged).toBe(403);
    expect(await viewer.evaluate(async (u) => (await fetch(u)).status, `${base}/items/${encodeURIComponent('pl:kitab-7')}`)).toBe(404);
    await viewer.context().close();

    const operator = await loggedIn('rauf');
    expect(await buttons(operator)).toEqual({ rerun: true, withdraw: false });
    expect(
      await operator.evaluate(
        async (u) => (await fetch(u, { method: 'POST', body: new URLSearchParams({ reason: 'x' }) })).status,
        `${item}/withdraw`,
      ),
    ).toBe(403);
    expect(
      await operator.evaluate(
        async (u) => (await fetch(u, { method: 'POST', body: new URLSearchParams({ access: 'restricted' }) })).status,
        `${item}/rights`,
      ),
    ).toBe(403);
    await operator.context().close();

    // The curator withdraws from the item's page, with a reason; the public location keeps a tombstone.
    const curator = await loggedIn('nigar');
    expect(await buttons(curator)).toEqual({ rerun: true, withdraw: true });
    expect(await curator.getByRole('button', { name: 'Change access and rights' }).count()).toBe(1);
    await curator.getByLabel('Reason for withdrawal (the public reads it)').fill('Müəllif hüququ sorğusu');
    await curator.getByRole('button', { name: 'Withdraw from public access' }).click();
    await until(
      async () => ((await curator.getByRole('status').textContent()) ?? '').includes('Withdrawn from public access'),
      30_000,
      'notice',
    );
    const tomb = (await h.app.forItem('anl:kitab-7').access.getBuffer('items/kitab-7/item.json'))!.toString();
    expect(JSON.parse(tomb)).toMatchObject({ status: 'withdrawn', withdrawal: { reason: 'Müəllif hüququ sorğusu' } });
    const head = await h.app.forItem('anl:kitab-7').preservation.readHead<{ withdrawal?: { by: string } }>('anl:kitab-7');
    expect(head?.record.withdrawal?.by).toBe('nigar');
    // A viewer in the other institution only: no action there.
    await curator.goto(`${base}/items/${encodeURIComponent('pl:kitab-7')}`);
    expect(await curator.getByRole('button', { name: 'Withdraw from public access' }).count()).toBe(0);
    expect(
      await curator.evaluate(
        async (u) => (await fetch(u, { method: 'POST' })).status,
        `${base}/items/${encodeURIComponent('pl:kitab-7')}/rerun`,
      ),
    ).toBe(403);
    await curator.getByRole('button', { name: 'Log out' }).click();
    await curator.waitForURL(/\/login/);
    await curator.context().close();

    // Who did what is kept.
    const actions = await h.app.staffLog.recent(20);
    expect(actions.find((a) => a.action === 'withdraw')).toMatchObject({ user: 'nigar', target: 'anl:kitab-7', institution: 'anl' });
    expect(
      actions
        .filter((a) => a.action.startsWith('refused'))
        .map((a) => a.user)
        .sort(),
    ).toEqual(['leyla', 'nigar', 'rauf', 'rauf']);
  });

  it('speaks Azerbaijani, Russian and English: the browser’s by default, a switch on every page, remembered per person, nothing left untranslated', async () => {
    // What must not be seen in a page in another language: the English texts of the console
    // (data shown as it was given, such as reasons, names and event details, aside).
    const english = Object.entries(MESSAGES.en)
      .filter(([k]) => !/^(code|iiif|rejected)\./.test(k))
      .flatMap(([k, v]) => v.split(/\{\w+\}/).map((f) => ({ k, f: f.trim().replace(/^[:,.;()\s]+|[:,.;()\s]+$/g, '') })))
      .filter(({ f }) => f.length >= 6);
    const untranslated = async (p: Page, lang: 'az' | 'ru') => {
      const shown = await p.evaluate(() => {
        const skip = 'td.long, .reason, code, a.cut, small.cut, dd.data, script, style';
        const parts: string[] = [];
        const walk = (n: Node) => {
          if (n.nodeType === Node.ELEMENT_NODE) {
            const e = n as Element;
            if (e.matches(skip)) return;
            for (const a of ['title', 'aria-label', 'alt']) if (e.getAttribute(a)) parts.push(e.getAttribute(a)!);
          }
          if (n.nodeType === Node.TEXT_NODE) parts.push(n.textContent ?? '');
          n.childNodes.forEach(walk);
        };
        walk(document.body);
        return `${document.title}\n${parts.join('\n')}`;
      });
      // (an English fragment inside the translation itself, "IIIF manifest" in "IIIF manifesti", is not one)
      const own = (k: string) => MESSAGES[lang][k as keyof typeof MESSAGES.en];
      return english
        .filter(({ k, f }) => own(k) !== MESSAGES.en[k as keyof typeof MESSAGES.en] && !own(k).includes(f) && shown.includes(f))
        .map(({ k, f }) => `${k}: ${f}`);
    };
    const pages = ['/items', '/items?filter=rejected', `/items/${encodeURIComponent('anl:kitab-7')}`, '/activity', '/preservation'];

    // A Russian browser gets Russian from the first page.
    const ctx = await browser.newContext({ locale: 'ru-RU' });
    const p = await ctx.newPage();
    await p.goto(`${base}/items`);
    expect(await p.locator('html').getAttribute('lang')).toBe('ru');
    expect(await p.locator('h1').textContent()).toBe('Вход');
    await p.getByLabel('Пользователь').fill('admin');
    await p.getByLabel('Пароль').fill(PASSWORD);
    await p.keyboard.press('Enter');
    await p.waitForURL(`${base}/items`);
    for (const url of pages) {
      await p.goto(`${base}${url}`);
      expect(await p.locator('html').getAttribute('lang')).toBe('ru');
      await p.waitForTimeout(url === '/activity' ? 500 : 0); // the charts are drawn by the script
      expect(await untranslated(p, 'ru'), url).toEqual([]);
    }
    // The switch, on the page one is on: Azerbaijani, for this person from now on.
    await p.goto(`${base}/preservation`);
    await p.getByRole('button', { name: 'AZ' }).click();
    await p.waitForURL(`${base}/preservation`);
    expect(await p.locator('html').getAttribute('lang')).toBe('az');
    expect(await p.locator('h1').textContent()).toBe('Mühafizə');
    for (const url of pages) {
      await p.goto(`${base}${url}`);
      await p.waitForTimeout(url === '/activity' ? 500 : 0);
      expect(await untranslated(p, 'az'), url).toEqual([]);
    }
    // Dates and numbers in the page's language.
    await p.goto(`${base}/items/${encodeURIComponent('anl:kitab-7')}`);
    expect(await p.locator('time').first().textContent()).toMatch(/^\d{1,2} (yan|fev|mar|apr|may|iyn|iyl|avq|sen|okt|noy|dek)/);
    await ctx.close();
    // Remembered with the person: another browser, asking for English, gets Azerbaijani after logging in.
    const other = await browser.newContext({ locale: 'en-GB' });
    const q = await other.newPage();
    await q.goto(`${base}/login`);
    expect(await q.locator('html').getAttribute('lang')).toBe('en');
    await q.getByLabel('User').fill('admin');
    await q.getByLabel('Password').fill(PASSWORD);
    await q.keyboard.press('Enter');
    await q.waitForURL(`${base}/items`);
    expect(await q.locator('html').getAttribute('lang')).toBe('az');
    expect(await q.locator('h1').textContent()).toBe('Materiallar');
    await other.close();
  });

  it('sessions are in Redis: another console process accepts them, and logging out ends them', async () => {
    const cookie = await session('admin');
    const second = await buildConsole(h.app, { sampleSeconds: 60, tickSeconds: 60 });
    try {
      expect((await second.inject({ method: 'GET', url: '/api/summary', headers: { cookie } })).statusCode).toBe(200);
      expect((await post('/logout', cookie)).statusCode).toBe(303);
      expect((await second.inject({ method: 'GET', url: '/api/summary', headers: { cookie } })).statusCode).toBe(401);
      expect(cookie.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('sends a login back only to this console, and refuses changes asked for by another site', async () => {
    for (const next of ['/\\evil.example/x', '//evil.example', 'https://evil.example', '/items/../../x\\y'])
      expect(
        (await server.inject({ method: 'POST', url: '/login', payload: { user: 'admin', password: PASSWORD, next } })).headers.location,
        next,
      ).toBe('/items');
    expect(
      (await server.inject({ method: 'POST', url: '/login', payload: { user: 'admin', password: PASSWORD, next: '/activity?x=1' } }))
        .headers.location,
    ).toBe('/activity?x=1');
    const cookie = await session('admin');
    const forged = await server.inject({
      method: 'POST',
      url: `/items/${encodeURIComponent('anl:kitab-7')}/rerun`,
      headers: { cookie, origin: 'https://evil.example', host: 'localhost:80' },
    });
    expect(forged.statusCode).toBe(403);
  });

  it('counts guesses sent all at once: no more than five tries of one login get through', async () => {
    const codes = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        server.inject({ method: 'POST', url: '/login', payload: { user: 'nigar', password: `wrong ${i}` } }).then((r) => r.statusCode),
      ),
    );
    expect(codes.filter((c) => c === 401).length).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(7);
  });

  it('rate-limits logins: a login that failed five times waits, whatever the password', async () => {
    for (let i = 0; i < 5; i++)
      expect((await server.inject({ method: 'POST', url: '/login', payload: { user: 'rauf', password: `wrong ${i}` } })).statusCode).toBe(
        401,
      );
    const blocked = await server.inject({
      method: 'POST',
      url: '/login',
      payload: { user: 'rauf', password: PASSWORD },
      headers: { 'accept-language': 'en' },
    });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.body).toMatch(/Too many failed logins/);
    // Another login from the same address is not held up by it.
    expect((await server.inject({ method: 'POST', url: '/login', payload: { user: 'leyla', password: PASSWORD } })).statusCode).toBe(303);
  });
});
