/**
 * The console: one HTTP server (fastify) for operators and orchestrators.
 *   GET /health   the process is alive (no dependencies checked)
 *   GET /ready    Redis answers and both buckets are reachable: 200, else 503 with the reasons
 *   GET /metrics  Prometheus text format (metrics/prometheus.ts)
 *   /items, /items/:id, /activity, /login   the dashboard (pages.ts), live through /api/live
 *   /queues       Bull Board: jobs one by one, errors, retry, clean
 * Bound to 127.0.0.1 unless configured otherwise. With staff accounts (config/users.json, or
 * YADDAS_CONSOLE_USER/PASSWORD), nothing but /login, /health and /ready can be read without a
 * login, /metrics needs the monitoring token or a login, and each member of staff sees and may do
 * what their role in each institution allows. Without accounts, the console is read-only.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { QUEUE_NAMES } from '../pipeline/plan.js';
import { counts, listItems, queueStates, republish, resolve, retry, setPaused, showItem, type ItemFilter } from '../ops/operations.js';
import { timingSafeEqual } from 'node:crypto';
import { institutionOfItem } from '../config/institutions.js';
import { changeRights, type RightsChange, reinstateItem, withdrawItem } from '../ops/withdraw.js';
import { LOGIN_LIMITS } from '../adapters/redis/sessions.js';
import { Accounts, Permissions, type Role } from './accounts.js';
import { fromAcceptLanguage, isLanguage, type Language, translator } from '../domain/i18n/index.js';
import {
  DASHBOARD_JS,
  activityPage,
  queueRows,
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
import { auditThroughput, itemCopies, keepingLists, preservationSummary } from '../ops/keeping.js';

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
  properties: {
    user: { type: 'string', maxLength: 200 },
    password: { type: 'string', maxLength: 1000 },
    next: { type: 'string', maxLength: 500 },
  },
} as const;
const WITHDRAW_BODY = { type: ['object', 'null'], properties: { reason: { type: 'string', maxLength: 2000 } } } as const;

export const SESSION_COOKIE = 'yaddas_session';
/** Paths anyone may read: logging in, the page's script, and what monitoring asks. */
const OPEN = new Set(['/login', '/logout', '/language', '/assets/dashboard.js', '/health', '/ready', '/metrics']);
/** Only a local path after logging in (never another site). */
const safeNext = (n: string | undefined): string => {
  // Only a path of this console: never another site (//host, /\host, which browsers read as //host).
  if (!n?.startsWith('/') || /[\\\s]/.test(n) || [...n].some((ch) => ch.charCodeAt(0) < 0x20)) return '/items';
  try {
    const u = new URL(n, 'http://console.invalid');
    return u.origin === 'http://console.invalid' ? `${u.pathname}${u.search}` : '/items';
  } catch {
    return '/items';
  }
};
/** A path as the router sees it (decoded), for the checks that decide who may reach it. */
const decodedPath = (url: string): string => {
  const p = url.split('?')[0] ?? '';
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
};
const sameToken = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

declare module 'fastify' {
  interface FastifyRequest {
    /** the logged-in member of staff's permissions, or null */
    staff: Permissions | null;
    /** the language of the pages this request gets */
    lang: Language;
  }
}
/** The language someone without a login chose (a person's choice is kept with their account). */
const LANGUAGE_COOKIE = 'yaddas_lang';

