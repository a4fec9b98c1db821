/**
 * Exhibitions as IIIF Collections: items join through metadata.json; items published at the
 * same moment never overwrite each other's membership; the order is stable; leaving works.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, yaddas, type Harness } from '../helpers/harness.js';
import { pageImage, writeItem } from '../helpers/fixtures.js';
import { expectValidPresentation } from '../helpers/iiif-schema.js';

let h: Harness;
let collectionsFile: string;
beforeAll(async () => {
  collectionsFile = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'yaddas-collections-')), 'collections.json');
  await fs.writeFile(
    collectionsFile,
    JSON.stringify({
      collections: [
        {
          slug: '20-yanvar',
          label: { az: '20 Yanvar – Qan yaddaşımız', en: 'January 20 – Our Blood Memory' },
          summary: { en: 'Photographs and periodicals of January 1990' },
        },
        {
          slug: '31-dekabr',
          label: { az: '31 Dekabr – Dünya Azərbaycanlılarının Həmrəyliyi Günü', en: 'December 31 – World Azerbaijanis Solidarity Day' },
        },
      ],
    }),
  );
  h = await startHarness({ env: { YADDAS_COLLECTIONS_FILE: collectionsFile, YADDAS_CONCURRENCY_DERIVE: '2' } });
});
afterAll(async () => {
  await h?.stop();
  await fs.rm(path.dirname(collectionsFile), { recursive: true, force: true });
});

async function ingest(name: string, metadata: object) {
  const src = path.join(h.dir, 'src', String(Math.random()).slice(2), name);
  await writeItem(src, {
    '1.png': await pageImage({ seed: name.length * 7, format: 'png', width: 300, height: 200 }),
    'metadata.json': JSON.stringify(metadata),
  });
  const t = await h.app.intake.take(src, name, { move: false, via: 'cli' });
  for (;;) {
    const rec = await h.waitFor(t.ingestId);
    if (rec.status !== 'preserved' || rec.publication) return rec;
    await sleep(100);
  }
}

const read = async (key: string) => JSON.parse((await h.app.access.getBuffer(key))!.toString('utf8'));

describe('collections', () => {
  it('lists every item published at the same time, in a stable order', async () => {
    const recs = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        ingest(`photo-${i}`, {
          identifier: `yanvar-foto-${i}`,
          type: 'photograph',
          title: `Foto ${i}`,
          collections: i < 3 ? ['20-yanvar', '31-dekabr'] : i === 5 ? ['20-yanvar', 'no-such-exhibition'] : ['20-yanvar'],
        }),
      ),
    );
    for (const r of recs) expect(r.publication, r.publicationReason).toBe('published');
    const yanvar = await read('collections/20-yanvar/collection.json');
    expect(yanvar).toMatchObject({
      '@context': 'http://iiif.io/api/presentation/3/context.json',
      type: 'Collection',
      label: { en: ['January 20 – Our Blood Memory'] },
      summary: { en: ['Photographs and periodicals of January 1990'] },
    });
    expect(yanvar.id).toBe(`${h.config.access.publicBaseUrl}/collections/20-yanvar/collection.json`);
    const ids = (yanvar.items as Array<{ id: string; type: string; label: unknown; thumbnail: unknown[] }>).map((m) => m.id);
    expect(ids.sort()).toEqual(
      Array.from({ length: 6 }, (_, i) => `${h.config.access.publicBaseUrl}/items/yanvar-foto-${i}/manifest.json`).sort(),
    );
    expect(yanvar.items[0].type).toBe('Manifest');
    expect(yanvar.items[0].thumbnail).toHaveLength(1);
    const dekabr = await read('collections/31-dekabr/collection.json');
    expect(dekabr.items).toHaveLength(3);
    const root = await read('collections/collection.json');
    for (const c of [yanvar, dekabr, root]) expectValidPresentation('collection', c);
    expect(root.items.map((c: { id: string }) => c.id)).toEqual([
      `${h.config.access.publicBaseUrl}/collections/20-yanvar/collection.json`,
      `${h.config.access.publicBaseUrl}/collections/31-dekabr/collection.json`,
    ]);

    // Rebuilding (here by rederive) keeps the order.
    const order = (yanvar.items as Array<{ id: string }>).map((m) => m.id);
    const r = await yaddas(h, ['rederive', 'yanvar-foto-4'], { YADDAS_COLLECTIONS_FILE: collectionsFile });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(((await read('collections/20-yanvar/collection.json')).items as Array<{ id: string }>).map((m) => m.id)).toEqual(order);
  });

  it('drops an item from a collection its new version no longer names', async () => {
    const rec = await ingest('photo-0 corrected', {
      identifier: 'yanvar-foto-0',
      type: 'photograph',
      title: 'Foto 0 (düzəliş)',
      collections: ['20-yanvar'],
      // A new image under a corrected title: without this it would be held as a probable mix-up.
      replaces: true,
    });
    expect(rec.version).toBe('v2');
    const dekabr = await read('collections/31-dekabr/collection.json');
    expect((dekabr.items as Array<{ id: string }>).map((m) => m.id)).not.toContain(
      `${h.config.access.publicBaseUrl}/items/yanvar-foto-0/manifest.json`,
    );
    const yanvar = await read('collections/20-yanvar/collection.json');
    const entry = (yanvar.items as Array<{ id: string; label: unknown }>).find((m) => m.id.endsWith('/yanvar-foto-0/manifest.json'));
    expect(entry?.label).toEqual({ none: ['Foto 0 (düzəliş)'] });
  });
});
