/**
 * The console: one HTTP server (fastify) for operators and orchestrators.
 *   GET /health   the process is alive (no dependencies checked)
 *   GET /ready    Redis answers and both buckets are reachable: 200, else 503 with the reasons
 *   GET /metrics  Prometheus text format (metrics/prometheus.ts)
 *   /items, /items/:id, /activity, /login   the dashboard (pages.ts), live through /api/live
 *   /queues       Bull Board: jobs one by one, errors, retry, clean
 * Bound to 127.0.0.1 unless configured otherwise. Anything that changes state needs a login;
 * without configured credentials nothing can.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { QUEUE_NAMES } from '../pipeline/plan.js';
import { counts, listItems, queueStates, republish, retry, showItem, type ItemFilter } from '../ops/operations.js';
import { ConsoleAuth, SESSION_COOKIE } from './auth.js';
import {
  DASHBOARD_JS,
  activityPage,
  esc,
  layout,
  itemPage,
  itemRows,
  itemsPage,
  loginPage,
  preservationPage,
  type Chrome,
} from './pages.js';
import type { App } from '../app.js';
import { pageKeys, publicUrl } from '../storage/access-layout.js';
import { createRegistry } from './prometheus.js';
import { auditThroughput, itemCopies, preservationSummary } from '../ops/keeping.js';

export interface ConsoleOptions {
  /** how often the charts get a point (default one a minute) */
  sampleSeconds?: number;
  /** how often open pages are told to refresh (default 3 s) */
  tickSeconds?: number;
}

const FILTERS: readonly ItemFilter[] = ['all', 'in-flight', 'failed', 'stuck', 'rejected', 'held'];
const isFilter = (q: string): q is ItemFilter => (FILTERS as readonly string[]).includes(q);

/**
 * What the routes take, typed for the handlers and checked by fastify against the JSON schemas
 * beside them. Unknown filters fall back to "all" (old links keep working) rather than a 400.
 */
interface ItemsQuery {
  filter?: string;
  limit?: string;
}
const ITEMS_QUERY = {
  type: 'object',
  properties: { filter: { type: 'string', maxLength: 20 }, limit: { type: 'string', maxLength: 6 }, notice: { type: 'string' } },
} as const;
interface ItemRoute {
  Params: { id: string };
}
const ITEM_PARAMS = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } } as const;
const LOGIN_BODY = {
  type: ['object', 'null'],
  properties: { user: { type: 'string', maxLength: 200 }, password: { type: 'string', maxLength: 1000 } },
} as const;

