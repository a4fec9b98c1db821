/**
 * Copies of the preservation bucket in replica stores (issue 11, its first part): `yaddas
 * replicate` brings every object to every replica, byte for byte, each file checked on both
 * sides; a replica on a second embedded S3 server (under a key prefix) and one on moto's server,
 * each on its own a valid OCFL storage root. A copy damaged or stopped part-way is taken up and
 * repaired by the next run; a replica that cannot be reached is reported, and the others go on.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import S3rver from 's3rver';
import { ROLES } from '../../src/app.js';
import { validateObject } from '../../src/storage/ocfl-validate.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { pageImage } from '../helpers/fixtures.js';
import { startHarness, takeItem, waitEnded, yaddas, type Harness } from '../helpers/harness.js';
import { startMoto } from '../helpers/moto.js';
import { freePort } from '../helpers/ports.js';

let h: Harness;
let second: S3rver;
let moto: Awaited<ReturnType<typeof startMoto>>;
const tag = randomBytes(3).toString('hex');

beforeAll(async () => {
  const dir = await fs.mkdtemp(path.join(process.env.TMPDIR ?? '/tmp', 'yaddas-copies-'));
  const port = await freePort();
  second = new S3rver({ address: '127.0.0.1', port, directory: path.join(dir, 's3'), silent: true });
  await second.run();
  moto = await startMoto();
  const copiesFile = path.join(dir, 'copies.json');
  await fs.writeFile(
    copiesFile,
    JSON.stringify({
      replicas: [
        {
          name: 'second',
          endpoint: `http://127.0.0.1:${port}`,
          bucket: `copy-${tag}`,
          prefix: 'ocfl/',
          accessKeyIdEnv: 'SECOND_KEY',
          secretAccessKeyEnv: 'SECOND_SECRET',
        },
        { name: 'moto', endpoint: moto.url, bucket: `copy-${tag}`, accessKeyId: 'testing', secretAccessKey: 'testing' },
        { name: 'away', endpoint: `http://127.0.0.1:${await freePort()}`, bucket: 'nowhere', accessKeyId: 'x', secretAccessKey: 'x' },
      ],
    }),
  );
  h = await startHarness({
    env: {
      YADDAS_COPIES_FILE: copiesFile,
      YADDAS_S3_CREATE_BUCKETS: 'true',
      SECOND_KEY: 'S3RVER',
      SECOND_SECRET: 'S3RVER',
      // Here audits report and repairs wait for `yaddas repair` (keeping.test.ts has the automatic ones).
      YADDAS_AUDIT_REPAIR: 'operator',
    },
    // The commands are what is tested here: no copy or audit workers beside them (keeping.test.ts has those).
    roles: ROLES.filter((r) => r !== 'replicate' && r !== 'audit'),
  });
}, 60_000);
afterAll(async () => {
  await h?.stop();
  moto?.stop();
  await second?.close();
});

const replica = (name: string) => h.app.replicas.find((r) => r.name === name)!.ocfl;

/** Every key under an object's root with its bytes. */
async function files(store: ObjectStore, root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for await (const o of store.list(`${root}/`)) out.set(o.key.slice(root.length + 1), (await store.getBuffer(o.key))!);
  return out;
}

async function expectSameAsPrimary(name: string, id: string): Promise<void> {
  const root = h.app.preservation.rootOf(id);
  const copy = replica(name).store;
  expect((await validateObject(copy, root, { checkDigests: true })).errors, `${name}: ${id}`).toEqual([]);
  const a = await files(h.app.preservation.store, root);
  const b = await files(copy, root);
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [k, v] of a) expect(b.get(k)?.equals(v), `${name}: ${k}`).toBe(true);
}