export async function buildConsole(app: App, opts: ConsoleOptions = {}): Promise<FastifyInstance> {
  const c = app.config;
  // Behind a reverse proxy (YADDAS_CONSOLE_TRUST_PROXY), the client's address and protocol come
  // from its X-Forwarded-* headers: logins are limited per real address, cookies are Secure.
  const server = Fastify({ logger: false, trustProxy: c.console.trustProxy });
  await server.register(fastifyCookie);
  await server.register(fastifyFormbody);
  const institutions = c.institutions.map((i) => i.id);
  const loaded = await Accounts.load({
    ...(c.console.usersFile ? { file: c.console.usersFile } : {}),
    envUser: c.console.user,
    envPassword: c.console.password,
    institutions,
  });
  if (loaded.problems.length > 0)
    throw new Error(`The staff accounts cannot be read:\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}`);
  const accounts = loaded.accounts;
  if (accounts.enabled && !c.console.metricsToken)
    app.log.warn('/metrics answers logged-in staff only: give monitoring YADDAS_METRICS_TOKEN (Authorization: Bearer …)');
  if (!accounts.enabled && c.institutionsFile)
    app.log.warn(
      'several institutions and no staff accounts: whoever reaches the console sees every institution\'s items (README, "Staff accounts")',
    );
  const series = app.series;
  const userOf = (req: FastifyRequest) => req.staff?.staff.login ?? null;
  const chrome = (
    req: FastifyRequest,
    title: string | ((t: ReturnType<typeof translator>) => string),
    active: Chrome['active'],
  ): Chrome => {
    const t = translator(req.lang);
    return {
      title: typeof title === 'string' ? title : title(t),
      user: userOf(req),
      loginEnabled: accounts.enabled,
      active,
      lang: req.lang,
      t,
      here: req.url,
    };
  };
  /** The institution an ingest record's item belongs to. */
  const institutionOf = (r: { institution?: string; itemId: string }) =>
    // (a record's own, when it names one of today's institutions; else its id's namespace: records
    // made before an institutions file say "default")
    (r.institution && institutions.includes(r.institution) ? r.institution : undefined) ??
    institutionOfItem(c.institutions, r.itemId)?.id ??
    institutions[0]!;
  /** Whether this request may act with `role` in the item's institution (never without accounts). */
  const may = (req: FastifyRequest, role: Role, r: { institution?: string; itemId: string }) => !!req.staff?.can(role, institutionOf(r));
  /** Whether the request may see the item at all (anyone, without accounts). */
  const sees = (req: FastifyRequest, r: { institution?: string; itemId: string }) => !accounts.enabled || may(req, 'viewer', r);
  /** The institutions a list shows this request: undefined for all. */
  const scopeOf = (req: FastifyRequest) => (!accounts.enabled ? undefined : req.staff ? req.staff.scope : []);
  /** Kept in the staff log and the process log: who changed what, when, with what result (NDSA). */
  const record = async (req: FastifyRequest, action: string, target: string, institution: string | undefined, result: string) => {
    const entry = {
      at: new Date().toISOString(),
      user: userOf(req) ?? '',
      action,
      target,
      ...(institution ? { institution } : {}),
      result,
    };
    app.log.info(entry, `console: ${action} ${target} by ${entry.user}: ${result}`);
    await app.staffLog.add(entry).catch((err: Error) => app.log.warn({ err: { message: err.message } }, 'could not keep a staff action'));
  };
  // In its own institution's public location.
  const baseOf = (itemId: string) => institutionOfItem(c.institutions, itemId)?.storage.publicBaseUrl ?? c.access.publicBaseUrl;
  const thumb = (itemId: string, page = 1) => publicUrl(baseOf(itemId), pageKeys(itemId, page).thumbnail);
  const html = (reply: FastifyReply, body: string, code = 200) =>
    reply.code(code).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
  const filterOf = (q: string | undefined): ItemFilter => (q !== undefined && isFilter(q) ? q : 'all');

  // Who is asking: the session in Redis named by the cookie. Then what they may reach: with
  // accounts, nothing but the open paths without a login; the queues' board (every
  // institution's jobs, disk paths in their data) for administrators of every institution only;
  // without accounts, reading only.
  server.decorateRequest('staff', null);
  server.decorateRequest('lang', 'en');
  server.addHook('onRequest', async (req, reply) => {
    const session = accounts.enabled ? await app.sessions.get(req.cookies[SESSION_COOKIE]) : null;
    const member = session ? accounts.get(session.login) : undefined;
    req.staff = member ? new Permissions(member, institutions) : null;
    // The language: the person's own choice, else the one their account names, else this
    // browser's choice, else what the browser asks for, else the installation's first.
    const chosen = member ? await app.sessions.language(member.login) : null;
    const cookie = req.cookies[LANGUAGE_COOKIE];
    req.lang = isLanguage(chosen)
      ? chosen
      : member?.language
        ? member.language
        : isLanguage(cookie)
          ? cookie
          : fromAcceptLanguage(req.headers['accept-language'], c.languages[0] ?? 'en');
    // Decided on the path as the router matched it (percent-encoding cannot slip past).
    const route = req.routeOptions?.url ?? '';
    const pathOnly = decodedPath(req.url);
    const changes = req.method !== 'GET' && req.method !== 'HEAD';
    const t = translator(req.lang);
    const text = (code: number, body: string) => reply.code(code).type('text/plain; charset=utf-8').send(body);
    // A change asked for by another site's page (a login form, say) is refused.
    const origin = req.headers.origin;
    if (changes && origin && origin !== 'null') {
      let host = '';
      try {
        host = new URL(origin).host;
      } catch {
        /* not a URL: refused below */
      }
      if (host !== req.headers.host) return text(403, t('denied.origin'));
    }
    if (OPEN.has(route) || OPEN.has(pathOnly)) return;
    if (!accounts.enabled) return changes ? text(401, t('denied.readOnly')) : undefined;
    // (Bull Board's own scope, below, decides who among the logged-in may open it.)
    if (!req.staff) {
      if (!changes && !pathOnly.startsWith('/api/') && !pathOnly.startsWith('/queues/api'))
        return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
      return text(401, t('denied.logIn'));
    }
  });

  const board = new FastifyAdapter();
  board.setBasePath('/queues');
  createBullBoard({
    queues: QUEUE_NAMES.map((n) => new BullMQAdapter(app.queues.bullQueue(n))),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'Yaddaş queues' } },
  });
  // Bull Board in a scope of its own: whatever path reaches its routes, only an administrator of
  // every institution gets through (with accounts), and every change made there is kept with who.
  await server.register(async (scope) => {
    scope.addHook('onRequest', async (req, reply) => {
      if (accounts.enabled && !req.staff?.installationAdmin)
        return reply
          .code(req.staff ? 403 : 401)
          .type('text/plain; charset=utf-8')
          .send(translator(req.lang)(req.staff ? 'denied.queues' : 'denied.logIn'));
    });
    scope.addHook('onResponse', async (req, reply) => {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        await record(req, `queues: ${req.method}`, decodedPath(req.url), undefined, `HTTP ${reply.statusCode}`);
    });
    // Bull Board's adapter declares its plugin for fastify's older typings; it runs on this one
    // (dashboard.test.ts drives it), so the type is set aside here only.
    await scope.register(board.registerPlugin() as never, { prefix: '/queues' });
  });

  const summary = (req: FastifyRequest) => counts(app, scopeOf(req));
  const rowsHtml = async (req: FastifyRequest, filter: ItemFilter) => {
    const rows = await listItems(app, filter, 100, scopeOf(req));
    const progress = await app.status.progressOf(rows.filter((r) => r.stage).map((r) => r.ingestId));
    return itemRows(chrome(req, '', 'items'), rows, progress, (id) => thumb(id), c.institutionsFile ? (r) => institutionOf(r) : undefined);
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
        chrome(
          req,
          (t) => (filter === 'rejected' ? t('items.rejectedTitle') : t('items.title')),
          filter === 'rejected' ? 'rejected' : 'items',
        ),
        filter,
        await rowsHtml(req, filter),
        await summary(req),
      ),
    );
  });
  server.get<{ Querystring: ItemsQuery }>('/api/items/rows', { schema: { querystring: ITEMS_QUERY } }, async (req, reply) =>
    html(reply, await rowsHtml(req, filterOf(req.query.filter))),
  );
  server.get<{ Querystring: ItemsQuery }>('/api/items', { schema: { querystring: ITEMS_QUERY } }, async (req) =>
    listItems(app, filterOf(req.query.filter), Math.min(1000, Number(req.query.limit ?? 100) || 100), scopeOf(req)),
  );
  server.get('/api/summary', async (req) => summary(req));
  server.get<ItemRoute & { Querystring: { notice?: string } }>('/items/:id', { schema: { params: ITEM_PARAMS } }, async (req, reply) => {
    const found = await showItem(app, req.params.id).catch(() => null);
    // Another institution's item is not there for this person: the same answer as no item at all.
    const d = found && sees(req, found.record) ? found : null;
    if (!d)
      return html(
        reply,
        (() => {
          const ch = chrome(req, (t) => t('item.notFoundTitle'), 'items');
          return layout(
            ch,
            `<h1>${esc(ch.t('item.notFound'))}</h1><p>${esc(ch.t('item.notFoundText', { id: req.params.id }))} <a href="/items">${esc(ch.t('item.allItems'))}</a></p>`,
          );
        })(),
        404,
      );
    const notice = req.query.notice;
    return html(
      reply,
      itemPage(chrome(req, d.record.title ?? d.record.sourceName, 'items'), d, {
        thumb: (p) => thumb(d.record.itemId, p),
        ...(notice ? { notice } : {}),
        may: { operate: may(req, 'operator', d.record), curate: may(req, 'curator', d.record) },
        ...(c.institutionsFile ? { institution: institutionOf(d.record) } : {}),
      }),
    );
  });
  server.get<ItemRoute>('/api/items/:id', { schema: { params: ITEM_PARAMS } }, async (req, reply) => {
    const d = await showItem(app, req.params.id).catch(() => null);
    return d && sees(req, d.record) ? d : reply.code(404).send({ error: 'no such item or ingest' });
  });
  /**
   * The ingest record of the item an action names, when this request may act on it with `role`;
   * else the reply is sent. (Its record is all the decision needs: not the item's whole page.)
   */
  const target = async (req: FastifyRequest<ItemRoute>, reply: FastifyReply, role: Role) => {
    const found = await resolve(app, req.params.id);
    const d = found ? { record: found } : null;
    if (!d || !sees(req, d.record)) {
      await reply.code(404).type('text/plain; charset=utf-8').send(translator(req.lang)('denied.notFound'));
      return null;
    }
    if (!may(req, role, d.record)) {
      await record(req, `refused (needs ${role})`, d.record.itemId, institutionOf(d.record), `not permitted: ${req.method} ${req.url}`);
      await reply
        .code(403)
        .type('text/plain; charset=utf-8')
        .send(translator(req.lang)('denied.role', { institution: institutionOf(d.record), role }));
      return null;
    }
    return d;
  };
  const back = (reply: FastifyReply, id: string, notice: string) =>
    reply.redirect(`/items/${encodeURIComponent(id)}?notice=${encodeURIComponent(notice)}`, 303);
  server.post<ItemRoute>('/items/:id/retry', { schema: { params: ITEM_PARAMS } }, async (req, reply) => {
    const d = await target(req, reply, 'operator');
    if (!d) return reply;
    const r = await retry(app, req.params.id);
    await record(req, 'retry', d.record.itemId, institutionOf(d.record), r.ok ? `${r.how} (${r.ingestId})` : `not retried: ${r.reason}`);
    const t = translator(req.lang);
    return r.ok
      ? back(reply, r.ingestId, t('notice.retrying', { how: r.how }))
      : back(reply, req.params.id, t('notice.notRetried', { reason: r.reason }));
  });
  server.post<ItemRoute>('/items/:id/rerun', { schema: { params: ITEM_PARAMS } }, async (req, reply) => {
    const d = await target(req, reply, 'operator');
    if (!d) return reply;
    if (d.record.status !== 'preserved') return back(reply, req.params.id, translator(req.lang)('notice.onlyPreserved'));
    const ingestId = await republish(app, d.record.itemId, 'rerun');
    await record(req, 'rerun', d.record.itemId, institutionOf(d.record), `everything after preservation runs again (${ingestId})`);
    return back(reply, ingestId, translator(req.lang)('notice.rerun'));
  });
  server.post<ItemRoute & { Body: { reason?: string } | undefined }>(
    '/items/:id/withdraw',
    { schema: { params: ITEM_PARAMS, body: WITHDRAW_BODY } },
    async (req, reply) => {
      const d = await target(req, reply, 'curator');
      if (!d) return reply;
      const r = await withdrawItem(app, d.record.itemId, req.body?.reason ?? '', userOf(req)!);
      await record(
        req,
        'withdraw',
        d.record.itemId,
        institutionOf(d.record),
        r.ok ? `withdrawn (${r.version}): ${req.body?.reason}` : r.reason,
      );
      return back(
        reply,
        d.record.itemId,
        translator(req.lang)(r.ok ? 'notice.withdrawn' : 'notice.notWithdrawn', r.ok ? { version: r.version } : { reason: r.reason }),
      );
    },
  );
  server.post<ItemRoute & { Body: { access?: string; until?: string; rights?: string } | undefined }>(
    '/items/:id/rights',
    {
      schema: {
        params: ITEM_PARAMS,
        body: {
          type: ['object', 'null'],
          properties: {
            access: { enum: ['open', 'restricted', 'embargoed'] },
            until: { type: 'string', maxLength: 40 },
            rights: { type: 'string', maxLength: 500 },
          },
        },
      },
    },
    async (req, reply) => {
      const d = await target(req, reply, 'curator');
      if (!d) return reply;
      const b = req.body ?? {};
      const access = b.access as RightsChange['access'];
      const change: RightsChange = {
        ...(access ? { access } : {}),
        ...(access === 'embargoed' && b.until ? { embargoUntil: b.until } : {}),
        ...(b.rights !== undefined ? { rights: b.rights } : {}),
      };
      const r = await changeRights(app, d.record.itemId, change, userOf(req)!);
      await record(
        req,
        'rights',
        d.record.itemId,
        institutionOf(d.record),
        r.ok ? `changed (${r.version}): ${JSON.stringify(change)}` : r.reason,
      );
      const t = translator(req.lang);
      return back(
        reply,
        d.record.itemId,
        r.ok ? t('notice.rightsChanged', { version: r.version }) : t('notice.rightsNotChanged', { reason: r.reason }),
      );
    },
  );
  server.post<ItemRoute>('/items/:id/reinstate', { schema: { params: ITEM_PARAMS } }, async (req, reply) => {
    const d = await target(req, reply, 'curator');
    if (!d) return reply;
    const r = await reinstateItem(app, d.record.itemId, userOf(req)!);
    await record(req, 'reinstate', d.record.itemId, institutionOf(d.record), r.ok ? `reinstated (${r.version})` : r.reason);
    return back(
      reply,
      d.record.itemId,
      translator(req.lang)(r.ok ? 'notice.reinstated' : 'notice.notReinstated', r.ok ? { version: r.version } : { reason: r.reason }),
    );
  });
  // Pausing a queue holds every institution's work: operators of every institution only.
  const mayPause = (req: FastifyRequest) => !!req.staff && institutions.every((i) => req.staff!.can('operator', i));
  server.get('/activity', async (req, reply) =>
    html(
      reply,
      activityPage(
        chrome(req, (t) => t('activity.title'), 'activity'),
        await queueStates(app),
        mayPause(req),
      ),
    ),
  );
  server.post<{ Params: { queue: string; what: string } }>(
    '/activity/:queue/:what',
    {
      schema: { params: { type: 'object', properties: { queue: { type: 'string', maxLength: 40 }, what: { enum: ['pause', 'resume'] } } } },
    },
    async (req, reply) => {
      if (!mayPause(req)) {
        await record(
          req,
          'refused (needs operator of every institution)',
          req.params.queue,
          undefined,
          `not permitted: ${req.method} ${req.url}`,
        );
        return reply.code(403).type('text/plain; charset=utf-8').send(translator(req.lang)('denied.pause'));
      }
      try {
        await setPaused(app, req.params.queue, req.params.what === 'pause');
      } catch (err) {
        return reply
          .code(404)
          .type('text/plain; charset=utf-8')
          .send((err as Error).message);
      }
      await record(req, req.params.what, req.params.queue, undefined, req.params.what === 'pause' ? 'paused' : 'resumed');
      return reply.redirect('/activity', 303);
    },
  );
  server.post<{ Body: { lang?: string; next?: string } | undefined }>(
    '/language',
    {
      schema: {
        body: {
          type: ['object', 'null'],
          properties: { lang: { type: 'string', maxLength: 5 }, next: { type: 'string', maxLength: 500 } },
        },
      },
    },
    async (req, reply) => {
      const lang = req.body?.lang;
      if (!isLanguage(lang)) return reply.code(400).type('text/plain; charset=utf-8').send('az, ru or en');
      // Remembered for the person (every browser they use), and for this browser.
      if (req.staff) await app.sessions.setLanguage(req.staff.staff.login, lang);
      reply.setCookie(LANGUAGE_COOKIE, lang, { path: '/', sameSite: 'strict', maxAge: 365 * 24 * 3600, httpOnly: true });
      return reply.redirect(safeNext(req.body?.next), 303);
    },
  );
  server.get('/preservation', async (req, reply) => {
    // Of the institutions this person may see.
    const scope = scopeOf(req);
    const [summary, lists, points] = await Promise.all([
      preservationSummary(app, scope ? { institutions: scope } : {}),
      keepingLists(app, 50, scope),
      series.since(3600_000),
    ]);
    const detail = <T extends { id: string }>(rows: T[]) =>
      Promise.all(rows.map(async (r) => ({ ...r, ...(await itemCopies(app, r.id)) })));
    return html(
      reply,
      preservationPage(
        chrome(req, (t) => t('pres.title'), 'preservation'),
        summary,
        await detail(lists.damaged),
        await detail(lists.incomplete.map((id) => ({ id }))),
        auditThroughput(points),
      ),
    );
  });
  server.get('/api/preservation', async (req) => {
    const scope = scopeOf(req);
    return preservationSummary(app, scope ? { institutions: scope } : {});
  });
  server.get('/api/queues/rows', async (_req, reply) => {
    return html(reply, queueRows(chrome(_req, '', 'activity'), await queueStates(app), mayPause(_req)));
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

  server.get<{ Querystring: { next?: string } }>('/login', async (req, reply) =>
    html(
      reply,
      loginPage(
        chrome(req, (t) => t('login.title'), 'login'),
        undefined,
        safeNext(req.query.next),
      ),
    ),
  );
  server.post<{ Body: { user?: string; password?: string; next?: string } | undefined }>(
    '/login',
    { schema: { body: LOGIN_BODY } },
    async (req, reply) => {
      const { user = '', password = '', next } = req.body ?? {};
      const login = user.trim().toLowerCase();
      let wait = accounts.enabled ? await app.sessions.blockedFor(login, req.ip) : 0;
      // Counted before the password is checked: guesses sent all at once are held too.
      if (!wait && accounts.enabled && (await app.sessions.tried(login)) > LOGIN_LIMITS.perLogin) wait = LOGIN_LIMITS.windowSeconds;
      if (wait > 0) {
        app.log.warn({ user: login, address: req.ip }, 'console: login refused, too many failures');
        const ch = chrome(req, (t) => t('login.title'), 'login');
        const text = ch.t('login.tooMany', {
          perLogin: LOGIN_LIMITS.perLogin,
          perAddress: LOGIN_LIMITS.perAddress,
          minutes: LOGIN_LIMITS.windowSeconds / 60,
          wait: Math.ceil(wait / 60),
        });
        return html(reply, loginPage(ch, text, next), 429);
      }
      const member = accounts.enabled ? await accounts.check(login, password) : null;
      if (!member) {
        if (accounts.enabled) await app.sessions.failed(req.ip);
        app.log.warn({ user: login, address: req.ip }, 'console: failed login');
        const ch = chrome(req, (t) => t('login.title'), 'login');
        return html(reply, loginPage(ch, ch.t(accounts.enabled ? 'login.wrong' : 'login.nobody'), next), 401);
      }
      await app.sessions.succeeded(login);
      const session = await app.sessions.create(login, c.console.sessionHours);
      app.log.info({ user: login, address: req.ip }, 'console: login');
      reply.setCookie(SESSION_COOKIE, session.id, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        maxAge: c.console.sessionHours * 3600,
        secure: req.protocol === 'https',
      });
      return reply.redirect(safeNext(next), 303);
    },
  );
  server.post('/logout', async (req, reply) => {
    await app.sessions.destroy(req.cookies[SESSION_COOKIE]);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect(accounts.enabled ? '/login' : '/items', 303);
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

  server.get('/metrics', async (req, reply) => {
    // Monitoring gets its own token; a member of staff their session. Without accounts, open.
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const token = c.console.metricsToken;
    if (accounts.enabled && !req.staff && !(token && bearer && sameToken(bearer, token)))
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .type('text/plain; charset=utf-8')
        .send(token ? 'Give the monitoring token: Authorization: Bearer …' : 'Log in, or set YADDAS_METRICS_TOKEN for monitoring.');
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
