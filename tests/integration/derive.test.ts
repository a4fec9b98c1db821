/**
 * Derivatives made from the preserved masters, as viewers will fetch them from the access
 * bucket: upright for every EXIF orientation, sRGB 8-bit whatever the input's profile, depth or
 * colour model, flattened alpha, and a IIIF level-0 image whose every promised tile and size
 * exists at its canonical path.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, yaddas, type Harness } from '../helpers/harness.js';
import { multiPageTiff, pageImage, readShared, tinyPdf, writeItem } from '../helpers/fixtures.js';
import type { IngestRecord } from '../../src/domain/ingest-record.js';
import { normalize } from '@iiif/parser';
import { STAGES } from '../../src/pipeline/plan.js';
import { stateFromRecord } from '../../src/pipeline/from-record.js';
import { expectValidPresentation } from '../helpers/iiif-schema.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { YADDAS_TILE_SIZE: '256', YADDAS_ACCESS_SIZE: '800', YADDAS_THUMBNAIL_SIZE: '120' } });
});
afterAll(async () => {
  await h?.stop();
});

async function ingestAndPublish(name: string, files: Record<string, Buffer | string>): Promise<IngestRecord> {
  const src = path.join(h.dir, 'src', String(Math.random()).slice(2), name);
  await writeItem(src, files);
  const t = await h.app.intake.take(src, name, { move: false, via: 'cli' });
  const deadline = Date.now() + 90_000;
  for (;;) {
    const rec = await h.waitFor(t.ingestId);
    if (rec.status !== 'preserved' || rec.publication) return rec;
    if (Date.now() > deadline) throw new Error('no publication');
    await sleep(100);
  }
}

const get = async (key: string) => (await h.app.access.getBuffer(key))!;
const pageKey = (id: string, n: number, file: string) => `items/${id}/pages/${String(n).padStart(4, '0')}/${file}`;

/** Mean absolute difference of two images at a small common size (0 = identical). */
async function difference(a: Buffer, b: Buffer): Promise<number> {
  const norm = (x: Buffer) => sharp(x).resize(48, 32, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  const [ra, rb] = await Promise.all([norm(a), norm(b)]);
  let sum = 0;
  for (let i = 0; i < ra.length; i++) sum += Math.abs(ra[i]! - rb[i]!);
  return sum / ra.length;
}

describe('derivatives', () => {
  it('comes out upright for all eight EXIF orientations', async () => {
    const files: Record<string, Buffer> = {};
    for (let o = 1; o <= 8; o++) files[`${o}.jpg`] = await readShared(`exif-orientation/landscape_${o}.jpg`);
    const rec = await ingestAndPublish('orientations', files);
    expect(rec.status, rec.reason).toBe('preserved');
    expect(rec.publication, rec.publicationReason).toBe('published');
    const upright = await get(pageKey(rec.itemId, 1, 'access.jpg'));
    const ref = await sharp(upright).metadata();
    expect(ref.width).toBeGreaterThan(ref.height!);
    for (let o = 2; o <= 8; o++) {
      const access = await get(pageKey(rec.itemId, o, 'access.jpg'));
      const m = await sharp(access).metadata();
      expect([m.width, m.height], `orientation ${o}`).toEqual([ref.width, ref.height]);
      expect(m.orientation ?? 1, `orientation ${o} has no EXIF rotation left`).toBe(1);
      expect(await difference(access, upright), `orientation ${o} looks like orientation 1`).toBeLessThan(12);
    }
  });

  it('converts embedded profiles, 16-bit, CMYK and alpha to 8-bit sRGB', async () => {
    const red = { width: 200, height: 150, channels: 3 as const, background: { r: 255, g: 0, b: 0 } };
    const p3 = await sharp({ create: red }).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer();
    const p3Pixel = (await sharp(p3).keepIccProfile().raw().toBuffer()).subarray(0, 3);
    expect(p3Pixel[1], 'the fixture is really in Display P3').toBeGreaterThan(30);
    const sixteen = await pageImage({ seed: 3, bits16: true });
    const cmyk = await sharp({ create: red }).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    const alpha = await sharp({ create: { width: 100, height: 100, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    const rec = await ingestAndPublish('colour', { '1.jpg': p3, '2.tif': sixteen, '3.jpg': cmyk, '4.png': alpha });
    expect(rec.publication, rec.publicationReason).toBe('published');

    for (let n = 1; n <= 4; n++) {
      const m = await sharp(await get(pageKey(rec.itemId, n, 'access.jpg'))).metadata();
      expect([m.format, m.space, m.depth, m.channels], `page ${n}`).toEqual(['jpeg', 'srgb', 'uchar', 3]);
    }
    const pixel = async (n: number) => [
      ...(await sharp(await get(pageKey(rec.itemId, n, 'access.jpg')))
        .extract({ left: 50, top: 50, width: 1, height: 1 })
        .raw()
        .toBuffer()),
    ];
    const [r1, g1, b1] = await pixel(1);
    expect(r1).toBeGreaterThan(235);
    expect(g1, 'Display P3 red converted back to sRGB red').toBeLessThan(25);
    expect(b1).toBeLessThan(25);
    const [r3, g3] = await pixel(3);
    expect(r3).toBeGreaterThan(200);
    expect(g3).toBeLessThan(80);
    expect(await pixel(4), 'transparent flattened on white').toEqual([255, 255, 255]);
  });

  it('publishes a IIIF level-0 image in which every promised tile and size exists', async () => {
    const rec = await ingestAndPublish('tiles', { '1.tif': await pageImage({ seed: 9, width: 1300, height: 900 }) });
    expect(rec.publication, rec.publicationReason).toBe('published');
    const prefix = `items/${rec.itemId}/pages/0001/iiif`;
    const info = JSON.parse((await get(`${prefix}/info.json`)).toString('utf8'));
    expect(info).toMatchObject({
      '@context': 'http://iiif.io/api/image/3/context.json',
      type: 'ImageService3',
      protocol: 'http://iiif.io/api/image',
      profile: 'level0',
      width: 1300,
      height: 900,
    });
    expect(info.id).toBe(`${h.config.access.publicBaseUrl}/${prefix}`);

    const keys = new Set<string>();
    for await (const o of h.app.access.list(`${prefix}/`)) keys.add(o.key.slice(prefix.length + 1));
    const { width: W, height: H } = info;
    for (const t of info.tiles as Array<{ width: number; height?: number; scaleFactors: number[] }>) {
      const tw = t.width;
      const th = t.height ?? t.width;
      for (const sf of t.scaleFactors) {
        for (let y = 0; y < H; y += th * sf) {
          for (let x = 0; x < W; x += tw * sf) {
            const rw = Math.min(tw * sf, W - x);
            const rh = Math.min(th * sf, H - y);
            const size = `${Math.ceil(rw / sf)},${Math.ceil(rh / sf)}`;
            const region = rw === W && rh === H ? 'full' : `${x},${y},${rw},${rh}`;
            expect(keys.has(`${region}/${size}/0/default.jpg`), `tile ${region}/${size} at scale ${sf}`).toBe(true);
          }
        }
      }
    }
    expect(info.sizes.length).toBeGreaterThan(0);
    for (const s of info.sizes as Array<{ width: number; height: number }>) {
      const file = await get(`${prefix}/full/${s.width},${s.height}/0/default.jpg`);
      const m = await sharp(file).metadata();
      expect([m.width, m.height]).toEqual([s.width, s.height]);
    }
    const max = await sharp(await get(`${prefix}/full/max/0/default.jpg`)).metadata();
    expect([max.width, max.height]).toEqual([1300, 900]);
    // The access bucket is served as it is: an anonymous HTTP GET of the public URL works.
    const res = await fetch(`${info.id}/info.json`);
    expect(res.status).toBe(200);
    expect((await res.json()).id).toBe(info.id);
  });

  it('makes no image derivatives for a PDF master, and says so', async () => {
    const rec = await ingestAndPublish('pdf only', { 'doc.pdf': tinyPdf() });
    expect(rec.status, rec.reason).toBe('preserved');
    expect(rec.publication).toBe('published');
    expect(await h.app.access.head(pageKey(rec.itemId, 1, 'access.jpg'))).toBeNull();
    // item.json says what there is; a manifest without a single canvas would not be valid IIIF.
    const item = JSON.parse((await get(`items/${rec.itemId}/item.json`)).toString('utf8'));
    expect(item.manifest).toBeNull();
    expect(item.pages[0].derivatives).toMatch(/no image derivatives for application\/pdf/);
    expect(await h.app.access.head(`items/${rec.itemId}/manifest.json`)).toBeNull();
  });

  it('yaddas rederive rebuilds the access copies from the preservation bucket alone', async () => {
    const rec = await ingestAndPublish('rebuild me', {
      '1.tif': await pageImage({ seed: 11, width: 900, height: 700 }),
      '2.png': await pageImage({ seed: 12, format: 'png' }),
    });
    expect(rec.publication).toBe('published');
    const prefix = `items/${rec.itemId}/`;
    const before = new Map<string, number>();
    for await (const o of h.app.access.list(prefix)) before.set(o.key, o.size);
    const info = (await get(`${prefix}pages/0001/iiif/info.json`)).toString('utf8');

    // Lose every access copy of the item, and leave a stray page behind.
    await h.app.access.delete([...before.keys()]);
    await h.app.access.put(`${prefix}pages/0099/thumbnail.jpg`, Buffer.from('stale'));

    const r = await yaddas(h, ['rederive', rec.itemId]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('2 page(s), PDF, 1 stale file(s) removed');
    const after = new Map<string, number>();
    for await (const o of h.app.access.list(prefix)) after.set(o.key, o.size);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    expect((await get(`${prefix}pages/0001/iiif/info.json`)).toString('utf8')).toBe(info);

    const bad = await yaddas(h, ['rederive', 'no-such-item']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('no object');
  });

  it('publishes item.json and a IIIF Presentation 3 manifest with multilingual labels, one canvas per page', async () => {
    const metadata = {
      identifier: 'nagillar-1935',
      type: 'book',
      title: { az: 'Azərbaycan nağılları', 'az-Cyrl': 'Азәрбајҹан нағыллары', ru: 'Азербайджанские сказки', en: 'Azerbaijani tales' },
      creator: ['Hənəfi Zeynallı'],
      date: '1935',
      description: { az: 'Nağıllar toplusu', en: 'A collection of tales' },
      rights: 'http://rightsstatements.org/vocab/NoC-NC/1.0/',
      language: 'az',
    };
    const rec = await ingestAndPublish('Nağıllar', {
      '1.tif': await pageImage({ seed: 21, width: 700, height: 1000 }),
      '2.tif': await pageImage({ seed: 22, width: 700, height: 1000 }),
      '3.jpg': await pageImage({ seed: 23, format: 'jpeg', width: 700, height: 1000 }),
      'metadata.json': JSON.stringify(metadata),
    });
    expect(rec.publication, rec.publicationReason).toBe('published');
    const base = `${h.config.access.publicBaseUrl}/items/nagillar-1935`;
    const res = await fetch(`${base}/manifest.json`);
    expect(res.status).toBe(200);
    const m = await res.json();
    expect(m).toMatchObject({
      '@context': 'http://iiif.io/api/presentation/3/context.json',
      id: `${base}/manifest.json`,
      type: 'Manifest',
      label: {
        az: ['Azərbaycan nağılları'],
        'az-Cyrl': ['Азәрбајҹан нағыллары'],
        ru: ['Азербайджанские сказки'],
        en: ['Azerbaijani tales'],
      },
      summary: { az: ['Nağıllar toplusu'], en: ['A collection of tales'] },
      rights: 'http://rightsstatements.org/vocab/NoC-NC/1.0/',
      behavior: ['paged'],
    });
    expectValidPresentation('manifest', m);
    // The manifest's own words in Azerbaijani, Russian and English.
    expect(m.metadata).toContainEqual({ label: { az: ['Müəllif'], ru: ['Автор'], en: ['Creator'] }, value: { none: ['Hənəfi Zeynallı'] } });
    expect(m.items).toHaveLength(3);
    for (const [i, canvas] of (m.items as Array<Record<string, any>>).entries()) {
      expect(canvas).toMatchObject({ type: 'Canvas', width: 700, height: 1000, label: { none: [String(i + 1)] } });
      const anno = canvas.items[0].items[0];
      expect(anno).toMatchObject({ type: 'Annotation', motivation: 'painting', target: canvas.id });
      const info = await (await fetch(`${anno.body.service[0].id}/info.json`)).json();
      expect(info.id).toBe(anno.body.service[0].id);
      expect((await fetch(anno.body.id)).status, 'the painted image exists').toBe(200);
      expect((await fetch(canvas.thumbnail[0].id)).status, 'the canvas thumbnail exists').toBe(200);
    }
    // A second IIIF client's reading: @iiif/parser (the IIIF community's parser) normalizes the
    // manifest into its entities; everything we wrote must come through.
    const parsed = normalize(structuredClone(m));
    expect(parsed.resource).toMatchObject({ id: m.id, type: 'Manifest' });
    expect(Object.keys(parsed.entities.Canvas)).toHaveLength(3);
    expect(Object.keys(parsed.entities.Annotation)).toHaveLength(3);
    const parsedManifest = (parsed.entities.Manifest as Record<string, unknown>)[m.id as string] as {
      label: Record<string, string[]>;
      behavior: string[];
    };
    expect(parsedManifest.label.az).toEqual(['Azərbaycan nağılları']);
    expect(parsedManifest.behavior).toEqual(['paged']);

    const item = await (await fetch(m.seeAlso[0].id)).json();
    expect(item).toMatchObject({
      format: 'yaddas-access-item/1',
      id: 'nagillar-1935',
      type: 'book',
      preservation: { objectId: 'nagillar-1935', version: 'v1' },
      manifest: m.id,
    });
    expect(item.pages.map((p: { name: string }) => p.name)).toEqual(['1.tif', '2.tif', '3.jpg']);
    expect(item.pages[0].master.digests.sha512).toMatch(/^[0-9a-f]{128}$/);
    expect((await fetch(item.pages[2].access)).status).toBe(200);
  });

  it('reads EXIF from a photograph into item.json and fills what metadata.json leaves empty', async () => {
    const exif = {
      IFD0: {
        Make: 'Zenit',
        Model: 'E',
        Artist: 'Rashid Mammadov',
        Copyright: 'National Library',
        ImageDescription: 'Baku boulevard, 1965',
      },
      IFD2: { DateTimeOriginal: '1965:05:12 10:20:30' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '40/1 22/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '49/1 50/1 0/1' },
    };
    const photo = await sharp(await pageImage({ seed: 31, format: 'png', width: 640, height: 480 }))
      .withExif(exif)
      .jpeg()
      .toBuffer();

    const bare = await ingestAndPublish('bulvar', { 'bulvar.jpg': photo });
    expect(bare.publication, bare.publicationReason).toBe('published');
    const item = JSON.parse((await get(`items/${bare.itemId}/item.json`)).toString('utf8'));
    expect(item.pages[0].embedded).toMatchObject({
      camera: 'Zenit E',
      dateTaken: '1965-05-12T10:20:30',
      creator: 'Rashid Mammadov',
      copyright: 'National Library',
      caption: 'Baku boulevard, 1965',
    });
    expect(item.pages[0].embedded.gps.latitude).toBeCloseTo(40.3667, 3);
    expect(item.pages[0].embedded.gps.longitude).toBeCloseTo(49.8333, 3);
    expect(item.metadata).toMatchObject({
      title: 'Baku boulevard, 1965',
      creator: 'Rashid Mammadov',
      date: '1965-05-12',
      rights: 'National Library',
    });
    expect(item.filledFromEmbedded.sort()).toEqual(['creator', 'date', 'rights', 'title']);
    const manifest = JSON.parse((await get(`items/${bare.itemId}/manifest.json`)).toString('utf8'));
    expectValidPresentation('manifest', manifest);
    expect(manifest.label).toEqual({ none: ['Baku boulevard, 1965'] });
    expect(manifest.requiredStatement.value).toEqual({ none: ['National Library'] });

    // What staff wrote in metadata.json wins over what the camera recorded.
    const described = await ingestAndPublish('bulvar described', {
      'bulvar.jpg': photo,
      'metadata.json': JSON.stringify({ type: 'photograph', title: { az: 'Bakı bulvarı' } }),
    });
    const item2 = JSON.parse((await get(`items/${described.itemId}/item.json`)).toString('utf8'));
    expect(item2.metadata.title).toEqual({ az: 'Bakı bulvarı' });
    expect(item2.metadata.creator).toBe('Rashid Mammadov');
    expect(item2.filledFromEmbedded).not.toContain('title');
    // The preserved item record carries it too.
    const inv = await h.app.preservation.readInventory(described.itemId);
    const recordPath = inv!.manifest[Object.entries(inv!.versions.v1!.state).find(([, p]) => p.includes('item.json'))![0]]![0]!;
    const record = JSON.parse(
      (await h.app.preservation.store.getBuffer(`${h.app.preservation.rootOf(described.itemId)}/${recordPath}`))!.toString('utf8'),
    );
    expect(record.pages[0].embedded.camera).toBe('Zenit E');
  });

  it('gives each page of a multi-page TIFF a view of its own', async () => {
    const rec = await ingestAndPublish('leaf and verso', {
      '1.tif': await multiPageTiff(),
      '2.jpg': await pageImage({ seed: 41, format: 'jpeg' }),
    });
    expect(rec.publication, rec.publicationReason).toBe('published');
    const item = JSON.parse((await get(`items/${rec.itemId}/item.json`)).toString('utf8'));
    expect(item.pages.map((p: { page: number; name: string; pageInMaster?: number }) => [p.page, p.name, p.pageInMaster])).toEqual([
      [1, '1.tif', 1],
      [2, '1.tif', 2],
      [3, '2.jpg', undefined],
    ]);
    const manifest = JSON.parse((await get(`items/${rec.itemId}/manifest.json`)).toString('utf8'));
    expect(manifest.items).toHaveLength(3);
    const recto = await get(pageKey(rec.itemId, 1, 'access.jpg'));
    const verso = await get(pageKey(rec.itemId, 2, 'access.jpg'));
    expect(await difference(recto, verso), 'the verso is not the recto again').toBeGreaterThan(1);
  });

  it('removes the access copies of pages a new version no longer has, and a late older ingest writes nothing over them', async () => {
    const meta = JSON.stringify({ identifier: 'shrinking-book', type: 'book' });
    const v1 = await ingestAndPublish('three pages', {
      '1.png': await pageImage({ seed: 51, format: 'png' }),
      '2.png': await pageImage({ seed: 52, format: 'png' }),
      '3.png': await pageImage({ seed: 53, format: 'png' }),
      'metadata.json': meta,
    });
    expect(v1.publication).toBe('published');
    expect(await h.app.access.head(pageKey('shrinking-book', 3, 'access.jpg'))).not.toBeNull();
    const v2 = await ingestAndPublish('one page', { '1.png': await pageImage({ seed: 54, format: 'png' }), 'metadata.json': meta });
    expect([v2.version, v2.publication]).toEqual(['v2', 'published']);
    const left: string[] = [];
    for await (const o of h.app.access.list('items/shrinking-book/pages/')) left.push(o.key.split('/')[3]!);
    expect([...new Set(left)]).toEqual(['0001']);

    // An ingest of v1 that publishes late (its steps replayed now, as a slow worker would) must
    // not write over v2's access copies.
    const inv = (await h.app.preservation.readInventory('shrinking-book'))!;
    const v1Record = JSON.parse((await h.app.preservation.readLogical(inv, 'item.json', 'v1'))!.toString('utf8'));
    const late = stateFromRecord(v1Record, {
      ingestId: v1.ingestId,
      objectRoot: h.app.preservation.rootOf('shrinking-book'),
      head: 'v1',
      ocr: { run: false, reason: 'test' },
      startAt: 'derive',
    });
    const manifestBefore = (await get('items/shrinking-book/manifest.json')).toString('utf8');
    const lateDerive = STAGES.derive.spec.fanOut(late);
    const ctx = { log: h.app.log, attempt: 1, progress: () => undefined };
    const derived = await (await h.app.handler('derive'))(lateDerive[1]!.data, ctx);
    expect(derived.skipped).toMatch(/^superseded/);
    const published = await (await h.app.handler('publish'))(STAGES.publish.spec.fanOut({ ...late, derived: {} })[0]!.data, ctx);
    expect(published.superseded).toMatch(/newer version \(v2\)/);
    expect((await get('items/shrinking-book/manifest.json')).toString('utf8')).toBe(manifestBefore);
    expect(await h.app.access.head(pageKey('shrinking-book', 2, 'access.jpg'))).toBeNull();
  });
});