describe('copies in replica stores', () => {
  it('replicate brings every object to every reachable replica, byte for byte, valid there on its own', async () => {
    const page = (seed: number) => pageImage({ seed, width: 240, height: 320 });
    const meta = (id: string) => JSON.stringify({ identifier: id, type: 'book', title: id });
    const a = await takeItem(h, 'kitab-a', { '1.tif': await page(1), '2.tif': await page(2), 'metadata.json': meta('copy-a') });
    const b = await takeItem(h, 'kitab-b', { '1.tif': await page(3), 'metadata.json': meta('copy-b') });
    for (const t of [a, b]) expect((await waitEnded(h, t.ingestId)).status).toBe('preserved');
    // A re-scan: two versions to copy.
    const a2 = await takeItem(h, 'kitab-a', { '1.tif': await page(1), '2.tif': await page(4), 'metadata.json': meta('copy-a') });
    expect((await waitEnded(h, a2.ingestId)).version).toBe('v2');

    const r = await yaddas(h, ['replicate', '--all', '--json']);
    expect(r.code, r.stderr).toBe(1); // "away" cannot be reached
    const out = JSON.parse(r.stdout) as Array<{
      id: string;
      copy: string;
      ok: boolean;
      reason?: string;
      result?: { status: string; written: number };
    }>;
    for (const id of ['copy-a', 'copy-b']) {
      for (const copy of ['second', 'moto'])
        expect(out.find((o) => o.id === id && o.copy === copy)).toMatchObject({ ok: true, result: { status: 'copied' } });
      expect(out.find((o) => o.id === id && o.copy === 'away')).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/^unreachable: /),
      });
    }
    for (const copy of ['second', 'moto']) for (const id of ['copy-a', 'copy-b']) await expectSameAsPrimary(copy, id);
    // The prefix is honoured on the shared bucket: the copy's storage root sits under it.
    expect(await replica('second').store.getBuffer('0=ocfl_1.1')).not.toBeNull();

    // Run again: nothing to do.
    const again = JSON.parse((await yaddas(h, ['replicate', 'copy-a', 'copy-b', '--copy', 'moto', '--json'])).stdout) as typeof out;
    expect(again.map((o) => o.result?.status)).toEqual(['complete', 'complete']);
  });

  it('a copy stopped part-way or damaged is taken up by the next run: files checked, only the wrong ones written', async () => {
    const root = h.app.preservation.rootOf('copy-a');
    const copy = replica('second').store;
    const masters = [...(await files(copy, root)).keys()].filter((k) => k.includes('/content/masters/'));
    expect(masters.length).toBe(3);
    // As if a run had stopped before its commit point, with one file missing and one damaged.
    await copy.delete([`${root}/inventory.json`, `${root}/inventory.json.sha512`, `${root}/${masters[0]}`]);
    const bad = Buffer.from((await copy.getBuffer(`${root}/${masters[1]}`))!);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0x01;
    await copy.put(`${root}/${masters[1]}`, bad);

    const r = await yaddas(h, ['replicate', 'copy-a', '--copy', 'second', '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const [o] = JSON.parse(r.stdout) as Array<{ result: { status: string; written: number; checked: number } }>;
    expect(o!.result).toMatchObject({ status: 'copied', written: 2 });
    expect(o!.result.checked).toBeGreaterThanOrEqual(2);
    await expectSameAsPrimary('second', 'copy-a');
  });

  it("never overwrites a copy whose versions differ from the primary's", async () => {
    const root = h.app.preservation.rootOf('copy-b');
    const copy = replica('moto').store;
    const inv = JSON.parse((await copy.getBuffer(`${root}/inventory.json`))!.toString('utf8'));
    inv.versions.v1.message = 'something else';
    const json = Buffer.from(JSON.stringify(inv));
    const { createHash } = await import('node:crypto');
    await copy.put(`${root}/inventory.json`, json);
    await copy.put(`${root}/inventory.json.sha512`, Buffer.from(`${createHash('sha512').update(json).digest('hex')} inventory.json\n`));
    const r = await yaddas(h, ['replicate', 'copy-b', '--copy', 'moto', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)[0].reason).toMatch(/^OBJECT_CONFLICT: .*versions the primary does not have/);
    expect((await copy.getBuffer(`${root}/inventory.json`))!.equals(json)).toBe(true);
  });

  it('audits find every kind of damage in a copy and name it; a copy that cannot be reached is unreachable, not damaged', async () => {
    const root = h.app.preservation.rootOf('copy-a');
    const copy = replica('second').store;
    const snapshot = await files(copy, root);
    const restore = async () => {
      const now: string[] = [];
      for await (const o of copy.list(`${root}/`)) now.push(o.key);
      await copy.delete(now);
      for (const [k, v] of snapshot) await copy.put(`${root}/${k}`, v);
    };
    const contentOf = (logical: string) => [...snapshot.keys()].find((k) => k.endsWith(`/content/${logical}`))!;
    const cases: Array<[string, () => Promise<void>, string[]]> = [
      [
        'a flipped bit',
        async () => {
          const k = contentOf('masters/2.tif');
          const b = Buffer.from(snapshot.get(k)!);
          b[100] = b[100]! ^ 0x10;
          await copy.put(`${root}/${k}`, b);
        },
        ['masters/2.tif'],
      ],
      [
        'a truncated file',
        async () => copy.put(`${root}/${contentOf('masters/1.tif')}`, snapshot.get(contentOf('masters/1.tif'))!.subarray(0, 500)),
        ['masters/1.tif'],
      ],
      ['a deleted file', async () => copy.delete([`${root}/${contentOf('metadata.json')}`]), ['metadata.json']],
      ['an extra file', async () => copy.put(`${root}/v1/content/masters/3.tif`, Buffer.from('not ours')), ['v1/content/masters/3.tif']],
      [
        'a damaged inventory',
        async () =>
          copy.put(`${root}/inventory.json`, Buffer.from(snapshot.get('inventory.json')!.toString('utf8').replace('"head"', '"heed"'))),
        ['inventory.json'],
      ],
      [
        'a damaged sidecar',
        async () => copy.put(`${root}/inventory.json.sha512`, Buffer.from(`${'0'.repeat(128)} inventory.json\n`)),
        ['inventory.json.sha512'],
      ],
      [
        'a deleted version directory',
        async () => copy.delete([...snapshot.keys()].filter((k) => k.startsWith('v1/')).map((k) => `${root}/${k}`)),
        ['masters/1.tif', 'metadata.json'],
      ],
    ];
    for (const [what, damage, named] of cases) {
      await damage();
      const r = await yaddas(h, ['audit', 'copy-a', '--copy', 'second', '--wait', '--json']);
      expect(r.code, what).toBe(1);
      const [res] = JSON.parse(r.stdout) as Array<{ status: string; files: string[] }>;
      expect(res!.status, what).toBe('damaged');
      for (const f of named) expect(res!.files, `${what}: ${res!.files.join(', ')}`).toContain(f);
      await restore();
    }
    // Every copy at once: the primary and "second" are whole again, moto's copy-a too; "away" cannot be read.
    const all = await yaddas(h, ['audit', 'copy-a', '--wait', '--json']);
    const statuses = Object.fromEntries((JSON.parse(all.stdout) as Array<{ copy: string; status: string }>).map((x) => [x.copy, x.status]));
    expect(statuses).toEqual({ primary: 'ok', second: 'ok', moto: 'ok', away: 'unreachable' });
    expect(all.code).toBe(1);
  });

  it('repair restores damaged files from a good copy, and never "repairs" a file no copy holds good', async () => {
    const root = h.app.preservation.rootOf('copy-a');
    const second = replica('second').store;
    const keys = [...(await files(h.app.preservation.store, root)).keys()];
    const page2 = keys.find((k) => k.endsWith('/content/masters/2.tif'))!;
    const meta = keys.find((k) => k.endsWith('/content/metadata.json'))!;
    const flip = async (store: ObjectStore, key: string) => {
      const b = Buffer.from((await store.getBuffer(`${root}/${key}`))!);
      b[b.length - 1] = b[b.length - 1]! ^ 0x01;
      await store.put(`${root}/${key}`, b);
      return b;
    };
    await flip(second, page2);
    await second.delete([`${root}/${meta}`, `${root}/v1/inventory.json`]);
    await second.put(`${root}/inventory.json.sha512`, Buffer.from(`${'0'.repeat(128)} inventory.json\n`));

    const r = await yaddas(h, ['repair', 'copy-a', '--json']);
    const [res] = JSON.parse(r.stdout) as Array<{
      actions: Array<{ copy: string; path: string; outcome: string; from?: string }>;
      after: Array<{ copy: string; status: string }>;
    }>;
    const byOutcome = (o: string) =>
      res!.actions
        .filter((a) => a.outcome === o)
        .map((a) => `${a.copy}:${a.path}${a.from ? `:${a.from}` : ''}`)
        .sort();
    // Content from a good copy; inventories are left for replicate, which checks versions.
    expect(byOutcome('repaired')).toEqual([`second:${meta}:primary`, `second:${page2}:primary`].sort());
    expect(byOutcome('left')).toContain('second:inventory.json.sha512');
    expect(Object.fromEntries(res!.after.map((a) => [a.copy, a.status]))).toMatchObject({ primary: 'ok', second: 'damaged', moto: 'ok' });
    expect((await yaddas(h, ['replicate', 'copy-a', '--copy', 'second'])).code).toBe(0);
    const audited = JSON.parse((await yaddas(h, ['audit', 'copy-a', '--copy', 'second', '--wait', '--json'])).stdout) as Array<{
      status: string;
    }>;
    expect(audited[0]!.status).toBe('ok');
    await expectSameAsPrimary('second', 'copy-a');

    // The same file damaged in every copy that can be read: nothing written over any of them. The
    // copy "away" cannot be read, and might hold it good: no verdict of "no good copy" while it is
    // away (keeping.test.ts has every copy readable, and the verdict).
    const damaged = [await flip(h.app.preservation.store, page2), await flip(second, page2), await flip(replica('moto').store, page2)];
    const again = JSON.parse((await yaddas(h, ['repair', 'copy-a', '--json'])).stdout) as Array<{
      actions: Array<{ copy: string; path: string; outcome: string; reason?: string }>;
      after: Array<{ copy: string; status: string }>;
    }>;
    const onPage2 = again[0]!.actions.filter((a) => a.path === page2);
    expect(onPage2.map((a) => `${a.copy}:${a.outcome}`).sort()).toEqual(['moto:left', 'primary:left', 'second:left']);
    for (const a of onPage2) expect(a.reason).toMatch(/could not be read now/);
    expect(again[0]!.after.filter((a) => a.copy !== 'away').every((a) => a.status === 'damaged')).toBe(true);
    const stores = [h.app.preservation.store, second, replica('moto').store];
    for (const [i, s] of stores.entries()) expect((await s.getBuffer(`${root}/${page2}`))!.equals(damaged[i]!)).toBe(true);
  });
});
