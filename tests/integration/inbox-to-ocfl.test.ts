/**
 * The foundation's promise: staff drop a book folder and a photograph into the inbox and, with
 * nothing more to do, find untouched masters in S3 as a valid OCFL 1.1 object whose digests match
 * the originals, read back here with an independent client (Debian's awscli).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { md5, readShared, multiPageTiff, pageImage, sha256, sha512, tinyPdf, until, writeItem } from '../helpers/fixtures.js';
import { validateObject, validateStorageRoot } from '../../src/storage/ocfl-validate.js';
import type { Inventory } from '../../src/storage/ocfl.core.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ watch: true });
});
afterAll(async () => {
  await h?.stop();
});

async function ingestIdFor(name: string): Promise<string> {
  let id = '';
  await until(
    async () => {
      const recs = await h.app.status.recent(50);
      id = recs.find((r) => r.sourceName === name)?.ingestId ?? '';
      return id !== '';
    },
    30_000,
    `${name} to be taken`,
  );
  return id;
}

async function readBack(key: string): Promise<Buffer> {
  const out = path.join(h.dir, 'readback', String(Math.random()).slice(2));
  await h.aws(['s3', 'cp', `s3://${h.config.s3.preservationBucket}/${key}`, out, '--only-show-errors']);
  return fs.readFile(out);
}

describe('from the inbox to a verified OCFL object', () => {
  it('preserves a book folder: pages in natural order, metadata.json as received, digests that match', async () => {
    const pages: Record<string, Buffer> = {
      '1.tif': await pageImage({ seed: 1 }),
      '2.tif': await pageImage({ seed: 2, bits16: true }),
      '10.tif': await pageImage({ seed: 10 }),
      '3.jp2.tif': await multiPageTiff(),
      '4.png': await pageImage({ seed: 4, format: 'png' }),
      '5.webp': await pageImage({ seed: 5, format: 'webp' }),
      '6.jpg': await pageImage({ seed: 6, format: 'jpeg' }),
      '7.pdf': tinyPdf(),
    };
    const metadata = JSON.stringify(
      {
        identifier: 'kitab-1935-001',
        type: 'book',
        title: { az: 'Azərbaycan nağılları', ru: 'Азербайджанские сказки', en: 'Azerbaijani tales' },
        ocrLanguages: 'aze+rus',
      },
      null,
      2,
    );
    const originals = await writeItem(path.join(h.config.inbox, 'Kitab 1935'), { ...pages, 'metadata.json': metadata, '.DS_Store': 'x' });

    const ingestId = await ingestIdFor('Kitab 1935');
    // Staff see it go: it leaves the inbox as soon as it is taken.
    await until(
      async () => !(await fs.stat(path.join(h.config.inbox, 'Kitab 1935')).catch(() => null)),
      10_000,
      'the item to leave the inbox',
    );
    const rec = await h.waitFor(ingestId);
    expect(rec.status, rec.reason).toBe('preserved');
    expect(rec.itemId).toBe('kitab-1935-001');
    expect(rec.version).toBe('v1');

    const root = h.app.preservation.rootOf('kitab-1935-001');
    const inv = JSON.parse((await readBack(`${root}/inventory.json`)).toString('utf8')) as Inventory;
    expect(inv.head).toBe('v1');
    const state = inv.versions.v1!.state;
    const logical = Object.fromEntries(Object.entries(state).flatMap(([d, ps]) => ps.map((p) => [p, d])));
    for (const [name, bytes] of Object.entries(pages)) {
      expect(logical[`masters/${name}`], name).toBe(sha512(bytes));
      const stored = await readBack(`${root}/v1/content/masters/${name}`);
      expect(sha512(stored), `${name} read back with awscli`).toBe(sha512(bytes));
      expect(inv.fixity!.sha256![sha256(bytes)]).toEqual([`v1/content/masters/${name}`]);
      expect(inv.fixity!.md5![md5(bytes)]).toEqual([`v1/content/masters/${name}`]);
    }
    expect(sha512(await readBack(`${root}/v1/content/metadata.json`))).toBe(sha512(originals['metadata.json']!));
    expect(logical['masters/.DS_Store']).toBeUndefined();

    const record = JSON.parse((await readBack(`${root}/v1/content/item.json`)).toString('utf8'));
    expect(record.pages.map((p: { name: string }) => p.name)).toEqual([
      '1.tif',
      '2.tif',
      '3.jp2.tif',
      '4.png',
      '5.webp',
      '6.jpg',
      '7.pdf',
      '10.tif',
    ]);
    expect(record.pages[1].image.bitDepth).toBe(16);
    expect(record.pages[2].image.pages).toBe(2);
    expect(record.pages[6].format.name).toBe('PDF');
    // Opened with pdf.js and its pages counted.
    expect(record.pages[6].pdf).toEqual({ version: '1.4', pages: 1 });
    expect(record.metadata.title.az).toBe('Azərbaycan nağılları');

    const report = await validateObject(h.app.preservation.store, root, { checkDigests: true });
    expect(report.errors).toEqual([]);
    // W005 only: the object id is the library's identifier, not a URI (docs/storage-layout.md).
    // Every version names its user with an address (W008 otherwise).
    expect(report.warnings.map((w) => w.code)).toEqual(['W005']);
    expect(inv.versions.v1!.user).toEqual({ name: 'Yaddaş', address: h.config.access.publicBaseUrl });

    // The original, unaltered, waits in the done area.
    const done = path.join(h.config.intake.doneDir, ingestId, 'Kitab 1935');
    for (const [name, bytes] of Object.entries(originals)) expect(sha512(await fs.readFile(path.join(done, name)))).toBe(sha512(bytes));
  });

  it('preserves a single photograph with an Azerbaijani and Cyrillic name', async () => {
    const name = 'Şəki İçərişəhər ж 1.jpg';
    const bytes = await readShared('exif-orientation/portrait_6.jpg');
    await fs.writeFile(path.join(h.config.inbox, name), bytes);
    const rec = await h.waitFor(await ingestIdFor(name));
    expect(rec.status, rec.reason).toBe('preserved');
    expect(rec.itemId).toMatch(/^yd-\d{8}-seki-iceriseher-zh-1-[0-9a-f]{6}$/);
    const root = h.app.preservation.rootOf(rec.itemId);
    const listing = await h.aws(['s3', 'ls', '--recursive', `s3://${h.config.s3.preservationBucket}/${root}/`]);
    expect(listing).toContain(`masters/${name}`);
    expect(sha512(await readBack(`${root}/v1/content/masters/${name}`))).toBe(sha512(bytes));
  });

  it('keeps NFC and NFD spellings of the same name apart, byte for byte', async () => {
    const nfc = 'Gəncə şəhəri.tif'.normalize('NFC');
    const nfd = 'Gəncə şəhəri.tif'.normalize('NFD');
    expect(nfc).not.toBe(nfd);
    const a = await pageImage({ seed: 21 });
    const b = await pageImage({ seed: 22 });
    const dir = path.join(h.config.inbox, 'normalization');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, nfc), a);
    await fs.writeFile(path.join(dir, nfd), b);
    const rec = await h.waitFor(await ingestIdFor('normalization'));
    expect(rec.status, rec.reason).toBe('preserved');
    const root = h.app.preservation.rootOf(rec.itemId);
    const keys: string[] = [];
    for await (const o of h.app.preservation.store.list(`${root}/v1/content/masters/`)) keys.push(o.key);
    expect(keys.sort()).toEqual([`${root}/v1/content/masters/${nfc}`, `${root}/v1/content/masters/${nfd}`].sort());
    expect(sha512((await h.app.preservation.store.getBuffer(`${root}/v1/content/masters/${nfc}`))!)).toBe(sha512(a));
    expect(sha512((await h.app.preservation.store.getBuffer(`${root}/v1/content/masters/${nfd}`))!)).toBe(sha512(b));
  });

  it('leaves a storage root that validates, with its layout extension declared', async () => {
    const report = await validateStorageRoot(h.app.preservation.store, { checkDigests: false });
    expect(report.errors).toEqual([]);
    expect(report.objects.length).toBeGreaterThanOrEqual(3);
    const layout = JSON.parse(await h.aws(['s3', 'cp', `s3://${h.config.s3.preservationBucket}/ocfl_layout.json`, '-']));
    expect(layout.extension).toBe('0003-hash-and-id-n-tuple-storage-layout');
  });
});
