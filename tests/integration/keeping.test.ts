/**
 * Copies and audits by themselves, through the queues (issue 11): every new version reaches every
 * replica, a replica that is down catches up when it is back without holding the ingest up; the
 * audit scheduler audits new objects soon after they are written; a damaged file in a replica is
 * repaired from a good copy by the audit that finds it; damage in every copy marks the item
 * damaged and sends item.damaged; the history is kept in every copy and survives a Redis that lost
 * its data. Real Redis, two independent S3 servers besides the primary's.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord, HistoryRecord } from '../../src/domain/audit-record.js';
import { buildConsole } from '../../src/console/server.js';
import { itemCopies } from '../../src/ops/keeping.js';
import { readHistory } from '../../src/storage/audit-log.js';
import { validateObject } from '../../src/storage/ocfl-validate.js';
import { pageImage, until } from '../helpers/fixtures.js';
import { type Harness, startHarness, takeItem, waitEnded, yaddas } from '../helpers/harness.js';
import { freePort } from '../helpers/ports.js';

let h: Harness;
let second: S3rver;
let later: S3rver | null = null;
let laterPort: number;
let dir: string;
const tag = randomBytes(3).toString('hex');

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(process.env.TMPDIR ?? '/tmp', 'yaddas-keeping-'));
  const port = await freePort();
  laterPort = await freePort();
  second = new S3rver({ address: '127.0.0.1', port, directory: path.join(dir, 's3-second'), silent: true });
  await second.run();
  const copiesFile = path.join(dir, 'copies.json');
  const s3rverKeys = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  await fs.writeFile(
    copiesFile,
    JSON.stringify({
      replicas: [
        { name: 'second', endpoint: `http://127.0.0.1:${port}`, bucket: `keep-${tag}`, ...s3rverKeys },
        // Down until a test starts it: the ingest must not wait for it.
        { name: 'later', endpoint: `http://127.0.0.1:${laterPort}`, bucket: `keep-${tag}`, prefix: 'copy/', ...s3rverKeys },
      ],
    }),
  );
  h = await startHarness({
    env: {
      YADDAS_COPIES_FILE: copiesFile,
      YADDAS_S3_CREATE_BUCKETS: 'true',
      YADDAS_AUDIT_SWEEP_MINUTES: '0.05',
      YADDAS_S3_CONNECT_TIMEOUT_SECONDS: '1',
    },
  });
  await h.app.replicas[0]!.ocfl.ensureBucket(true);
}, 60_000);
afterAll(async () => {
  await h?.stop();
  await second?.close();
  await later?.close();
});

const page = (seed: number) => pageImage({ seed, width: 200, height: 260 });
const meta = (id: string) => JSON.stringify({ identifier: id, type: 'book', title: id });
const replica = (name: string) => h.app.replicas.find((r) => r.name === name)!.ocfl;
const lastAudit = async (copy: string, id: string): Promise<AuditRecord | null> => (await h.app.keeping.lastAudits(copy, [id]))[0] ?? null;

describe('copies and audits by themselves', () => {
  it('a new version reaches every replica; one that is down catches up when it is back, and never holds the ingest up', async () => {
    const t = await takeItem(h, 'kitab-k', { '1.tif': await page(1), '2.tif': await page(2), 'metadata.json': meta('keep-a') });
    const rec = await waitEnded(h, t.ingestId);
    expect(rec.status).toBe('preserved');
    await until(
      async () => (await itemCopies(h.app, 'keep-a')).copies.find((c) => c.name === 'second')?.version === 'v1',
      30_000,
      'second copy',
    );
    let copies = await itemCopies(h.app, 'keep-a');
    expect(copies).toMatchObject({ complete: 2, required: 3 });
    expect(copies.copies.find((c) => c.name === 'later')!.version).toBeNull();
    const incomplete = JSON.parse((await yaddas(h, ['items', '--incomplete', '--json'])).stdout) as Array<{ id: string }>;
    expect(incomplete.map((i) => i.id)).toContain('keep-a');
    const shown = await yaddas(h, ['show', 'keep-a']);
    expect(shown.stdout).toMatch(/copies\s+2 of 3 complete/);

    // The replica comes back: the retried copy job completes it, every file read back there.
    later = new S3rver({ address: '127.0.0.1', port: laterPort, directory: path.join(dir, 's3-later'), silent: true });
    await later.run();
    await replica('later').ensureBucket(true);
    await until(async () => (await itemCopies(h.app, 'keep-a')).complete === 3, 60_000, 'the copy in "later"');
    copies = await itemCopies(h.app, 'keep-a');
    expect(copies.copies.map((c) => c.version)).toEqual(['v1', 'v1', 'v1']);
    expect((await h.app.keeping.incomplete(10)).ids).not.toContain('keep-a');
    // Each copy on its own is a valid OCFL object, byte for byte the primary's.
    const root = h.app.preservation.rootOf('keep-a');
    for (const name of ['second', 'later']) {
      expect((await validateObject(replica(name).store, root, { checkDigests: true })).errors).toEqual([]);
      for await (const o of h.app.preservation.store.list(`${root}/`))
        expect((await replica(name).store.getBuffer(o.key))?.equals((await h.app.preservation.store.getBuffer(o.key))!), o.key).toBe(true);
    }
  }, 120_000);

  it('the scheduler audits a new object soon after it is written, in every copy, and keeps the history in every copy', async () => {
    await until(
      async () => (await Promise.all(['primary', 'second', 'later'].map((c) => lastAudit(c, 'keep-a')))).every((a) => a?.status === 'ok'),
      60_000,
      'first audits',
    );
    const a = (await lastAudit('second', 'keep-a'))!;
    expect(a).toMatchObject({ kind: 'audit', by: 'schedule', version: 'v1', files: [] });
    expect(a.checkedFiles).toBeGreaterThanOrEqual(3);
    // The sweep writes the records to every copy's history.
    for (const c of [h.app.preservation, replica('second'), replica('later')]) {
      await until(
        async () => {
          const seen: HistoryRecord[] = [];
          for await (const r of readHistory(c.store)) seen.push(r);
          return ['primary', 'second', 'later'].every((name) =>
            seen.some((r) => r.kind === 'audit' && r.copy === name && r.id === 'keep-a'),
          );
        },
        30_000,
        `history in ${c.bucket}`,
      );
    }
  }, 120_000);

  it('a damaged file in a replica is repaired from a good copy by the audit that finds it', async () => {
    const root = h.app.preservation.rootOf('keep-a');
    const inv = (await h.app.preservation.readInventory('keep-a'))!;
    const key = `${root}/${Object.values(inv.manifest)
      .flat()
      .find((p) => p.endsWith('masters/2.tif'))!}`;
    const good = (await h.app.preservation.store.getBuffer(key))!;
    const bad = Buffer.from(good);
    bad[bad.length >> 1] = bad[bad.length >> 1]! ^ 0x04;
    await replica('second').store.put(key, bad);
    // Asked for now (queued for the audit workers, ahead of the schedule).
    expect((await yaddas(h, ['audit', 'keep-a', '--copy', 'second'])).stdout).toMatch(/queued 1 audit/);
    await until(async () => (await lastAudit('second', 'keep-a'))?.status === 'repaired', 60_000, 'the repair');
    expect((await lastAudit('second', 'keep-a'))!.files).toEqual(['masters/2.tif']);
    expect((await replica('second').store.getBuffer(key))!.equals(good)).toBe(true);
    // The report names what was found and where it was repaired from.
    await until(
      async () => (await yaddas(h, ['audit', 'report', '--format', 'json'])).stdout.includes('"outcome":"repaired"'),
      30_000,
      'report',
    );
    const lines = (await yaddas(h, ['audit', 'report', '--format', 'json'])).stdout.trim().split('\n');
    const repairs = lines.map((l) => JSON.parse(l) as HistoryRecord).filter((r) => r.kind === 'repair');
    expect(repairs).toContainEqual(expect.objectContaining({ id: 'keep-a', copy: 'second', outcome: 'repaired', from: 'primary' }));
    const csv = (await yaddas(h, ['audit', 'report', '--format', 'csv'])).stdout;
    expect(csv.split('\r\n')[0]).toBe('at,kind,id,copy,status,version,files,checked_files,from,reason,by');
    expect(csv).toMatch(/,repair,keep-a,second,repaired,/);
  }, 120_000);

  it("a replica's lost version inventory (its root inventory whole) is found and restored by copying it again", async () => {
    const root = h.app.preservation.rootOf('keep-a');
    const second = replica('second').store;
    const good = (await second.getBuffer(`${root}/v1/inventory.json`))!;
    await second.delete([`${root}/v1/inventory.json`]);
    const r = await yaddas(h, ['audit', 'keep-a', '--copy', 'second', '--wait', '--json']);
    expect(r.code).toBe(1);
    const [res] = JSON.parse(r.stdout) as Array<{ status: string; files: string[] }>;
    expect(res).toMatchObject({ status: 'damaged' });
    expect(res!.files).toContain('v1/inventory.json');
    // The audit asked for the copy again; the copy job finds the replica incomplete and restores it.
    await until(async () => (await second.getBuffer(`${root}/v1/inventory.json`))?.equals(good) === true, 60_000, 'the inventory back');
    const again = JSON.parse((await yaddas(h, ['audit', 'keep-a', '--copy', 'second', '--wait', '--json'])).stdout) as Array<{
      status: string;
    }>;
    expect(again[0]!.status).toBe('ok');
  }, 120_000);

  it('the same file damaged in every copy: marked damaged, item.damaged sent, never "repaired" with wrong bytes', async () => {
    const root = h.app.preservation.rootOf('keep-a');
    const inv = (await h.app.preservation.readInventory('keep-a'))!;
    const key = `${root}/${Object.values(inv.manifest)
      .flat()
      .find((p) => p.endsWith('masters/1.tif'))!}`;
    const written: Buffer[] = [];
    for (const [i, c] of [h.app.preservation, replica('second'), replica('later')].entries()) {
      const b = Buffer.from((await c.store.getBuffer(key))!);
      b[100 + i] = b[100 + i]! ^ 0x01;
      await c.store.put(key, b);
      written.push(b);
    }
    const r = await yaddas(h, ['audit', 'keep-a', '--wait', '--json']);
    expect(r.code).toBe(1);
    const results = JSON.parse(r.stdout) as Array<{ copy: string; status: string; files: string[]; noGoodCopy?: boolean }>;
    expect(results.map((x) => [x.copy, x.status, x.noGoodCopy])).toEqual([
      ['primary', 'damaged', true],
      ['second', 'damaged', true],
      ['later', 'damaged', true],
    ]);
    for (const x of results) expect(x.files).toEqual(['masters/1.tif']);
    for (const [i, c] of [h.app.preservation, replica('second'), replica('later')].entries())
      expect((await c.store.getBuffer(key))!.equals(written[i]!)).toBe(true);
    const damaged = JSON.parse((await yaddas(h, ['items', '--damaged', '--json'])).stdout) as Array<{ id: string }>;
    expect(damaged.map((d) => d.id)).toEqual(['keep-a']);
    const events = (await h.redis.xrange(`${h.id}:yd:events`, '-', '+')).map(
      ([, f]) => JSON.parse(f[f.indexOf('event') + 1]!) as { type: string; itemId: string; files?: string[] },
    );
    const dmg = events.filter((e) => e.type === 'item.damaged');
    expect(dmg).toHaveLength(1);
    expect(dmg[0]).toMatchObject({ itemId: 'keep-a', files: ['masters/1.tif'] });
    expect((await yaddas(h, ['status'])).stdout).toMatch(/damaged: 1/);
    // The console's Preservation page and the Prometheus gauges say the same.
    const server = await buildConsole(h.app);
    try {
      const page = await server.inject({ method: 'GET', url: '/preservation', headers: { 'accept-language': 'en' } });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Damaged items: 1');
      expect(page.body).toContain('Audit throughput:');
      expect(page.body).toMatch(/href="\/items\/keep-a"/);
      for (const copy of ['primary', 'second', 'later']) expect(page.body).toContain(`<th scope="row">${copy}</th>`);
      const metrics = (await server.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/^yaddas_items_damaged 1$/m);
      expect(metrics).toMatch(/^yaddas_copy_reachable\{copy="later"\} 1$/m);
      expect(metrics).toMatch(/^yaddas_copy_audited_within_policy_ratio\{copy="second"\} 1$/m);
      expect(metrics).toMatch(/^yaddas_repairs_total\{copy="second",outcome="repaired"\} 1$/m);
      expect(metrics).toMatch(/^yaddas_audit_bytes_total\{copy="primary"\} [1-9]\d*$/m);
    } finally {
      await server.close();
    }
  }, 120_000);

  it('a Redis that lost its data keeps the audit history, and objects do not all look overdue', async () => {
    const before = (await lastAudit('primary', 'keep-a'))!;
    // What Redis holds until the next sweep writes it would be lost with it: the history as written by then.
    await until(async () => (await h.app.keeping.pending('primary')).length === 0, 30_000, 'the history written');
    // Everything of this installation in Redis is gone (its job scheduler too).
    const r = new Redis(h.config.redis.url);
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${h.id}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
    r.disconnect();
    // The audit process puts its scheduler back; the first sweep rebuilds from the stored history.
    await until(() => h.app.keeping.rebuilt(), 60_000, 'the rebuild');
    const after = (await lastAudit('primary', 'keep-a'))!;
    expect(after.at >= before.at).toBe(true);
    const counts = await h.app.keeping.auditCounts('primary', Date.now() - 90 * 24 * 3600 * 1000);
    expect(counts).toMatchObject({ total: 1, fresh: 0, overdue: 0, within: 1 });
    // Still damaged, and its copies known, as before.
    expect((await h.app.keeping.damaged(10)).items.map((d) => d.id)).toEqual(['keep-a']);
    expect((await itemCopies(h.app, 'keep-a')).copies.map((c) => c.version)).toEqual(['v1', 'v1', 'v1']);
    const report = (await yaddas(h, ['audit', 'report', '--format', 'json'])).stdout;
    expect(report).toContain('"outcome":"repaired"');
  }, 120_000);
});
