/**
 * A worker killed at any moment loses nothing and duplicates nothing: the store worker runs as a
 * real process, is killed with SIGKILL in the middle of a large upload, and started again; the
 * end is exactly one complete, correct OCFL object.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startHarness, type Harness } from '../helpers/harness.js';
import { writeBigPdf } from '../helpers/big-pdf.js';
import { until } from '../helpers/fixtures.js';
import { validateObject } from '../../src/storage/ocfl-validate.js';

let h: Harness;
const children: ChildProcess[] = [];

function startStoreProcess(): ChildProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/workers/store.js')], {
    env: { ...process.env, ...h.env, YADDAS_LOG_LEVEL: 'info', YADDAS_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.resume();
  child.stderr!.resume();
  children.push(child);
  return child;
}

beforeAll(async () => {
  h = await startHarness({
    roles: ['ingest', 'inspect', 'prepare', 'commit', 'release'],
    env: { YADDAS_S3_PART_SIZE_MIB: '5', YADDAS_JOB_LOCK_SECONDS: '3' },
  });
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await h?.stop();
});

/** A large master that passes inspection quickly (a real PDF; inspection reads only its structure). */
async function bigPdf(file: string, mib: number): Promise<string> {
  return (await writeBigPdf(file, mib * 1024 * 1024)).sha512;
}

describe('crash safety', () => {
  it('a store worker killed mid-upload and restarted leaves exactly one complete, correct object', async () => {
    const src = path.join(h.dir, 'src');
    await fs.mkdir(path.join(src, 'atlas'), { recursive: true });
    const digest = await bigPdf(path.join(src, 'atlas', 'atlas.pdf'), 400);
    await fs.writeFile(path.join(src, 'atlas', 'metadata.json'), JSON.stringify({ identifier: 'atlas-1', type: 'map' }));

    let store = startStoreProcess();
    const taken = await h.app.intake.take(path.join(src, 'atlas'), 'atlas', { move: false, via: 'cli' });
    const storeQueue = h.app.queues.bullQueue('store');
    // Wait until the big file is part-way up, then kill the worker without warning.
    const jobId = `store-${taken.ingestId}-0001`;
    await until(
      async () => {
        const p = (await storeQueue.getJob(jobId))?.progress as { bytes?: number; total?: number } | undefined;
        return Boolean(p?.bytes && p.total && p.bytes > 0 && p.bytes < p.total);
      },
      60_000,
      'the upload to be under way',
    );
    const killedWhile = await h.app.status.get(taken.ingestId);
    store.kill('SIGKILL');
    await new Promise((r) => store.once('exit', r));
    expect(killedWhile?.status).toBe('in-progress');

    store = startStoreProcess();
    const rec = await h.waitFor(taken.ingestId, 180_000);
    expect(rec.status, rec.reason).toBe('preserved');
    expect(rec.version).toBe('v1');

    const root = h.app.preservation.rootOf('atlas-1');
    const keys: string[] = [];
    for await (const o of h.app.preservation.store.list(`${root}/`)) keys.push(o.key.slice(root.length + 1));
    expect(keys.sort()).toEqual([
      '0=ocfl_object_1.1',
      'inventory.json',
      'inventory.json.sha512',
      'v1/content/item.json',
      'v1/content/masters/atlas.pdf',
      'v1/content/metadata.json',
      'v1/content/mets.xml',
      'v1/inventory.json',
      'v1/inventory.json.sha512',
    ]);
    const report = await validateObject(h.app.preservation.store, root, { checkDigests: true });
    expect(report.errors).toEqual([]);
    const inv = report.inventory!;
    expect(Object.keys(inv.versions)).toEqual(['v1']);
    expect(inv.versions.v1!.state[digest]).toEqual(['masters/atlas.pdf']);
    // The job ran again rather than twice side by side: one completion, at least two attempts.
    const job = await storeQueue.getJob(jobId);
    expect(await job?.getState()).toBe('completed');
    expect(job!.attemptsStarted).toBeGreaterThanOrEqual(2);
    store.kill('SIGTERM');
    await new Promise((r) => store.once('exit', r));
  });

  it('SIGTERM drains: the running upload finishes and is recorded before the process exits', async () => {
    const src = path.join(h.dir, 'src2');
    await fs.mkdir(path.join(src, 'plan'), { recursive: true });
    await bigPdf(path.join(src, 'plan', 'plan.pdf'), 150);
    const store = startStoreProcess();
    const taken = await h.app.intake.take(path.join(src, 'plan'), 'plan', { move: false, via: 'cli' });
    const storeQueue = h.app.queues.bullQueue('store');
    await until(async () => (await storeQueue.getActiveCount()) > 0, 60_000, 'the upload to start');
    const exited = new Promise<number | null>((r) => store.once('exit', (code) => r(code)));
    store.kill('SIGTERM');
    expect(await exited).toBe(0);
    // The job finished in that process: it is completed, after one attempt, not left to stall.
    const job = await storeQueue.getJob(`store-${taken.ingestId}-0001`);
    expect(await job?.getState()).toBe('completed');
    expect(job!.attemptsStarted).toBe(1);
    startStoreProcess();
    const rec = await h.waitFor(taken.ingestId, 120_000);
    expect(rec.status, rec.reason).toBe('preserved');
  });
});
