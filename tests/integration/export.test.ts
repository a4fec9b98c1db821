/**
 * BagIt export: bags checked by a checker written from RFC 8493 (not by Yaddaş's code), their
 * payload compared with the inventory, written to a folder and to a bucket (fetched back with
 * awscli), of the head, of an earlier version and of every version (a valid OCFL object inside);
 * and a bag dropped into another Yaddaş comes in as the same item with the same digests.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateObject } from '../../src/storage/ocfl-validate.js';
import { checkBag } from '../helpers/bagit-check.js';
import { pageImage, sha512 } from '../helpers/fixtures.js';
import { type Harness, startHarness, takeItem, waitEnded, yaddas } from '../helpers/harness.js';
import { MemoryObjectStore } from '../helpers/memory-store.js';
import { validateXml } from '../helpers/xml-schemas.js';

const ROLES = ['ingest', 'inspect', 'prepare', 'store', 'commit', 'release'] as const;
let h: Harness;
let other: Harness;
let p1: Buffer;
let p2: Buffer;
let p2b: Buffer;
beforeAll(async () => {
  [h, other] = await Promise.all([
    startHarness({
      roles: ROLES,
      env: { YADDAS_ATTRIBUTION: 'Prezident Kitabxanası', YADDAS_OCFL_USER_ADDRESS: 'mailto:digital@example.az' },
    }),
    startHarness({ roles: ROLES }),
  ]);
  p1 = await pageImage({ seed: 21, width: 300, height: 400 });
  p2 = await pageImage({ seed: 22, width: 300, height: 400, format: 'png' });
  p2b = await pageImage({ seed: 23, width: 300, height: 400, format: 'png' });
  const md = JSON.stringify({ identifier: 'ixrac-1', title: { az: 'İxrac kitabı', ru: 'Книга экспорта' }, type: 'book' });
  for (const files of [
    { '1.tif': p1, '2 səhifə.png': p2, 'metadata.json': md },
    { '1.tif': p1, '2 səhifə.png': p2b, 'metadata.json': md },
  ]) {
    const t = await takeItem(h, 'ixrac', files);
    expect((await waitEnded(h, t.ingestId, 60_000, 'preservation')).status).toBe('preserved');
  }
});
afterAll(async () => {
  await Promise.all([h?.stop(), other?.stop()]);
});

async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile()) out.set(path.relative(dir, path.join(e.parentPath, e.name)), await fs.readFile(path.join(e.parentPath, e.name)));
  return out;
}

describe('yaddas export', () => {
  it('the head version to a folder: a valid, complete bag whose payload is the version, digests as the inventory', async () => {
    const out = path.join(h.dir, 'bags');
    const r = await yaddas(h, ['export', 'ixrac-1', '--bag', out]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ixrac-1: bag of v2 in .*ixrac-1-v2 — \d+ files/);
    const dir = path.join(out, 'ixrac-1-v2');
    const check = await checkBag(dir);
    expect(check.errors).toEqual([]);
    expect(check.valid && check.complete).toBe(true);
    expect(check.version).toBe('1.0');
    const info = Object.fromEntries(check.info);
    expect(info).toMatchObject({
      'Source-Organization': 'Prezident Kitabxanası',
      'Contact-Email': 'digital@example.az',
      'External-Identifier': 'ixrac-1',
      'External-Description': 'İxrac kitabı',
      'Bagging-Date': new Date().toISOString().slice(0, 10),
    });
    expect(info['Payload-Oxum']).toMatch(/^\d+\.5$/);
    expect(info['Bag-Size']).toMatch(/\d (bytes|KB|MB)$/);
    const inv = (await h.app.preservation.readInventory('ixrac-1'))!;
    const state = inv.versions.v2!.state;
    const want = Object.entries(state).flatMap(([d, ps]) => ps.map((p) => [`data/${p}`, d] as const));
    expect([...check.payload.keys()].sort()).toEqual(want.map(([p]) => p).sort());
    for (const [p, d] of want) expect(check.payload.get(p)?.sha512, p).toBe(d);
    expect(check.payload.get('data/masters/2 səhifə.png')?.sha512).toBe(sha512(p2b));
    // both payload manifests, both tag manifests; the METS inside validates
    const files = await fs.readdir(dir);
    expect(files.sort()).toEqual([
      'bag-info.txt',
      'bagit.txt',
      'data',
      'manifest-sha256.txt',
      'manifest-sha512.txt',
      'tagmanifest-sha256.txt',
      'tagmanifest-sha512.txt',
    ]);
    expect((await validateXml(path.join(dir, 'data', 'mets.xml'), 'mets')).errors).toBe('');
    // no partial folder left beside it, and a second export refuses to write over it
    expect((await fs.readdir(out)).filter((n) => n.startsWith('.'))).toEqual([]);
    const again = await yaddas(h, ['export', 'ixrac-1', '--bag', out]);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/NOT exported: .*already exists/);
  });

  it('an earlier version, and every version as the OCFL object itself (which validates)', async () => {
    const out = path.join(h.dir, 'bags2');
    const v1 = await yaddas(h, ['export', 'ixrac-1', '--bag', out, '--version', 'v1']);
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
    const c1 = await checkBag(path.join(out, 'ixrac-1-v1'));
    expect(c1.errors).toEqual([]);
    expect(c1.payload.get('data/masters/2 səhifə.png')?.sha512).toBe(sha512(p2));

    const all = await yaddas(h, ['export', 'ixrac-1', '--bag', out, '--all-versions']);
    expect(all.code, all.stdout + all.stderr).toBe(0);
    const dir = path.join(out, 'ixrac-1-all-versions');
    const c = await checkBag(dir);
    expect(c.errors).toEqual([]);
    expect([...c.payload.keys()]).toContain('data/v2/content/masters/2 səhifə.png');
    // The payload is the OCFL object: our validator reads it from a store holding just those files.
    const store = new MemoryObjectStore();
    for (const [p, b] of await readTree(path.join(dir, 'data'))) await store.put(`obj/${p}`, b);
    const report = await validateObject(store, 'obj', { checkDigests: true });
    expect(report.errors).toEqual([]);
    expect(report.inventory?.head).toBe('v2');

    // dropped into an inbox, a bag of every version is refused with what to do instead
    const taken = await other.app.intake.take(dir, 'ixrac-1-all-versions', { move: false, via: 'cli' });
    expect(taken.status).toBe('rejected');
    expect(taken.problems?.map((p) => p.code)).toEqual(['INVALID_BAG']);
    expect(taken.problems?.[0]?.message).toMatch(/whole OCFL object/);

    const bad = await yaddas(h, ['export', 'ixrac-1', '--bag', out, '--version', 'v9']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/ixrac-1 has no version v9/);
    const none = await yaddas(h, ['export', 'no-such-item', '--bag', out]);
    expect(none.stdout).toMatch(/NOT exported: there is no item no-such-item/);
  });

  it('to a bucket: fetched back with awscli, the same valid bag', async () => {
    const bucket = `${h.id}-bags`;
    await h.aws(['s3', 'mb', `s3://${bucket}`]);
    const r = await yaddas(h, ['export', 'ixrac-1', '--to', `s3://${bucket}/exports/2026`]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const local = path.join(h.dir, 'from-s3');
    await h.aws(['s3', 'cp', '--recursive', `s3://${bucket}/exports/2026/ixrac-1-v2/`, local]);
    const c = await checkBag(local);
    expect(c.errors).toEqual([]);
    expect(c.valid).toBe(true);
    await h.aws(['s3', 'rb', `s3://${bucket}`, '--force']);
  });

  it('a bag dropped into another Yaddaş comes in as the same item with the same digests', async () => {
    const out = path.join(h.dir, 'bags3');
    expect((await yaddas(h, ['export', 'ixrac-1', '--bag', out])).code).toBe(0);
    const taken = await other.app.intake.take(path.join(out, 'ixrac-1-v2'), 'ixrac-1-v2', { move: false, via: 'cli' });
    const rec = await waitEnded(other, taken.ingestId, 60_000, 'preservation');
    expect(rec.status, JSON.stringify(rec)).toBe('preserved');
    expect(rec.itemId).toBe('ixrac-1');
    const mine = (await h.app.preservation.readInventory('ixrac-1'))!;
    const theirs = (await other.app.preservation.readInventory('ixrac-1'))!;
    const masters = (inv: typeof mine) =>
      Object.entries(inv.versions[inv.head]!.state)
        .flatMap(([d, ps]) => ps.filter((p) => p.startsWith('masters/')).map((p) => `${p} ${d}`))
        .sort();
    expect(masters(theirs)).toEqual(masters(mine));
    const record = JSON.parse((await other.app.preservation.readLogical(theirs, 'item.json'))!.toString('utf8'));
    expect(record.fixity.kind).toBe('bag');
    expect(record.metadata.title).toEqual({ az: 'İxrac kitabı', ru: 'Книга экспорта' });
    // what came with the masters is kept as received: the source's record, METS and bag files
    expect(record.submission.map((s: { logicalPath: string }) => s.logicalPath)).toEqual(
      expect.arrayContaining(['submission/bag-info.txt', 'submission/data/item.json', 'submission/data/mets.xml']),
    );
  });
});