export async function buildConsole(app: App, opts: ConsoleOptions = {}): Promise<FastifyInstance> {
  const c = app.config;
  const server = Fastify({ logger: false });
  await server.register(fastifyCookie);
  await server.register(fastifyFormbody);
  const auth = new ConsoleAuth({ user: c.console.user, password: c.console.password });
  const series = app.series;
  const userOf = (req: FastifyRequest) => auth.verify(req.cookies[SESSION_COOKIE]);
  const chrome = (req: FastifyRequest, title: string, active: Chrome['active']): Chrome => ({
    title,
    user: userOf(req),
    loginEnabled: auth.enabled,
    active,
  });
  const thumb = (itemId: string, page = 1) => publicUrl(c.access.publicBaseUrl, pageKeys(itemId, page).thumbnail);
  const html = (reply: FastifyReply, body: string, code = 200) =>
    reply.code(code).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
  const filterOf = (q: string | undefined): ItemFilter => (q !== undefined && isFilter(q) ? q : 'all');

  // Every change of state needs a session: the dashboard's forms and Bull Board's API alike.
  server.addHook('onRequest', async (req, reply) => {
    const changes = req.method !== 'GET' && req.method !== 'HEAD' && req.url !== '/login';
    if (changes && !userOf(req)) {
      return reply
        .code(401)
        .type('text/plain; charset=utf-8')
        .send(
          auth.enabled
            ? 'Log in first (/login): changing anything needs a login.'
            : 'The console is read-only: no YADDAS_CONSOLE_USER / YADDAS_CONSOLE_PASSWORD are configured.',
        );
    }
  });

  const board = new FastifyAdapter();
  board.setBasePath('/queues');
  createBullBoard({
    queues: QUEUE_NAMES.map((n) => new BullMQAdapter(app.queues.bullQueue(n))),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'Yaddaş queues' } },
  });
  // Bull Board's adapter declares its plugin for fastify's older typings; it runs on this one
  // (dashboard.test.ts drives it), so the type is set aside here only.
  await server.register(board.registerPlugin() as never, { prefix: '/queues' });

  const summary = () => counts(app);
  const rowsHtml = async (filter: ItemFilter) => {
    const rows = await listItems(app, filter, 100);
    const progress = await app.status.progressOf(rows.filter((r) => r.stage).map((r) => r.ingestId));
    return itemRows(rows, progress, (id) => thumb(id));
  };

  server.get('/', async (_req, reply) => reply.redirect('/items'));
  server.get('/assets/dashboard.js', async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'max-age=300').send(DASHBOARD_JS),
  );
  server.get<{ Querystring: ItemsQuery }>('/items', { schema: { querystring: ITEMS_QUERY } }, async (req, reply) => {
    const filter = filterOf(req.query.filter);
    return html(
      reply,
      itemsPage(
        chrome(req, filter === 'rejected' ? 'Rejected items' : 'Items', filter === 'rejected' ? 'rejected' : 'items'),
        filter,
        await rowsHtml(filter),
        await summary(),
      ),
    );
  });
  server.get<{ Querystring: ItemsQuery }>('/api/items/rows', { schema: { querystring: ITEMS_QUERY } }, async (req, reply) =>
    html(reply, await rowsHtml(filterOf(req.query.filter))),
  );
  server.get<{ Querystring: ItemsQuery }>('/api/items', { schema: { querystring: ITEMS_QUERY } }, async (req) =>
    listItems(app, filterOf(req.query.filter), Math.min(1000, Number(req.query.limit ?? 100) || 100)),
  );
  server.get('/api/summary', async () => summary());
  server.get<ItemRoute & { Querystring: { notice?: string } }>('/items/:id', { schema: { params: ITEM_PARAMS } }, async (req, reply) => {
    const d = await showItem(app, req.params.id);
    if (!d)
      return html(
        reply,
        layout(
          chrome(req, 'Not found', 'items'),
          `<h1>No such item</h1><p>No item or ingest is called ${esc(req.params.id)}. <a href="/items">All items</a></p>`,
        ),
        404,
      );
    const notice = req.query.notice;
    return html(
      reply,
      itemPage(chrome(req, d.record.title ?? d.record.sourceName, 'items'), d, {
        thumb: (p) => thumb(d.record.itemId, p),
        ...(notice ? { notice } : {}),
      }),
    );
  });
  server.get<ItemRoute>('/api/items/:id', { schema: { params: ITEM_PARAMS } }, async (req, reply) => {
    const d = await showItem(app, req.params.id);
    return d ? d : reply.code(404).send({ error: 'no such item or ingest' });
  });
  server.post<ItemRoute>('/items/:id/retry', { schema: { params: ITEM_PARAMS } }, async (req, reply) => {
    const r = await retry(app, req.params.id);
    app.log.info({ user: userOf(req), id: req.params.id, result: r }, 'dashboard: retry');
    if (!r.ok)
      return reply.redirect(`/items/${encodeURIComponent(req.params.id)}?notice=${encodeURIComponent(`Not retried: ${r.reason}`)}`, 303);
    return reply.redirect(`/items/${encodeURIComponent(r.ingestId)}?notice=${encodeURIComponent(`Retrying: ${r.how}.`)}`, 303);
  });
  server.post<ItemRoute>('/items/:id/rerun', { schema: { params: ITEM_PARAMS } }, async (req, reply) => {
    const d = await showItem(app, req.params.id);
    if (d?.record.status !== 'preserved')
      return reply.redirect(
        `/items/${encodeURIComponent(req.params.id)}?notice=${encodeURIComponent('Only a preserved item can be re-run.')}`,
        303,
      );
    const ingestId = await republish(app, d.record.itemId, 'rerun');
    app.log.info({ user: userOf(req), itemId: d.record.itemId, ingestId }, 'dashboard: re-run after preservation');
    return reply.redirect(
      `/items/${encodeURIComponent(ingestId)}?notice=${encodeURIComponent('Derivatives, OCR and publication run again.')}`,
      303,
    );
  });
  server.get('/activity', async (req, reply) => html(reply, activityPage(chrome(req, 'Activity', 'activity'), await queueStates(app))));
  server.get('/preservation', async (req, reply) => {
    const [summary, damaged, incomplete, points] = await Promise.all([
      preservationSummary(app),
      app.keeping.damaged(50),
      app.keeping.incomplete(50),
      series.since(3600_000),
    ]);
    const detail = <T extends { id: string }>(rows: T[]) =>
      Promise.all(rows.map(async (r) => ({ ...r, ...(await itemCopies(app, r.id)) })));
    return html(
      reply,
      preservationPage(
        chrome(req, 'Preservation', 'preservation'),
        summary,
        await detail(damaged.items),
        await detail(incomplete.ids.map((id) => ({ id }))),
        auditThroughput(points),
      ),
    );
  });
  server.get('/api/preservation', async () => preservationSummary(app));
  server.get('/api/queues/rows', async (_req, reply) => {
    const page = activityPage({ title: '', user: null, loginEnabled: false, active: 'activity' }, await queueStates(app));
    return html(reply, /<tbody id="queues"[^>]*>([\s\S]*?)<\/tbody>/.exec(page)?.[1] ?? '');
  });
  server.get('/api/series', async () => {
    const hour = 3600_000;
    const from = Date.now() - 12 * hour;
    // An hour more than is drawn, so the first points drawn have the hour before them too.
    const all = await series.since(13 * hour);
    // Pages preserved in the hour up to each point, counted rather than extrapolated from the
    // last gap between points: a burst of 12 pages in one minute reads 12, not 720.
    const throughput: Array<{ t: number; perHour: number }> = [];
    let first = 0;
    for (const p of all) {
      while (all[first]!.t < p.t - hour) first++;
      if (p.t >= from) throughput.push({ t: p.t, perHour: Math.max(0, p.pages - all[first]!.pages) });
    }
    const points = all.filter((p) => p.t >= from).map((p) => ({ ...p, depth: p.waiting + p.active }));
    return { points, throughput, sampleSeconds: opts.sampleSeconds ?? 60 };
  });
  server.get('/api/live', (req, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    reply.raw.write('retry: 5000\n\n');
    const t = setInterval(() => reply.raw.write(`event: tick\ndata: ${Date.now()}\n\n`), (opts.tickSeconds ?? 3) * 1000);
    req.raw.on('close', () => clearInterval(t));
  });

  server.get('/login', async (req, reply) => html(reply, loginPage(chrome(req, 'Log in', 'login'))));
  server.post<{ Body: { user?: string; password?: string } | undefined }>(
    '/login',
    { schema: { body: LOGIN_BODY } },
    async (req, reply) => {
      const { user = '', password = '' } = req.body ?? {};
      if (!auth.check(user, password)) {
        app.log.warn({ user }, 'dashboard: failed login');
        return html(
          reply,
          loginPage(
            chrome(req, 'Log in', 'login'),
            auth.enabled ? 'Wrong user or password.' : 'No credentials are configured: nobody can log in.',
          ),
          401,
        );
      }
      app.log.info({ user }, 'dashboard: login');
      reply.setCookie(SESSION_COOKIE, auth.issue(user), { path: '/', httpOnly: true, sameSite: 'strict', maxAge: 12 * 3600 });
      return reply.redirect('/items', 303);
    },
  );
  server.post('/logout', async (_req, reply) => {
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/items', 303);
  });

  // A point for the charts now and then (queue depth, pages preserved so far).
  const sample = async () => {
    const qs = await queueStates(app);
    const total = async (name: string) => (await app.metrics.counters(name)).reduce((a, x) => a + x.value, 0);
    const pages = await total('pages_preserved_total');
    const sum = (k: string) => qs.reduce((a, q) => a + (q.counts[k] ?? 0), 0);
    await series.add({
      t: Date.now(),
      pages,
      audits: await total('audits_total'),
      auditBytes: await total('audit_bytes_total'),
      waiting: sum('waiting') + sum('prioritized') + sum('delayed'),
      active: sum('active'),
      failed: sum('failed'),
    });
  };
  const sampler = setInterval(
    () => sample().catch((err: Error) => app.log.warn({ err: { message: err.message } }, 'could not sample the charts')),
    (opts.sampleSeconds ?? 60) * 1000,
  );
  sample().catch(() => undefined);
  server.addHook('onClose', async () => clearInterval(sampler));
  const registry = createRegistry({
    queues: app.queues,
    status: app.status,
    metrics: app.metrics,
    stuckAfterMs: c.console.stuckMinutes * 60_000,
    preservation: () => preservationSummary(app),
  });

  server.get('/health', async () => ({ status: 'ok', pid: process.pid, uptimeSeconds: Math.round(process.uptime()) }));

  server.get('/ready', async (_req, reply) => {
    const checks = await app.checks();
    const ready = Object.values(checks).every((v) => v === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  server.get('/metrics', async (_req, reply) => {
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  });

  return server;
}

/** Starts the console and returns its address. */
export async function startConsole(app: App): Promise<{ server: FastifyInstance; url: string }> {
  const server = await buildConsole(app);
  const url = await server.listen({ host: app.config.console.host, port: app.config.console.port });
  return { server, url };
}
