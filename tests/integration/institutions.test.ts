/**
 * Two institutions on one installation (issue 13, part 1): one Redis, one S3 service, one set of
 * workers, each institution with its own inboxes, rejected area, id namespace, storage roots and
 * public location. The same identifier dropped into both stays two items; what is public is listed
 * with awscli (an independent client); events, metrics and records name the institution; the CLI
 * reaches each item through its namespace.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageImage, until, writeItem } from '../helpers/fixtures.js';
import { type Harness, startHarness, yaddas } from '../helpers/harness.js';
import { expectValidPresentation } from '../helpers/iiif-schema.js';
import { validateXml } from '../helpers/xml-schemas.js';

let h: Harness;
let base: string;
const own = `yi${randomBytes(3).toString('hex')}`;
const IN_COPYRIGHT = 'http://rightsstatements.org/vocab/InC/1.0/';

beforeAll(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'yaddas-inst-'));
  const collections = JSON.stringify({ collections: [{ slug: '20-yanvar', label: { az: '20 Yanvar', en: 'January 20' } }] });
  await fs.writeFile(path.join(base, 'anl-collections.json'), collections);
  await fs.writeFile(path.join(base, 'pl-collections.json'), collections);
  await fs.writeFile(
    path.join(base, 'institutions.json'),
    JSON.stringify({
      institutions: [
        {
          id: 'anl',
          name: { az: 'Azərbaycan Milli Kitabxanası', ru: 'Национальная библиотека Азербайджана', en: 'National Library of Azerbaijan' },
          inbox: path.join(base, 'anl', 'inbox'),
          rejected: path.join(base, 'anl', 'rejected'),
          homepage: 'https://anl.az/',
          collectionsFile: path.join(base, 'anl-collections.json'),
          defaults: { rights: IN_COPYRIGHT },
        },
        {
          id: 'prezident',
          name: { az: 'Prezident Kitabxanası', en: 'Presidential Library' },
          namespace: 'pl',
          inbox: [path.join(base, 'pl', 'inbox'), path.join(base, 'pl', 'scanner-2')],
          rejected: path.join(base, 'pl', 'rejected'),
          collectionsFile: path.join(base, 'pl-collections.json'),
          // its own buckets, where the National Library shares the installation's under anl/
          storage: { preservationBucket: `${own}-pres`, accessBucket: `${own}-acc` },
        },
      ],
    }),
  );
  h = await startHarness({ watch: true, env: { YADDAS_INSTITUTIONS_FILE: path.join(base, 'institutions.json') } });
});
afterAll(async () => {
  await h?.stop();
  await fs.rm(base, { recursive: true, force: true });
});

const ls = async (url: string) =>
  // (awscli's ls exits 1 when nothing matches)
  (await h.aws(['s3', 'ls', '--recursive', url]).catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/).slice(3).join(' '));
const fetchJson = async (url: string) => {
  const r = await fetch(url);
  expect(r.status, url).toBe(200);
  return (await r.json()) as Record<string, unknown> & { items: unknown[] };
};
const events = async () =>
  (await h.redis.xrange(`${h.env.YADDAS_REDIS_PREFIX}:yd:events`, '-', '+')).map(
    ([, f]) => JSON.parse(f[f.indexOf('event') + 1]!) as { type: string; itemId: string; institution: string },
  );
/** Drops an item into an inbox as staff would (written beside it, then moved in whole). */
async function drop(inbox: string, name: string, files: Record<string, Buffer | string>) {
  const tmp = path.join(base, 'work', String(Math.random()).slice(2), name);
  await writeItem(tmp, files);
  await fs.rename(tmp, path.join(inbox, name));
}
async function published(itemId: string) {
  let rec = null as Awaited<ReturnType<typeof h.app.status.get>>;
  await until(
    async () => {
      const last = await h.app.status.lastIngestOf(itemId);
      rec = last ? await h.app.status.get(last) : null;
      return !!rec && (rec.status === 'rejected' || rec.status === 'failed' || (!!rec.publication && !rec.stage));
    },
    90_000,
    `${itemId} published`,
  );
  return rec!;
}

