/**
 * What the scanner station listed is what Yaddaş keeps: every style of checksum manifest and a
 * BagIt bag, right and wrong. Every listed digest is compared before anything is stored; a
 * mismatch, a listed file that is missing or a page no manifest lists rejects the item, naming the
 * file; what was right is preserved with its manifests and bag files beside the masters.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemRecord } from '../../src/stages/commit/commit.core.js';
import { makeBag, sumsFile } from '../helpers/bags.js';
import { md5, pageImage, sha256 } from '../helpers/fixtures.js';
import { type Harness, startHarness, takeItem, waitEnded } from '../helpers/harness.js';

let h: Harness;
let p1: Buffer;
let p2: Buffer;
beforeAll(async () => {
  h = await startHarness({ roles: ['ingest', 'inspect', 'prepare', 'store', 'commit', 'release'] });
  p1 = await pageImage({ seed: 11, width: 300, height: 400 });
  p2 = await pageImage({ seed: 12, width: 300, height: 400, format: 'jpeg' });
});
afterAll(async () => {
  await h?.stop();
});

async function ingest(name: string, files: Record<string, Buffer | string>) {
  const taken = await takeItem(h, name, files);
  const rec = await waitEnded(h, taken.ingestId, 60_000, 'preservation');
  return { taken, rec };
}

async function record(itemId: string): Promise<ItemRecord> {
  const inv = await h.app.preservation.readInventory(itemId);
  const bytes = await h.app.preservation.readLogical(inv!, 'item.json');
  return JSON.parse(bytes!.toString('utf8')) as ItemRecord;
}

async function rejectedReport(ingestId: string): Promise<string> {
  return fs.readFile(path.join(h.config.intake.rejectedDir, ingestId, 'REJECTED.txt'), 'utf8');
}

describe('checksum manifests beside the pages', () => {
  it('a BagIt-style manifest-sha512.txt: every page compared, the manifest kept under submission/', async () => {
    const files = { '1.tif': p1, '2.jpg': p2 };
    const { rec } = await ingest('kitab-m512', { ...files, 'manifest-sha512.txt': sumsFile('sha512', files) });
    expect(rec.status).toBe('preserved');
    const r = await record(rec.itemId);
    expect(r.fixity?.kind).toBe('manifests');
    expect(r.fixity?.manifests).toEqual([{ path: 'manifest-sha512.txt', algorithm: ['sha512'], files: 2 }]);
    expect(r.submission?.map((s) => s.logicalPath)).toEqual(['submission/manifest-sha512.txt']);
    expect(r.pages.map((p) => p.name)).toEqual(['1.tif', '2.jpg']);
    expect(r.events.find((e) => e.type === 'fixity check' && /SHA512 listed in manifest-sha512\.txt/.test(e.detail))).toBeTruthy();
  });

  it('sha256sum output (binary-mode "*") under a common name, and md5 sidecars beside each page', async () => {
    const files = { '1.tif': p1, '2.jpg': p2 };
    const a = await ingest('kitab-sums', { ...files, 'checksums.sha256': sumsFile('sha256', files, true) });
    expect(a.rec.status).toBe('preserved');
    const b = await ingest('kitab-sidecar', { ...files, '1.tif.md5': `${md5(p1)}\n`, '2.md5': `${md5(p2)}  2.jpg\n` });
    expect(b.rec.status).toBe('preserved');
    expect((await record(b.rec.itemId)).fixity?.manifests.map((m) => m.path).sort()).toEqual(['1.tif.md5', '2.md5']);
  });

  it('rejects a wrong digest, a listed file that is missing and a page no manifest lists, naming each file', async () => {
    const [wrong, missing, unlisted, badLine] = await Promise.all([
      ingest('kitab-wrong', { '1.tif': p1, '2.jpg': p2, 'manifest-sha256.txt': `${sha256(p1)}  1.tif\n${sha256(p1)}  2.jpg\n` }),
      ingest('kitab-missing', { '1.tif': p1, 'manifest-md5.txt': `${md5(p1)}  1.tif\n${md5(p2)}  2.jpg\n` }),
      ingest('kitab-unlisted', { '1.tif': p1, '2.jpg': p2, 'checksums.md5': `${md5(p1)}  1.tif\n` }),
      ingest('kitab-badline', { '1.tif': p1, SHA256SUMS: `${sha256(p1)}  1.tif\nnot a checksum line\n` }),
    ]);
    expect(wrong.rec.status).toBe('rejected');
    expect(wrong.rec.problems?.map((p) => [p.code, p.file])).toEqual([['CHECKSUM_MISMATCH', '2.jpg']]);
    expect(await rejectedReport(wrong.taken.ingestId)).toMatch(/2\.jpg[\s\S]*not the one the scanner station listed/);
    expect(missing.rec.problems?.map((p) => [p.code, p.file])).toEqual([['LISTED_FILE_MISSING', '2.jpg']]);
    expect(unlisted.rec.problems?.map((p) => [p.code, p.file])).toEqual([['UNLISTED_FILE', '2.jpg']]);
    expect(badLine.rec.problems?.map((p) => [p.code, p.file])).toEqual([['INVALID_MANIFEST', 'SHA256SUMS']]);
    // nothing was stored for any of them
    for (const r of [wrong, missing, unlisted, badLine]) expect(await h.app.preservation.readInventory(r.rec.itemId)).toBeNull();
  });
});

/** Each manifest style a capture station writes: the files that list `listed` (name → bytes). */
const hex = (alg: string, b: Buffer) => createHash(alg).update(b).digest('hex');
const STYLES: Array<{ style: string; make(listed: Record<string, Buffer>): Record<string, string> }> = [
  ...(['sha512', 'sha256', 'md5'] as const).map((alg) => ({
    style: `manifest-${alg}.txt`,
    make: (l: Record<string, Buffer>) => ({
      [`manifest-${alg}.txt`]: Object.entries(l)
        .map(([n, b]) => `${hex(alg, b)}  ${n}\n`)
        .join(''),
    }),
  })),
  { style: 'sha256sum -b (checksums.sha256)', make: (l) => ({ 'checksums.sha256': sumsFile('sha256', l, true) }) },
  { style: 'md5sum (MD5SUMS)', make: (l) => ({ MD5SUMS: sumsFile('md5', l) }) },
  {
    style: 'BSD tags (SHA512SUMS)',
    make: (l) => ({
      SHA512SUMS: Object.entries(l)
        .map(([n, b]) => `SHA512 (${n}) = ${hex('sha512', b)}\n`)
        .join(''),
    }),
  },
  {
    style: '.md5 beside each page',
    make: (l) => Object.fromEntries(Object.entries(l).map(([n, b]) => [`${n}.md5`, `${hex('md5', b)}\n`])),
  },
  {
    style: '.sha256 beside each page, with the name',
    make: (l) => Object.fromEntries(Object.entries(l).map(([n, b]) => [`${n}.sha256`, `${hex('sha256', b)} *${n}\n`])),
  },
];

