/**
 * `npm run bench:startup`: how long `npm start` takes until every stage can take work, on its
 * embedded defaults (OCR on, as a newcomer gets it). Each run starts the real supervisor
 * (`dist/workers/all.js`, the embedded S3 server on a free port, a private Redis key prefix) and
 * measures from the spawn:
 *   - every queue has its worker registered in Redis (BullMQ's worker connections, read with
 *     CLIENT LIST: the objective "ready", whatever Yaddaş says);
 *   - the supervisor's line "all stages running" (which waits for every process to say ready);
 *   - the OCR process's language data and engines ready (it starts them with its worker);
 * and the CPU seconds all of Yaddaş's processes spent until then. Then it stops Yaddaş (SIGTERM,
 * it drains) and starts it again, `BENCH_STARTUP_RUNS` times (default 3); the median is reported.
 *
 * `--root DIR` (or BENCH_STARTUP_ROOT) measures another checkout's build the same way, so an older
 * commit can be measured beside this one in the same run: `--root /tmp/old -- --root .`.
 *
 * Each build is measured in both process modes (issue 14): every stage in `one` process
 * (YADDAS_PROCESSES=one) and one process per stage (`per-stage`), alternating, and with the time
 * to ready, the resident memory of all of Yaddaş's processes together once it has been idle for
 * BENCH_STARTUP_IDLE_S seconds (default 20). BENCH_STARTUP_MODES=one,per-stage picks them.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { QUEUE_NAMES } from '../src/pipeline/plan.js';
import { childPids, cpuSeconds, rss, sleep, workerRole } from './lib/proc.js';
import { say, table } from './lib/report.js';
import { cleanRedis, REDIS_URL, startYaddas, stopYaddas } from './lib/yaddas.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const THIS_ROOT = path.resolve(HERE, HERE.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
const WORK = path.join(THIS_ROOT, 'bench/.work-startup');
/** Every queue has a worker once Yaddaş is up (the same in an older build); `replicate` only with replicas, which the bench has none of. */
const QUEUES: readonly string[] = QUEUE_NAMES.filter((q) => q !== 'replicate');

/** Queues with a worker connection of this prefix (BullMQ names them `<prefix>:<base64 queue>…`). */
async function queuesWithWorkers(redis: Redis, prefix: string): Promise<Set<string>> {
  const names = [...String(await redis.client('LIST')).matchAll(/ name=(\S+)/g)].map((m) => m[1]!);
  return new Set(QUEUES.filter((q) => names.some((n) => n.startsWith(`${prefix}:${Buffer.from(q).toString('base64')}`))));
}

interface Run {
  workersMs: number;
  saidMs: number | null;
  ocrMs: number | null;
  cpuS: number;
  /** CPU seconds of each process until then */
  byRole?: string;
  /** resident memory of every process of Yaddaş together, idle after starting (bytes), and how many processes */
  idleRss: number;
  processes: number;
  rssByRole?: string;
}

/** Every process under `pid`, itself included (the supervisor, the embedded S3 server, the stages). */
async function tree(pid: number): Promise<number[]> {
  const out = [pid];
  for (const c of await childPids(pid)) out.push(...(await tree(c)));
  return out;
}

