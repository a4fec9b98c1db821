/**
 * `npm run bench:console`: the dashboard with a year's worth of work in Redis. Fills a private
 * prefix with BENCH_ITEMS (default 10,000) ingest records, a mix of preserved, published, failed,
 * rejected and in-flight ones, and BENCH_JOBS (default 100,000) BullMQ jobs spread over the
 * queues, then times every page and API of the console (fastify's inject, no network) and reports
 * median, 95th percentile and worst of BENCH_ROUNDS (default 20) requests each. Target: every page
 * under 300 ms. Removes its keys afterwards.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { buildConsole } from '../src/console/server.js';
import { QUEUE_NAMES } from '../src/pipeline/plan.js';
import { cleanRedis } from './lib/yaddas.js';
import { say, summaryTable, verdict, type Row } from './lib/report.js';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 10_000);
const JOBS = Number(process.env.BENCH_JOBS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function main(): Promise<number> {
  const prefix = `bench-console-${randomBytes(3).toString('hex')}`;
  const config = loadConfig({
    env: {
      ...process.env,
      REDIS_URL,
      YADDAS_REDIS_PREFIX: prefix,
      YADDAS_CONSOLE_USER: 'u',
      YADDAS_CONSOLE_PASSWORD: 'p',
      YADDAS_CONFIG_DIR: '/nonexistent',
    },
    cwd: process.cwd(),
  });
  const app = createApp(config, pino({ level: 'warn' }) as never);
  const redis = new Redis(REDIS_URL);
  try {
    say(`Yaddaş console benchmark: ${ITEMS} items, ${JOBS} jobs, ${ROUNDS} requests per page, Redis ${REDIS_URL} prefix ${prefix}`);
    let t = performance.now();
    const now = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < ITEMS; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, ITEMS - i) }, async (_, k) => {
          const n = i + k;
          const ingestId = `20261123T${String(n).padStart(6, '0')}Z-item-${n}`;
          ids.push(ingestId);
          const kind = n % 20;
          const takenAt = new Date(now - (ITEMS - n) * 60_000).toISOString();
          const base = { ingestId, itemId: `item-${n}`, sourceName: `Kitab ${n}`, title: `Kitab ${n}`, type: 'book', pages: 40, takenAt };
          if (kind === 0)
            await app.status.create({
              ...base,
              status: 'rejected',
              code: 'CORRUPT_FILE',
              reason: '3.tif: the image data is damaged',
              finishedAt: takenAt,
            });
          else {
            await app.status.create({ ...base, status: 'queued' });
            if (kind === 1)
              await app.status.finish(ingestId, base.itemId, {
                status: 'failed',
                code: 'STORAGE_UNAVAILABLE',
                reason: 'storing masters failed',
              });
            else if (kind === 2) await app.status.update(ingestId, { status: 'in-progress', stage: 'derive+ocr' });
            else {
              await app.status.finish(ingestId, base.itemId, { status: 'preserved', version: 'v1', objectRoot: 'x' });
              await app.status.update(ingestId, {
                stage: '',
                publication: kind === 3 ? 'failed' : 'published',
                ...(kind === 3 ? { publicationReason: 'derivatives failed' } : {}),
              });
            }
          }
        }),
      );
    }
    say(`${ITEMS} ingest records in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    const queues = QUEUE_NAMES.filter((q) => q !== 'ingest');
    for (let i = 0; i < JOBS; i += 1000) {
      const q = app.queues.bullQueue(queues[(i / 1000) % queues.length]!);
      await q.addBulk(
        Array.from({ length: Math.min(1000, JOBS - i) }, (_, k) => ({
          name: 'bench',
          data: { ingestId: ids[(i + k) % ids.length], page: k },
          opts: { jobId: `bench-${i + k}` },
        })),
      );
    }
    say(`${JOBS} jobs in ${((performance.now() - t) / 1000).toFixed(1)} s (waiting: no workers run here)`);

    const server = await buildConsole(app, { sampleSeconds: 3600 });
    const login = await server.inject({
      method: 'POST',
      url: '/login',
      payload: 'user=u&password=p',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const pages = [
      '/items',
      '/items?filter=in-flight',
      '/items?filter=failed',
      '/items?filter=stuck',
      '/items?filter=rejected',
      `/items/${ids[5]}`,
      '/activity',
      '/api/summary',
      '/api/items/rows?filter=all',
      '/api/series',
      '/metrics',
      '/queues',
      '/queues/api/queues?activeQueue=derive&status=latest&page=1',
      '/health',
    ];
    const rows: Row[] = [];
    for (const url of pages) {
      const ms: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const s = performance.now();
        const res = await server.inject({ method: 'GET', url, headers: { cookie } });
        ms.push(performance.now() - s);
        if (res.statusCode >= 400) throw new Error(`${url}: HTTP ${res.statusCode}`);
      }
      ms.sort((a, b) => a - b);
      const p = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!;
      rows.push({
        what: url,
        value: `median ${p(0.5).toFixed(0)} ms, p95 ${p(0.95).toFixed(0)} ms, worst ${ms.at(-1)!.toFixed(0)} ms`,
        target: '< 300 ms',
        verdict: verdict(p(0.95) < 300),
      });
    }
    await server.close();
    say('\n== summary');
    say(summaryTable(rows));
    return 0;
  } finally {
    await app.close();
    redis.disconnect();
    say(`removed ${await cleanRedis(prefix)} keys`);
  }
}

process.exit(
  await main().catch((err) => {
    say(`BROKEN: ${(err as Error).stack ?? err}`);
    return 1;
  }),
);