describe.each(STYLES)('every manifest style: $style', ({ make }) => {
  it('right: preserved; a wrong digest, a listed file that is missing, an unlisted page: rejected naming the file', async () => {
    const pages = { '1.tif': p1, '2.jpg': p2 };
    const other = await pageImage({ seed: 13, width: 120, height: 160, format: 'png' });
    const tag = Math.random().toString(36).slice(2, 8);
    const [right, wrong, missing, unlisted] = await Promise.all([
      ingest(`style-right-${tag}`, { ...pages, ...make(pages) }),
      ingest(`style-wrong-${tag}`, { ...pages, ...make({ '1.tif': p1, '2.jpg': p1 }) }),
      ingest(`style-missing-${tag}`, { ...pages, ...make({ ...pages, '3.png': other }) }),
      ingest(`style-unlisted-${tag}`, { ...pages, '3.png': other, ...make(pages) }),
    ]);
    expect(right.rec.status, JSON.stringify(right.rec.problems)).toBe('preserved');
    expect((await record(right.rec.itemId)).fixity?.manifests.length).toBeGreaterThan(0);
    expect(wrong.rec.problems?.map((p) => [p.code, p.file])).toEqual([['CHECKSUM_MISMATCH', '2.jpg']]);
    expect(missing.rec.problems?.map((p) => [p.code, p.file])).toEqual([['LISTED_FILE_MISSING', '3.png']]);
    expect(unlisted.rec.problems?.map((p) => [p.code, p.file])).toEqual([['UNLISTED_FILE', '3.png']]);
  });
});