async function once(root: string, n: number, mode: string): Promise<Run> {
  const work = path.join(WORK, `run-${n}`);
  await fs.rm(work, { recursive: true, force: true });
  await fs.mkdir(work, { recursive: true });
  const t0 = performance.now();
  const y = await startYaddas(work, root, 120, { YADDAS_OCR: 'true', YADDAS_LOG_LEVEL: 'info', YADDAS_PROCESSES: mode });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const r: Run = { workersMs: 0, saidMs: null, ocrMs: null, cpuS: 0, idleRss: 0, processes: 0 };
  try {
    for (;;) {
      const now = performance.now() - t0;
      if (!r.workersMs && (await queuesWithWorkers(redis, y.prefix)).size === QUEUES.length) r.workersMs = now;
      const log = await fs.readFile(y.logFile, 'utf8').catch(() => '');
      if (r.saidMs === null && log.includes('all stages running')) r.saidMs = now;
      if (r.ocrMs === null && log.includes('OCR language data ready')) r.ocrMs = now;
      // (An older build says "all stages running" at once, before its workers are ready.)
      if (r.workersMs && r.saidMs !== null && r.ocrMs !== null) break;
      if (now > 300_000) throw new Error(`Yaddaş did not come up in 300 s; see ${y.logFile}`);
      if (y.child.exitCode !== null) throw new Error(`Yaddaş exited while starting; see ${y.logFile}`);
      await sleep(50);
    }
    // CPU of the supervisor and every stage process so far.
    let cpu = (await cpuSeconds(y.pid)) ?? 0;
    const byRole: string[] = [`supervisor ${cpu.toFixed(1)}`];
    for (const pid of await childPids(y.pid)) {
      const c = (await cpuSeconds(pid)) ?? 0;
      cpu += c;
      byRole.push(`${(await workerRole(pid)) ?? pid} ${c.toFixed(1)}`);
    }
    r.cpuS = cpu;
    r.byRole = byRole.join(', ');
    // Idle: what the installation holds while nothing is dropped into it.
    await sleep(Number(process.env.BENCH_STARTUP_IDLE_S ?? 20) * 1000);
    const pids = await tree(y.pid);
    const each = await Promise.all(
      pids.map(async (pid) => ({ pid, rss: (await rss(pid)) ?? 0, role: (await workerRole(pid)) ?? 'supervisor' })),
    );
    r.idleRss = each.reduce((a, x) => a + x.rss, 0);
    r.processes = pids.length;
    r.rssByRole = each.map((x) => `${x.role} ${(x.rss / 1e6).toFixed(0)}`).join(', ');
  } finally {
    redis.disconnect();
    await stopYaddas(y);
    await cleanRedis(y.prefix);
  }
  return r;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number | null) => (ms === null ? '-' : (ms / 1000).toFixed(1));

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const roots: string[] = [];
  for (let i = 0; i < args.length; i++) if (args[i] === '--root') roots.push(path.resolve(args[++i]!));
  if (roots.length === 0) roots.push(process.env.BENCH_STARTUP_ROOT ? path.resolve(process.env.BENCH_STARTUP_ROOT) : THIS_ROOT);
  const runs = Number(process.env.BENCH_STARTUP_RUNS ?? 3);
  const modes = (process.env.BENCH_STARTUP_MODES ?? 'one,per-stage').split(',').filter(Boolean);
  say(`Yaddaş start-up benchmark — ${os.cpus().length} CPUs, Node ${process.version}, ${new Date().toISOString()}, ${runs} run(s) each`);
  const rows: string[][] = [];
  for (const root of roots) {
    const results = new Map<string, Run[]>(modes.map((m) => [m, []]));
    // The modes alternate, so that a machine that slows down part-way weighs on both alike.
    for (let i = 0; i < runs; i++)
      for (const mode of modes) {
        const r = await once(root, i, mode);
        results.get(mode)!.push(r);
        say(
          `  ${root} (${mode}): run ${i + 1}: workers ready ${s(r.workersMs)} s, "all stages running" ${s(r.saidMs)} s, OCR engines ${s(r.ocrMs)} s, CPU ${r.cpuS.toFixed(1)} s, idle memory ${(r.idleRss / 1e6).toFixed(0)} MB in ${r.processes} processes`,
        );
        if (process.env.BENCH_STARTUP_VERBOSE) say(`    CPU s by process: ${r.byRole}\n    MB by process: ${r.rssByRole}`);
      }
    for (const mode of modes) {
      const rs = results.get(mode)!;
      rows.push([
        `${root} (${mode})`,
        s(median(rs.map((r) => r.workersMs))),
        s(median(rs.map((r) => r.saidMs ?? 0))),
        s(median(rs.map((r) => r.ocrMs ?? 0))),
        median(rs.map((r) => r.cpuS)).toFixed(1),
        `${(median(rs.map((r) => r.idleRss)) / 1e6).toFixed(0)} (${rs[0]!.processes})`,
      ]);
    }
  }
  say('');
  say(
    table(
      [
        'build (processes)',
        'every worker ready (s)',
        '"all stages running" (s)',
        'OCR engines ready (s)',
        'CPU until then (s)',
        'idle memory, MB (processes)',
      ],
      rows,
    ),
  );
  await fs.rm(WORK, { recursive: true, force: true });
}

await main();