describe('two institutions on one installation', () => {
  it('the same identifier in both stays two items, each in its own storage, public location and collections', async () => {
    const md = (title: string) => JSON.stringify({ identifier: 'kitab-1', type: 'book', title: { az: title }, collections: ['20-yanvar'] });
    await drop(path.join(base, 'anl', 'inbox'), 'kitab-1', {
      '1.tif': await pageImage({ seed: 61, width: 300, height: 400 }),
      '2.tif': await pageImage({ seed: 62, width: 300, height: 400 }),
      'metadata.json': md('Milli Kitabxananın kitabı'),
    });
    // the Presidential Library's second scanning station's inbox
    await drop(path.join(base, 'pl', 'scanner-2'), 'kitab-1', {
      '1.tif': await pageImage({ seed: 71, width: 300, height: 400 }),
      'metadata.json': md('Prezident Kitabxanasının kitabı'),
    });
    const a = await published('anl:kitab-1');
    const p = await published('pl:kitab-1');
    expect([a.status, a.publication, a.institution]).toEqual(['preserved', 'published', 'anl']);
    expect([p.status, p.publication, p.institution]).toEqual(['preserved', 'published', 'prezident']);

    // Preservation: the National Library's storage root under anl/ in the shared bucket, the
    // Presidential Library's in its own bucket; each object's id in its namespace.
    const pres = h.config.s3.preservationBucket;
    const anlRoot = h.app.forItem('anl:kitab-1').preservation.rootOf('anl:kitab-1');
    expect(await ls(`s3://${pres}/anl/`)).toEqual(expect.arrayContaining(['anl/0=ocfl_1.1', `anl/${anlRoot}/inventory.json`]));
    expect((await ls(`s3://${pres}/`)).filter((k) => !k.startsWith('anl/'))).toEqual([]);
    const plRoot = h.app.forItem('pl:kitab-1').preservation.rootOf('pl:kitab-1');
    expect(await ls(`s3://${own}-pres/`)).toEqual(expect.arrayContaining(['0=ocfl_1.1', `${plRoot}/inventory.json`]));
    const anlInv = JSON.parse(await h.aws(['s3', 'cp', `s3://${pres}/anl/${anlRoot}/inventory.json`, '-']));
    expect(anlInv.id).toBe('anl:kitab-1');
    for (const id of ['anl:kitab-1', 'pl:kitab-1']) {
      const v = await yaddas(h, ['verify', id]);
      expect(v.code, v.stdout + v.stderr).toBe(0);
    }

    // Access: each in its own public location, under its id inside its namespace.
    const acc = h.config.s3.accessBucket;
    const anlPublic = await ls(`s3://${acc}/anl/items/kitab-1/`);
    expect(anlPublic).toEqual(expect.arrayContaining(['anl/items/kitab-1/manifest.json', 'anl/items/kitab-1/pages/0002/iiif/info.json']));
    expect(await ls(`s3://${acc}/items/`)).toEqual([]);
    const plPublic = await ls(`s3://${own}-acc/items/kitab-1/`);
    expect(plPublic).toEqual(expect.arrayContaining(['items/kitab-1/manifest.json', 'items/kitab-1/pages/0001/iiif/info.json']));
    expect(plPublic.some((k) => k.includes('/pages/0002/'))).toBe(false);

    // What the public reads names the institution; the National Library's default rights applied.
    const anlBase = h.app.forInstitution('anl')!.config.access.publicBaseUrl;
    expect(anlBase).toBe(`${h.config.access.publicBaseUrl}/anl`);
    const anlItem = await fetchJson(`${anlBase}/items/kitab-1/item.json`);
    expect(anlItem).toMatchObject({ id: 'anl:kitab-1', institution: { id: 'anl' }, metadata: { rights: IN_COPYRIGHT } });
    const anlManifest = await fetchJson(`${anlBase}/items/kitab-1/manifest.json`);
    expectValidPresentation('manifest', anlManifest);
    expect(anlManifest.provider).toEqual([
      expect.objectContaining({
        id: 'https://anl.az/',
        type: 'Agent',
        label: expect.objectContaining({ az: ['Azərbaycan Milli Kitabxanası'] }),
      }),
    ]);
    expect(anlManifest.rights).toBe(IN_COPYRIGHT);
    expect(anlManifest.items).toHaveLength(2);
    const plBase = h.app.forInstitution('prezident')!.config.access.publicBaseUrl;
    const plManifest = await fetchJson(`${plBase}/items/kitab-1/manifest.json`);
    expect(plManifest.items).toHaveLength(1);
    expect(plManifest.rights).toBeUndefined(); // no default rights of its own
    const mets = (await h.aws(['s3', 'cp', `s3://${own}-acc/items/kitab-1/mets.xml`, '-'])).toString();
    expect((await validateXml(mets, 'mets')).errors).toBe('');

    // Collections of the same slug stay each institution's own.
    const anlCollection = JSON.stringify(await fetchJson(`${anlBase}/collections/20-yanvar/collection.json`));
    expect(anlCollection).toContain(`${anlBase}/items/kitab-1/manifest.json`);
    expect(anlCollection).not.toContain(plBase);
    const plCollection = JSON.stringify(await fetchJson(`${plBase}/collections/20-yanvar/collection.json`));
    expect(plCollection).toContain(`${plBase}/items/kitab-1/manifest.json`);
    expect(plCollection).not.toContain(anlBase);

    // Events and metrics name the institution.
    const published2 = (await events()).filter((e) => e.type === 'item.published');
    expect(published2.map((e) => `${e.institution} ${e.itemId}`).sort()).toEqual(['anl anl:kitab-1', 'prezident pl:kitab-1']);
    const items = await h.app.metrics.counters('items_total');
    expect(
      items
        .filter((c) => c.labels.status === 'preserved')
        .map((c) => [c.labels.institution, c.value])
        .sort(),
    ).toEqual([
      ['anl', 1],
      ['prezident', 1],
    ]);
  });

  it('the scheduled sweep audits every institution’s objects, each audit history in its own storage root', async () => {
    // Sweeps as the scheduler adds them (the first ran at start-up, before these objects existed):
    // one hands out the audits, a later one writes their records to each storage root's history.
    const history = async (url: string) => (await ls(url)).filter((k) => k.includes('extensions/yaddas-audit-log/'));
    await until(
      async () => {
        await h.app.queues.bullQueue('audit').add('sweep', { sweep: true }, { priority: 1, removeOnComplete: true });
        await new Promise((r) => setTimeout(r, 1000));
        return (
          (await history(`s3://${h.config.s3.preservationBucket}/anl/extensions/`)).length > 0 &&
          (await history(`s3://${own}-pres/extensions/`)).length > 0
        );
      },
      60_000,
      'both institutions audited, their histories written',
    );
    const anlHistory = await h.aws([
      's3',
      'cp',
      `s3://${h.config.s3.preservationBucket}/${(await history(`s3://${h.config.s3.preservationBucket}/anl/extensions/`))[0]}`,
      '-',
    ]);
    expect(anlHistory).toContain('"anl:kitab-1"');
    expect(anlHistory).not.toContain('"pl:kitab-1"');
  });

  it('a rejected item goes to its own institution’s rejected area', async () => {
    await drop(path.join(base, 'pl', 'inbox'), 'bos', { 'metadata.json': '{"identifier": "bos-1"}' });
    const rec = await published('pl:bos-1');
    expect(rec.status).toBe('rejected');
    expect(rec.location?.startsWith(path.join(base, 'pl', 'rejected'))).toBe(true);
    expect(await fs.readdir(path.join(base, 'anl', 'rejected')).catch(() => [])).toEqual([]);
  });

  it('the CLI reaches each item through its namespace, and acts on that institution’s copies alone', async () => {
    const w = await yaddas(h, ['withdraw', 'pl:kitab-1', '--reason', 'Sınaq']);
    expect(w.code, w.stdout + w.stderr).toBe(0);
    expect(await ls(`s3://${own}-acc/items/kitab-1/`)).toEqual(['items/kitab-1/item.json', 'items/kitab-1/manifest.json']);
    expect((await ls(`s3://${h.config.s3.accessBucket}/anl/items/kitab-1/`)).length).toBeGreaterThan(2);
    const withdrawn = (await events()).find((e) => e.type === 'item.withdrawn');
    expect(withdrawn).toMatchObject({ itemId: 'pl:kitab-1', institution: 'prezident' });
    const shown = await yaddas(h, ['show', 'anl:kitab-1', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).record).toMatchObject({ itemId: 'anl:kitab-1', institution: 'anl' });
    const unknown = await yaddas(h, ['rederive', 'xyz:kitab-1']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(/No institution here has the id namespace of "xyz:kitab-1"/);
    // Staff of one institution (--institution): its items only, by id and in lists.
    const other = await yaddas(h, ['--institution', 'anl', 'show', 'pl:kitab-1']);
    expect(other.code).toBe(1);
    expect(other.stderr + other.stdout).toMatch(/no item or ingest "pl:kitab-1"/);
    const act = await yaddas(h, ['--institution', 'anl', 'reinstate', 'pl:kitab-1']);
    expect(act.code).toBe(1);
    expect(act.stderr).toMatch(/pl:kitab-1 is not an item of anl/);
    const listed = await yaddas(h, ['--institution', 'anl', 'items', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as Array<{ itemId: string }>).map((r) => r.itemId)).toEqual(['anl:kitab-1']);
    const all = await yaddas(h, ['items', '--json']);
    expect((JSON.parse(all.stdout) as Array<{ itemId: string }>).map((r) => r.itemId).sort()).toEqual([
      'anl:kitab-1',
      'pl:bos-1',
      'pl:kitab-1',
    ]);
    // Taking an item by hand: whose it is must be said.
    const src = path.join(base, 'by-hand', 'el-yazmasi');
    await writeItem(src, { '1.tif': await pageImage({ seed: 91, width: 200, height: 300 }), 'metadata.json': '{"identifier": "el-1"}' });
    const unsaid = await yaddas(h, ['ingest', src]);
    expect(unsaid.code).toBe(2);
    expect(unsaid.stderr).toMatch(/say whose items these are: yaddas --institution anl\|prezident ingest/);
    const said = await yaddas(h, ['--institution', 'prezident', 'ingest', src, '--json']);
    expect(said.code, said.stderr).toBe(0);
    expect(JSON.parse(said.stdout)[0]).toMatchObject({ id: 'pl:el-1' });
    const bags = path.join(base, 'bags');
    await fs.mkdir(bags);
    const e = await yaddas(h, ['export', 'anl:kitab-1', '--bag', bags]);
    expect(e.code, e.stdout + e.stderr).toBe(0);
    expect(await fs.readdir(bags)).toEqual(['anl_kitab-1-v1']);
  });
});
