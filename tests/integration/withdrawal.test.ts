/**
 * Withdrawal and reinstatement (issue 13, first part): the public access copies give way to a
 * tombstone (listed with awscli, an independent client), the collection drops the item, the
 * preservation object keeps everything and records the withdrawal in a new version whose METS
 * validates; a re-scan while withdrawn publishes nothing; reinstating publishes it again; the
 * events go out on the stream.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageImage } from '../helpers/fixtures.js';
import { type Harness, startHarness, takeItem, waitEnded, yaddas } from '../helpers/harness.js';
import { expectValidPresentation } from '../helpers/iiif-schema.js';
import { validateXml } from '../helpers/xml-schemas.js';

let h: Harness;
const ID = 'geri-1';
/** The App's clock: real time unless a test moves it (the embargo's). */
let clock: Date | undefined;
beforeAll(async () => {
  const collectionsFile = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'yaddas-wd-')), 'collections.json');
  await fs.writeFile(collectionsFile, JSON.stringify({ collections: [{ slug: '20-yanvar', label: { az: '20 Yanvar' } }] }));
  h = await startHarness({ env: { YADDAS_COLLECTIONS_FILE: collectionsFile }, now: () => clock ?? new Date() });
});
afterAll(async () => {
  await h?.stop();
});

const md = JSON.stringify({ identifier: ID, type: 'book', title: { az: 'Geri çağırılan kitab' }, collections: ['20-yanvar'] });
/** Every key under the item's prefix, as awscli lists the access bucket. */
async function publicKeys(): Promise<string[]> {
  const out = await h.aws(['s3', 'ls', '--recursive', `s3://${h.config.s3.accessBucket}/items/${ID}/`]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/).slice(3).join(' '))
    .sort();
}
const json = async (key: string) => JSON.parse((await h.app.access.getBuffer(key))!.toString('utf8'));
const events = async () =>
  (await h.redis.xrange(`${h.env.YADDAS_REDIS_PREFIX}:yd:events`, '-', '+')).map(
    ([, f]) =>
      JSON.parse(f[f.indexOf('event') + 1]!) as { type: string; itemId: string; reason?: string; version: string; [k: string]: unknown },
  );

