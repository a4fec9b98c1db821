/**
 * An audit worker killed mid-object (SIGKILL, issue 11): the audits resume in the next worker
 * without skipping an object or counting one twice. The audit process runs as it does in
 * production (dist/workers/audit.js), slowed by its bandwidth limit so that the kill lands while
 * objects are being read.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../src/app.js';
import { digestBuffer } from '../../src/checksum/digests.js';
import type { HistoryRecord } from '../../src/domain/audit-record.js';
import { readHistory } from '../../src/storage/audit-log.js';
import { nextInventory, OBJECT_NAMASTE, serializeInventory } from '../../src/storage/ocfl.core.js';
import { until } from '../helpers/fixtures.js';
import { type Harness, ROOT, startHarness } from '../helpers/harness.js';

let h: Harness;
let child: ChildProcess | null = null;
const N = 40;
const ids = Array.from({ length: N }, (_, i) => `kill-${String(i).padStart(3, '0')}`);

beforeAll(async () => {
  h = await startHarness({ roles: ROLES.filter((r) => r !== 'audit') });
  // Small objects written as a commit writes them, and put in the audit line as a commit does.
  for (const id of ids) {
    const body = randomBytes(2048);
    const root = h.app.preservation.rootOf(id);
    const next = nextInventory(null, {
      id,
      files: [{ logicalPath: 'masters/1.tif', digests: digestBuffer(body) }],
      created: new Date().toISOString(),
      message: 'test',
      user: { name: 'test' },
    });
    const { json, sidecar } = serializeInventory(next.inventory);
    const store = h.app.preservation.store;
    await store.put(`${root}/v1/content/masters/1.tif`, body);
    await store.put(`${root}/v1/inventory.json`, json);
    await store.put(`${root}/v1/inventory.json.sha512`, sidecar);
    await store.put(`${root}/${OBJECT_NAMASTE.name}`, Buffer.from(OBJECT_NAMASTE.body));
    await store.put(`${root}/inventory.json`, json);
    await store.put(`${root}/inventory.json.sha512`, sidecar);
    await h.app.keeping.versionWritten(id, 'v1', []);
  }
}, 120_000);
afterAll(async () => {
  child?.kill('SIGKILL');
  await h?.stop();
});

let log = '';

function startAuditProcess(): ChildProcess {
  const c = spawn(process.execPath, [path.join(ROOT, 'dist/workers/audit.js')], {
    env: {
      ...process.env,
      ...h.env,
      YADDAS_AUDIT_SWEEP_MINUTES: '0.05',
      // About 10 KB a second: each object takes a while to read, so the kill lands mid-object.
      YADDAS_AUDIT_MB_PER_SECOND: '0.01',
      YADDAS_CONCURRENCY_AUDIT: '2',
      YADDAS_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  c.stdout?.on('data', (b: Buffer) => (log += b.toString()));
  c.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  return c;
}

const audited = async () => (await h.app.keeping.lastAudits('primary', ids)).filter((a) => a !== null).length;

describe('an audit worker killed mid-object', () => {
  it('resumes in the next worker without skipping an object or counting one twice', async () => {
    child = startAuditProcess();
    await until(async () => (await audited()) >= 6, 90_000, 'some audits').catch((err: Error) => {
      throw new Error(`${err.message}; the audit process said:\n${log.slice(-3000)}`);
    });
    // Killed while it holds audits in hand (reading, throttled).
    expect((await h.app.queues.state('audit')).counts.active).toBeGreaterThan(0);
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    const before = await audited();
    expect(before).toBeLessThan(N);

    child = startAuditProcess();
    await until(async () => (await audited()) === N, 180_000, 'every object audited');
    // Let the sweeps write the history, then stop the worker.
    await until(async () => (await h.app.keeping.pending('primary')).length === 0, 90_000, 'the history written');
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    child = null;

    const perObject = new Map<string, number>();
    const records: HistoryRecord[] = [];
    for await (const r of readHistory(h.app.preservation.store)) records.push(r);
    for (const r of [...records, ...(await h.app.keeping.pending('primary'))])
      if (r.kind === 'audit' && r.copy === 'primary') perObject.set(r.id, (perObject.get(r.id) ?? 0) + 1);
    expect([...perObject.keys()].sort()).toEqual(ids);
    expect([...perObject.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    for (const a of await h.app.keeping.lastAudits('primary', ids)) expect(a?.status).toBe('ok');
  }, 300_000);
});
