/**
 * `npm run bench:fairness`: does a big item make the items after it wait? (issue 10, item 4)
 *
 * Each run starts the real supervisor (`dist/workers/all.js`, embedded S3 on a free port, a
 * private Redis key prefix, OCR on as a newcomer gets it), drops a multi-page TIFF of
 * BENCH_FAIR_PAGES (default 3,000) small pages into the inbox, waits until its derive and OCR jobs
 * are queued, then drops a 3-page book, and measures the book's time from its drop to published
 * (item.json, manifest and PDF written). It also reports how far the big item had got by then,
 * and, with BENCH_FAIR_WAIT_BIG=1, the big item's own time to published.
 *
 * `--root DIR` (repeatable) runs another checkout's build the same way, so the commit before a
 * change can be measured beside it in one run, one after the other:
 *   git worktree add /tmp/yaddas-before <commit> && ln -s "$PWD/node_modules" /tmp/yaddas-before/
 *   (cd /tmp/yaddas-before && npx tsc -p tsconfig.build.json)
 *   npm run bench:fairness -- --root /tmp/yaddas-before --root .
 * BENCH_FAIR_LIMIT_MIN (default 60) bounds the wait for the small book in each run.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { sleep } from './lib/proc.js';
import { say, table } from './lib/report.js';
import { cleanRedis, REDIS_URL, startYaddas, stopYaddas, waitUntilUp, type Yaddas } from './lib/yaddas.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const THIS_ROOT = path.resolve(HERE, HERE.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
const WORK = path.join(THIS_ROOT, 'bench/.work-fairness');
const PAGES = Number(process.env.BENCH_FAIR_PAGES ?? 3000);
const LIMIT_MS = Number(process.env.BENCH_FAIR_LIMIT_MIN ?? 60) * 60_000;
const WAIT_BIG = process.env.BENCH_FAIR_WAIT_BIG === '1';

/** A small page with a few dark bars, different for each seed (so no two pages are alike). */
function page(seed: number, width = 160, height = 220): Promise<Buffer> {
  const bars = Array.from({ length: 6 }, (_, i) => {
    const x = 10 + ((seed * 37 + i * 23) % (width - 70));
    return `<rect x="${x}" y="${20 + i * 30}" width="${30 + ((seed + i) % 30)}" height="10" fill="#222"/>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/>${bars}</svg>`;
  return sharp(Buffer.from(svg)).greyscale().png().toBuffer();
}

async function material(dir: string): Promise<{ big: string; small: string; bigBytes: number }> {
  const big = path.join(dir, 'xerite-atlas');
  const small = path.join(dir, 'kicik-kitab');
  await fs.mkdir(big, { recursive: true });
  await fs.mkdir(small, { recursive: true });
  const pages: Buffer[] = [];
  for (let i = 1; i <= PAGES; i++) pages.push(await page(i));
  const tiff = await sharp(pages, { join: { animated: true } })
    .tiff({ compression: 'lzw' })
    .toBuffer();
  await fs.writeFile(path.join(big, 'atlas.tif'), tiff);
  await fs.writeFile(path.join(big, 'metadata.json'), JSON.stringify({ identifier: 'fair-atlas', type: 'book', title: 'Böyük atlas' }));
  for (let i = 1; i <= 3; i++) await fs.writeFile(path.join(small, `${i}.png`), await page(100_000 + i, 600, 800));
  await fs.writeFile(path.join(small, 'metadata.json'), JSON.stringify({ identifier: 'fair-small', type: 'book', title: 'Kiçik kitab' }));
  return { big, small, bigBytes: tiff.length };
}

/** The ingest record of the item dropped under `sourceName`, once it has one. */
async function record(redis: Redis, prefix: string, sourceName: string): Promise<Record<string, string> | null> {
  for (const id of await redis.zrevrange(`${prefix}:yd:ingests`, 0, 20)) {
    const rec = await redis.hgetall(`${prefix}:yd:ingest:${id}`);
    if (rec.sourceName === sourceName) return rec;
  }
  return null;
}

const published = (r: Record<string, string> | null) => Boolean(r && r.status === 'preserved' && r.publication && !r.stage);

/** Copies an item beside the inbox and renames it in, so that it appears whole. */
async function drop(y: Yaddas, from: string): Promise<number> {
  const name = path.basename(from);
  const beside = path.join(path.dirname(y.inbox), `.${name}`);
  await fs.cp(from, beside, { recursive: true });
  const t = performance.now();
  await fs.rename(beside, path.join(y.inbox, name));
  return t;
}

interface Result {
  root: string;
  smallMs: number | null;
  bigAtSmall: string;
  bigMs: number | null;
}

async function once(root: string, n: number, items: { big: string; small: string }): Promise<Result> {
  const work = path.join(WORK, `run-${n}`);
  await fs.rm(work, { recursive: true, force: true });
  await fs.mkdir(work, { recursive: true });
  const y = await startYaddas(work, root, 1, { YADDAS_OCR: 'true' });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const progress = async (ingestId: string) => redis.hgetall(`${y.prefix}:yd:progress:${ingestId}`);
  try {
    await waitUntilUp(y);
    await fs.mkdir(y.inbox, { recursive: true });
    const bigAt = await drop(y, items.big);
    // The big item's page jobs are all queued before the small book arrives: the worst case.
    for (;;) {
      const r = await record(redis, y.prefix, path.basename(items.big));
      if (r?.stage?.startsWith('derive')) break;
      if (r && !['in-progress', 'queued', 'preserved'].includes(r.status!)) throw new Error(`the big item ended ${r.status}: ${r.reason}`);
      if (performance.now() - bigAt > LIMIT_MS) throw new Error('the big item never reached derive');
      await sleep(250);
    }
    say(`  ${root}: big item at derive after ${((performance.now() - bigAt) / 1000).toFixed(1)} s; dropping the 3-page book`);
    const smallAt = await drop(y, items.small);
    let smallMs: number | null = null;
    let bigAtSmall = '';
    for (;;) {
      const r = await record(redis, y.prefix, path.basename(items.small));
      if (r && r.status !== 'preserved' && r.status !== 'in-progress' && r.status !== 'queued')
        throw new Error(`the small book ended ${r.status}: ${r.reason}`);
      if (published(r)) {
        smallMs = performance.now() - smallAt;
        const b = await record(redis, y.prefix, path.basename(items.big));
        const p = b ? await progress(b.ingestId!) : {};
        bigAtSmall = `${b?.stage || b?.status}; derive ${p.derive ?? 0}/${PAGES}, ocr ${p.ocr ?? 0}/${PAGES}`;
        break;
      }
      if (performance.now() - smallAt > LIMIT_MS) {
        const b = await record(redis, y.prefix, path.basename(items.big));
        const p = b ? await progress(b.ingestId!) : {};
        bigAtSmall = `${b?.stage || b?.status}; derive ${p.derive ?? 0}/${PAGES}, ocr ${p.ocr ?? 0}/${PAGES}`;
        break;
      }
      await sleep(250);
    }
    say(
      `  ${root}: the 3-page book ${smallMs === null ? `not published after ${LIMIT_MS / 60_000} min` : `published ${(smallMs / 1000).toFixed(1)} s after it was dropped`} (big item then: ${bigAtSmall})`,
    );
    let bigMs: number | null = null;
    if (WAIT_BIG) {
      for (;;) {
        if (published(await record(redis, y.prefix, path.basename(items.big)))) {
          bigMs = performance.now() - bigAt;
          break;
        }
        if (performance.now() - bigAt > 3 * LIMIT_MS) break;
        await sleep(1000);
      }
    }
    return { root, smallMs, bigAtSmall, bigMs };
  } finally {
    redis.disconnect();
    await stopYaddas(y);
    await cleanRedis(y.prefix);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const roots: string[] = [];
  for (let i = 0; i < args.length; i++) if (args[i] === '--root') roots.push(path.resolve(args[++i]!));
  if (roots.length === 0) roots.push(THIS_ROOT);
  say(`Yaddaş fairness benchmark — ${os.cpus().length} CPUs, Node ${process.version}, ${new Date().toISOString()}`);
  await fs.rm(WORK, { recursive: true, force: true });
  const items = await material(path.join(WORK, 'material'));
  say(`  material: a ${PAGES}-page multi-page TIFF (${(items.bigBytes / 1e6).toFixed(1)} MB), then a 3-page book (600×800 PNG pages)`);
  const rows: string[][] = [];
  for (const [i, root] of roots.entries()) {
    const r = await once(root, i, items);
    rows.push([
      r.root,
      r.smallMs === null ? `> ${LIMIT_MS / 60_000} min` : `${(r.smallMs / 1000).toFixed(1)} s`,
      r.bigAtSmall,
      r.bigMs === null ? (WAIT_BIG ? 'not published' : '-') : `${(r.bigMs / 60_000).toFixed(1)} min`,
    ]);
  }
  say('');
  say(table(['build', '3-page book: drop → published', 'the big item by then', `big item (${PAGES} pages) → published`], rows));
  say('\nTarget: the small book published within a few minutes, not behind the whole big item.');
  await fs.rm(WORK, { recursive: true, force: true });
}

await main();