describe('withdraw and reinstate', () => {
  it('withdraws: tombstone only in public, collection dropped, object kept with a new version; reinstates', async () => {
    const p1 = await pageImage({ seed: 31, width: 400, height: 500 });
    const p2 = await pageImage({ seed: 32, width: 400, height: 500 });
    const t = await takeItem(h, 'geri', { '1.tif': p1, '2.tif': p2, 'metadata.json': md });
    expect((await waitEnded(h, t.ingestId)).publication).toBe('published');
    expect((await publicKeys()).some((k) => k.includes('/iiif/'))).toBe(true);
    expect(JSON.stringify(await json('collections/20-yanvar/collection.json'))).toContain(`/items/${ID}/manifest.json`);

    const w = await yaddas(h, ['withdraw', ID, '--reason', 'Müəllif hüquqları ilə bağlı sorğu']);
    expect(w.code, w.stdout + w.stderr).toBe(0);
    expect(w.stdout).toMatch(/withdrawn from public access \(v2\)/);
    // In public: item.json and the manifest alone, saying when and why.
    expect(await publicKeys()).toEqual([`items/${ID}/item.json`, `items/${ID}/manifest.json`]);
    const item = await json(`items/${ID}/item.json`);
    expect(item).toMatchObject({ id: ID, status: 'withdrawn', withdrawal: { reason: 'Müəllif hüquqları ilə bağlı sorğu' }, pages: [] });
    const manifest = await json(`items/${ID}/manifest.json`);
    expect(manifest.items).toEqual([]);
    expect(manifest.summary.en[0]).toMatch(/^Withdrawn on \d{4}-\d{2}-\d{2}: Müəllif/);
    expectValidPresentation('manifest', manifest);
    expect(JSON.stringify(await json('collections/20-yanvar/collection.json'))).not.toContain(`/items/${ID}/`);
    // Kept: the masters in the object, a version recording the withdrawal, its METS valid.
    const inv = (await h.app.preservation.readInventory(ID))!;
    expect(inv.head).toBe('v2');
    expect(inv.versions.v2!.message).toMatch(/^Withdrawn by .*: Müəllif/);
    expect(Object.values(inv.versions.v2!.state).flat()).toEqual(expect.arrayContaining(['masters/1.tif', 'masters/2.tif']));
    const mets = (await h.app.preservation.readLogical(inv, 'mets.xml'))!.toString('utf8');
    expect((await validateXml(mets, 'mets')).errors).toBe('');
    expect(mets).toMatch(/<premis:eventType>withdrawal<\/premis:eventType>/);
    expect(mets).not.toContain('IIIF-IMAGE'); // no public copies to point at
    const evs = await events();
    expect(evs.map((e) => e.type)).toEqual(['item.published', 'item.withdrawn']);
    expect(evs[1]).toMatchObject({ itemId: ID, version: 'v2', reason: 'Müəllif hüquqları ilə bağlı sorğu' });
    // Withdrawing again records nothing new, but makes sure of the tombstone (a run that stopped
    // after writing the version finishes this way): a public copy left behind goes.
    await h.app.access.put(`items/${ID}/pages/0001/thumbnail.jpg`, Buffer.from('left behind'));
    const again = await yaddas(h, ['withdraw', ID, '--reason', 'x']);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/already withdrawn \(.*Müəllif.*\); its tombstone is in place/);
    expect(await publicKeys()).toEqual([`items/${ID}/item.json`, `items/${ID}/manifest.json`]);
    expect((await h.app.preservation.readInventory(ID))!.head).toBe('v2');
    expect((await events()).filter((e) => e.type === 'item.withdrawn')).toHaveLength(1);
    const one = await yaddas(h, ['rederive', ID]);
    expect(one.code).toBe(1);
    expect(one.stdout).toMatch(/^withheld +geri-1 +geri-1 is not to be public: withdrawn .*yaddas reinstate/m);
    const all = await yaddas(h, ['rederive', '--all']);
    expect(all.code, all.stdout + all.stderr).toBe(0); // passed over, not a failure
    expect(await publicKeys()).toEqual([`items/${ID}/item.json`, `items/${ID}/manifest.json`]);

    // A re-scan while withdrawn is preserved, stays withdrawn, and publishes nothing.
    const p3 = await pageImage({ seed: 33, width: 400, height: 500 });
    const t2 = await takeItem(h, 'geri-2', { '1.tif': p1, '2.tif': p3, 'metadata.json': md });
    const rec2 = await waitEnded(h, t2.ingestId);
    expect(rec2.status).toBe('preserved');
    expect(rec2.publication).toBe('skipped');
    expect(await publicKeys()).toEqual([`items/${ID}/item.json`, `items/${ID}/manifest.json`]);
    const head = await h.app.preservation.readHead<{ withdrawal?: { reason: string } }>(ID);
    expect(head?.record.withdrawal?.reason).toBe('Müəllif hüquqları ilə bağlı sorğu');

    // Reinstated: published again from the object, back in the collection, the event out.
    const r = await yaddas(h, ['reinstate', ID]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/reinstated \(v4\); 2 page\(s\) published again/);
    const keys = await publicKeys();
    expect(keys.some((k) => k.endsWith('/pages/0002/iiif/info.json'))).toBe(true);
    expect((await json(`items/${ID}/item.json`)).status).toBeUndefined();
    expect(JSON.stringify(await json('collections/20-yanvar/collection.json'))).toContain(`/items/${ID}/manifest.json`);
    expect((await events()).map((e) => e.type)).toEqual(['item.published', 'item.withdrawn', 'item.reinstated']);
    const v4 = (await h.app.preservation.readInventory(ID))!;
    expect((await validateXml((await h.app.preservation.readLogical(v4, 'mets.xml'))!.toString('utf8'), 'mets')).errors).toBe('');
  });

  it('a restricted item is preserved and nothing of it is ever public; opened by a later version, it is published', async () => {
    const rid = 'mexfi-1';
    const keysOf = async () =>
      // (awscli's ls exits 1 when nothing matches: that is the answer hoped for)
      (await h.aws(['s3', 'ls', '--recursive', `s3://${h.config.s3.accessBucket}/items/${rid}/`]).catch(() => ''))
        .split('\n')
        .filter(Boolean);
    const page = await pageImage({ seed: 41, width: 300, height: 400 });
    const restricted = JSON.stringify({ identifier: rid, type: 'book', title: 'Məxfi', access: 'restricted', collections: ['20-yanvar'] });
    const t = await takeItem(h, 'mexfi', { '1.tif': page, '2.tif': await pageImage({ seed: 42 }), 'metadata.json': restricted });
    const rec = await waitEnded(h, t.ingestId);
    expect(rec.status).toBe('preserved');
    expect(rec.publication).toBe('skipped');
    expect(await keysOf()).toEqual([]); // not a thumbnail, a tile, a text, a PDF or an item.json
    expect(JSON.stringify(await json('collections/20-yanvar/collection.json'))).not.toContain(`/items/${rid}/`);
    expect((await events()).filter((e) => e.itemId === rid)).toEqual([]);
    const inv = (await h.app.preservation.readInventory(rid))!;
    const mets = (await h.app.preservation.readLogical(inv, 'mets.xml'))!.toString('utf8');
    expect((await validateXml(mets, 'mets')).errors).toBe('');
    expect(mets).toContain('<mods:accessCondition type="restriction on access">restricted: staff only');
    expect(mets).not.toContain('IIIF-IMAGE');
    const all = await yaddas(h, ['rederive', rid]);
    expect(all.stdout).toMatch(/withheld +mexfi-1 +mexfi-1 is not to be public: restricted/);
    expect(await keysOf()).toEqual([]);

    // Opened: metadata.json says so in a new version, which is published as usual.
    const open = JSON.stringify({ identifier: rid, type: 'book', title: 'Məxfi', access: 'open', collections: ['20-yanvar'] });
    const t2 = await takeItem(h, 'mexfi-2', { '1.tif': page, '2.tif': await pageImage({ seed: 42 }), 'metadata.json': open });
    expect((await waitEnded(h, t2.ingestId)).publication).toBe('published');
    expect((await keysOf()).some((l) => l.endsWith('/pages/0001/iiif/info.json'))).toBe(true);
    expect(JSON.stringify(await json('collections/20-yanvar/collection.json'))).toContain(`/items/${rid}/manifest.json`);
  });

  it('a curator changes access and rights: restricted, embargoed, open again, each a version, the public side following', async () => {
    const rid = 'huquq-1';
    const keysOf = async () =>
      (await h.aws(['s3', 'ls', '--recursive', `s3://${h.config.s3.accessBucket}/items/${rid}/`]).catch(() => ''))
        .split('\n')
        .filter(Boolean);
    const t = await takeItem(h, 'huquq', {
      '1.tif': await pageImage({ seed: 95, width: 300, height: 400 }),
      'metadata.json': JSON.stringify({ identifier: rid, type: 'book', title: 'Hüquq' }),
    });
    expect((await waitEnded(h, t.ingestId)).publication).toBe('published');
    expect((await keysOf()).length).toBeGreaterThan(2);

    const restricted = await yaddas(h, ['rights', rid, '--access', 'restricted']);
    expect(restricted.code, restricted.stdout + restricted.stderr).toBe(0);
    expect(await keysOf()).toEqual([]);
    const v2 = (await h.app.preservation.readHead<{ metadata: { access?: string }; events: Array<{ type: string }> }>(rid))!;
    expect(v2.inventory.head).toBe('v2');
    expect(v2.record.metadata.access).toBe('restricted');
    expect(v2.record.events.map((e) => e.type)).toEqual(['metadata modification']);
    const mets = (await h.app.preservation.readLogical(v2.inventory, 'mets.xml'))!.toString('utf8');
    expect((await validateXml(mets, 'mets')).errors).toBe('');
    expect(mets).toContain('restricted: staff only');

    const bad = await yaddas(h, ['rights', rid, '--access', 'embargoed']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/"access": "embargoed" needs "embargoUntil"/);
    const embargoed = await yaddas(h, ['rights', rid, '--access', 'embargoed', '--until', '2099-01-01']);
    expect(embargoed.code, embargoed.stdout + embargoed.stderr).toBe(0);
    expect(await keysOf()).toEqual([]);
    expect(await h.redis.zscore(`${h.env.YADDAS_REDIS_PREFIX}:yd:embargoes`, rid)).toBe(String(Date.UTC(2099, 0, 1)));

    const CC_BY = 'http://creativecommons.org/licenses/by/4.0/';
    const open = await yaddas(h, ['rights', rid, '--access', 'open', '--rights', CC_BY]);
    expect(open.code, open.stdout + open.stderr).toBe(0);
    expect((await keysOf()).some((l) => l.endsWith('/pages/0001/iiif/info.json'))).toBe(true);
    const item = await json(`items/${rid}/item.json`);
    expect(item.metadata).toMatchObject({ rights: CC_BY });
    expect(item.metadata.access).toBeUndefined();
    expect((await json(`items/${rid}/manifest.json`)).rights).toBe(CC_BY);
    expect(await h.redis.zscore(`${h.env.YADDAS_REDIS_PREFIX}:yd:embargoes`, rid)).toBeNull();
    expect((await events()).filter((e) => e.itemId === rid).map((e) => e.type)).toEqual(['item.published', 'item.published']);
    const same = await yaddas(h, ['rights', rid, '--rights', CC_BY]);
    expect(same.code).toBe(1);
    expect(same.stdout).toMatch(/nothing to change/);

    // A curator's restriction outlives a re-scan whose metadata.json says nothing of access.
    expect((await yaddas(h, ['rights', rid, '--access', 'restricted'])).code).toBe(0);
    const again = await takeItem(h, 'huquq-2', {
      '1.tif': await pageImage({ seed: 96, width: 300, height: 400 }),
      'metadata.json': JSON.stringify({ identifier: rid, type: 'book', title: 'Hüquq, yeni skan', replaces: true }),
    });
    expect((await waitEnded(h, again.ingestId)).status).toBe('preserved');
    const rescanned = (await h.app.preservation.readHead<{ metadata: { access?: string; title?: string; rights?: string } }>(rid))!;
    expect(rescanned.record.metadata).toMatchObject({ access: 'restricted', title: 'Hüquq, yeni skan', rights: CC_BY });
    expect(await keysOf()).toEqual([]);

    // Withdrawn, then restricted by a curator, then reinstated: not public, and said so.
    expect((await yaddas(h, ['rights', rid, '--access', 'open'])).code).toBe(0);
    expect((await yaddas(h, ['withdraw', rid, '--reason', 'Yoxlama'])).code).toBe(0);
    expect((await yaddas(h, ['rights', rid, '--access', 'embargoed', '--until', '2099-06-01'])).code).toBe(0);
    const back = await yaddas(h, ['reinstate', rid, '--json']);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ ok: true, pages: 0 });
    expect(await keysOf()).toEqual([]); // the tombstone went; nothing is public until 2099-06-01
    expect(await h.redis.zscore(`${h.env.YADDAS_REDIS_PREFIX}:yd:embargoes`, rid)).toBe(String(Date.UTC(2099, 5, 1)));
    expect(
      (await events())
        .filter((e) => e.itemId === rid)
        .map((e) => e.type)
        .slice(-2),
    ).toEqual(['item.withdrawn', 'item.reinstated']);
  });

  it('an embargoed item is kept from the public until its date, then the scheduled lift publishes it and says item.published', async () => {
    const eid = 'embarqo-1';
    const keysOf = async () =>
      (await h.aws(['s3', 'ls', '--recursive', `s3://${h.config.s3.accessBucket}/items/${eid}/`]).catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((l) => l.trim().split(/\s+/).slice(3).join(' '));
    // (this item's entry: others of this file may be under embargo too)
    const embargoes = async () => {
      const at = await h.redis.zscore(`${h.env.YADDAS_REDIS_PREFIX}:yd:embargoes`, eid);
      return at === null ? [] : [eid, at];
    };
    const md = {
      identifier: eid,
      type: 'book',
      title: 'Qadağa',
      access: 'embargoed',
      embargoUntil: '2031-01-20',
      collections: ['20-yanvar'],
    };
    const t = await takeItem(h, 'embarqo', {
      '1.tif': await pageImage({ seed: 51, width: 300, height: 400 }),
      '2.tif': await pageImage({ seed: 52, width: 300, height: 400 }),
      'metadata.json': JSON.stringify(md),
    });
    const rec = await waitEnded(h, t.ingestId);
    expect(rec.status).toBe('preserved');
    expect(rec.publication).toBe('skipped');
    expect(await keysOf()).toEqual([]);
    expect((await h.app.access.getBuffer('collections/20-yanvar/collection.json'))?.toString() ?? '').not.toContain(`/items/${eid}/`);
    expect(await embargoes()).toEqual([eid, String(Date.UTC(2031, 0, 20))]);
    const inv = (await h.app.preservation.readInventory(eid))!;
    const mets = (await h.app.preservation.readLogical(inv, 'mets.xml'))!.toString('utf8');
    expect((await validateXml(mets, 'mets')).errors).toBe('');
    expect(mets).toContain('<mods:accessCondition type="restriction on access">embargoed until 2031-01-20');
    expect(mets).not.toContain('IIIF-IMAGE');
    const listed = await yaddas(h, ['embargoes', '--json']);
    expect(JSON.parse(listed.stdout)).toContainEqual({ itemId: eid, until: '2031-01-20T00:00:00.000Z' });

    // The lift, a second before the date: nothing is published.
    clock = new Date('2031-01-19T23:59:59Z');
    const { liftEmbargoes } = await import('../../src/ops/embargo.js');
    expect(await liftEmbargoes(h.app)).toMatchObject({ lifted: [], failed: [] });
    expect(await keysOf()).toEqual([]);
    // Redis lost its data: the next lift rebuilds the list from the objects first.
    await h.redis.del(`${h.env.YADDAS_REDIS_PREFIX}:yd:embargoes`, `${h.env.YADDAS_REDIS_PREFIX}:yd:embargoes-built`);
    expect(await liftEmbargoes(h.app)).toMatchObject({ lifted: [], rebuilt: expect.any(Number) });
    expect(await embargoes()).toEqual([eid, String(Date.UTC(2031, 0, 20))]);

    // The date passes: the scheduler's lift (a job on the audit queue, as the schedule adds it)
    // publishes the item from its object and says item.published, once.
    clock = new Date('2031-01-20T00:00:01Z');
    try {
      await h.app.queues.liftEmbargoesNow();
      const deadline = Date.now() + 60_000;
      while (!(await keysOf()).includes(`items/${eid}/manifest.json`) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      const keys = await keysOf();
      expect(keys).toEqual(
        expect.arrayContaining([`items/${eid}/item.json`, `items/${eid}/pages/0001/iiif/info.json`, `items/${eid}/mets.xml`]),
      );
      expect((await h.app.access.getBuffer('collections/20-yanvar/collection.json'))?.toString() ?? '').toContain(
        `/items/${eid}/manifest.json`,
      );
      // (the embargo leaves the set once the lift has announced it)
      for (let i = 0; i < 50 && (await embargoes()).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await embargoes()).toEqual([]);
      const published = (await events()).filter((e) => e.itemId === eid);
      expect(published.map((e) => e.type)).toEqual(['item.published']);
      expect(published[0]).toMatchObject({ preservation: { version: 'v1' }, access: { keys: { manifest: `items/${eid}/manifest.json` } } });
      // Lifting again sends nothing twice.
      await h.app.embargoes.set(eid, Date.UTC(2031, 0, 20));
      expect((await liftEmbargoes(h.app)).lifted).toHaveLength(1);
      expect((await events()).filter((e) => e.itemId === eid)).toHaveLength(1);
    } finally {
      clock = undefined;
    }
  });
});