describe('BagIt bags', () => {
  it('a valid bag from another system: digests compared, bag-info fills what metadata.json leaves out', async () => {
    const bag = makeBag({
      payload: { '0001.tif': p1, '0002.jpg': p2, 'metadata.json': JSON.stringify({ title: { az: 'Köhnə kitab' } }) },
      info: [
        ['Source-Organization', 'Azərbaycan Milli Kitabxanası'],
        ['External-Identifier', 'bag-kitab-77'],
        ['Title', 'Old book (bag-info)'],
        ['Date', '1935'],
        ['Bagging-Date', '2026-11-30'],
      ],
    });
    const { rec } = await ingest('a bag', bag);
    expect(rec.status).toBe('preserved');
    expect(rec.itemId).toBe('bag-kitab-77');
    const r = await record('bag-kitab-77');
    expect(r.pages.map((p) => p.name)).toEqual(['0001.tif', '0002.jpg']);
    expect(r.metadata?.title).toEqual({ az: 'Köhnə kitab' }); // metadata.json wins
    expect(r.metadata?.sourceOrganization).toBe('Azərbaycan Milli Kitabxanası');
    expect(r.metadata?.date).toBe('1935');
    expect(r.fixity?.kind).toBe('bag');
    expect(r.fixity?.bag?.version).toBe('1.0');
    expect(r.fixity?.metadataFromBagInfo?.sort()).toEqual(['date', 'identifier', 'sourceOrganization']);
    expect(r.submission?.map((s) => s.logicalPath).sort()).toEqual([
      'submission/bag-info.txt',
      'submission/bagit.txt',
      'submission/manifest-sha256.txt',
      'submission/manifest-sha512.txt',
      'submission/tagmanifest-sha256.txt',
    ]);
    expect(r.metadataFile?.logicalPath).toBe('metadata.json');
  });

  it('keeps every payload file, whatever its name; a tool’s own tag file need not be listed; a corrected bag-info is a new version', async () => {
    const payload = { '1.tif': p1, '.provenance.xml': '<p/>', 'notes/Thumbs.db': 'x' };
    const bag = makeBag({
      payload,
      info: [
        ['External-Identifier', 'bag-dotfiles'],
        ['Title', 'Birinci'],
      ],
    });
    const { rec } = await ingest('bag-dotfiles', { ...bag, 'bagger-profile.json': '{}' });
    expect(rec.status, JSON.stringify(rec.problems)).toBe('preserved');
    const r = await record('bag-dotfiles');
    expect(r.submission?.map((x) => x.logicalPath)).toEqual(
      expect.arrayContaining(['submission/data/.provenance.xml', 'submission/data/notes/Thumbs.db', 'submission/bagger-profile.json']),
    );
    // the same masters, bag-info corrected: a new version, with the new title
    const again = await ingest(
      'bag-dotfiles-2',
      makeBag({
        payload,
        info: [
          ['External-Identifier', 'bag-dotfiles'],
          ['Title', 'İkinci'],
        ],
      }),
    );
    expect(again.rec.status).toBe('preserved');
    expect(again.rec.version).toBe('v2');
    expect((await record('bag-dotfiles')).metadata?.title).toBe('İkinci');
    // a payload file no manifest lists is not passed over for its name
    const unlisted = makeBag({ payload: { '1.tif': p1 } });
    const r2 = await ingest('bag-dotfile-unlisted', { ...unlisted, 'data/.DS_Store': 'litter' });
    expect(r2.rec.problems?.map((p) => [p.code, p.file])).toEqual([
      ['INVALID_BAG', 'bag-info.txt'],
      ['UNLISTED_FILE', 'data/.DS_Store'],
      ['UNLISTED_FILE', 'data/.DS_Store'],
    ]);
  });

  it('a large file beside the pages is compared by an inspect job, not on taking: right kept, wrong rejected', async () => {
    const big = randomBytes(17 * 1024 * 1024);
    const good = await ingest('bag-big', makeBag({ payload: { '1.tif': p1, 'audio/reading.wav': big } }));
    expect(good.rec.status, JSON.stringify(good.rec.problems)).toBe('preserved');
    const bad = await ingest(
      'bag-big-wrong',
      makeBag({ payload: { '1.tif': p1, 'audio/reading.wav': big }, wrongDigest: ['audio/reading.wav'] }),
    );
    expect(bad.rec.problems?.map((p) => [p.code, p.file])).toEqual([['CHECKSUM_MISMATCH', 'data/audio/reading.wav']]);
  });

  it('rejects a bag whose Payload-Oxum, tag manifest or payload digest is wrong', async () => {
    const payload = { '1.tif': p1, '2.jpg': p2 };
    const [oxum, tag, digest, nodata] = await Promise.all([
      ingest('bag-oxum', makeBag({ payload, oxum: '12.2' })),
      ingest('bag-tag', makeBag({ payload, notInTagManifest: ['bag-info.txt'] })),
      ingest('bag-digest', makeBag({ payload, wrongDigest: ['2.jpg'] })),
      ingest('bag-empty', { 'bagit.txt': 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n', 'data/notes/x.txt': 'x' }),
    ]);
    expect(oxum.rec.problems?.map((p) => [p.code, p.file])).toEqual([['INVALID_BAG', 'bag-info.txt']]);
    expect(tag.rec.problems?.map((p) => [p.code, p.file])).toEqual([['UNLISTED_FILE', 'bag-info.txt']]);
    expect(digest.rec.problems?.map((p) => [p.code, p.file])).toEqual([['CHECKSUM_MISMATCH', 'data/2.jpg']]);
    expect(nodata.rec.status).toBe('rejected');
    expect(nodata.rec.problems?.map((p) => p.code)).toContain('EMPTY_ITEM');
  });
});
