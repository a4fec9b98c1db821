/** The item record a commit writes into the OCFL object: what it says happened, truthfully. */
import { describe, expect, it } from 'vitest';
import type { IngestManifest, InspectResult, StoreResult } from '../../src/domain/item.js';
import { buildItemRecord, mistakenReuse, planVersion } from '../../src/stages/commit/commit.core.js';
import { digestBuffer } from '../../src/checksum/digests.js';
import { nextInventory } from '../../src/storage/ocfl.core.js';

const manifest: IngestManifest = {
  ingestId: '20261130T120000Z-kitab-abc123',
  itemId: 'kitab-1935',
  sourceName: 'kitab',
  kind: 'folder',
  takenAt: '2026-11-30T12:00:00.000Z',
  via: 'inbox',
  files: [{ role: 'page', page: 1, path: 'kitab/1.tif', size: 10 }],
  ignored: [],
  metadata: null,
};
const inspected: Record<string, InspectResult> = { 'kitab/1.tif': { path: 'kitab/1.tif', mime: 'image/tiff', format: 'TIFF' } };
const stored: Record<string, StoreResult> = {
  'kitab/1.tif': {
    path: 'kitab/1.tif',
    logicalPath: 'masters/1.tif',
    contentPath: 'v1/content/masters/1.tif',
    size: 10,
    digests: { sha512: 'a', sha256: 'b', md5: 'c' },
    verifiedAt: '2026-11-30T12:00:02Z',
  },
};
const target = { objectId: 'kitab-1935', objectRoot: 'r', version: 'v1', headVersion: null, created: '2026-11-30T12:00:03Z' };

describe('the item record', () => {
  it('says the fixity check compared the digest the read-back really compares (SHA-256)', () => {
    const events = buildItemRecord(manifest, inspected, stored, target).events;
    const fixity = events.find((e) => e.type === 'fixity check');
    expect(fixity?.detail).toMatch(/SHA-256 matched/);
    expect(fixity?.detail).not.toMatch(/SHA-512/);
    expect(events.find((e) => e.type === 'message digest calculation')?.detail).toMatch(/SHA-512, SHA-256 and MD5/);
  });
});

describe('a re-scan compared with the head', () => {
  const user = { name: 'Yaddaş', address: 'mailto:x@example.org' };
  const page = digestBuffer('page 1');
  // The head as the pipeline leaves it: v1 from the ingest, v2 with the OCR a later step added.
  const v1 = nextInventory(null, {
    id: 'kitab-1935',
    created: 't1',
    message: 'ingest',
    user,
    files: [
      { logicalPath: 'masters/1.tif', digests: page },
      { logicalPath: 'item.json', digests: digestBuffer('record v1') },
    ],
  }).inventory;
  const head = nextInventory(v1, {
    id: 'kitab-1935',
    created: 't2',
    message: 'ocr',
    user,
    files: [
      { logicalPath: 'masters/1.tif', digests: page },
      { logicalPath: 'item.json', digests: digestBuffer('record v2') },
      { logicalPath: 'ocr/0001.txt', digests: digestBuffer('text') },
      { logicalPath: 'ocr/text.txt', digests: digestBuffer('text') },
    ],
  }).inventory;
  const rescan = (bytes: string): Record<string, StoreResult> => ({
    'kitab/1.tif': { ...stored['kitab/1.tif']!, contentPath: 'v3/content/masters/1.tif', digests: digestBuffer(bytes) },
  });
  const t3 = { ...target, version: 'v3', headVersion: 'v2' };

  it('identical masters: unchanged, whatever OCR and item record the head holds', () => {
    expect(planVersion(head, manifest, rescan('page 1'), t3, Buffer.from('record v3'), user).unchanged).toBe(true);
  });
  it('a changed master: a new version', () => {
    expect(planVersion(head, manifest, rescan('page 1, scanned again'), t3, Buffer.from('record v3'), user).unchanged).toBe(false);
  });
});

describe('an identifier reused by mistake', () => {
  const user = { name: 'Yaddaş', address: 'mailto:x@example.org' };
  const head = nextInventory(null, {
    id: 'kitab-1935',
    created: 't1',
    message: 'ingest',
    user,
    files: [
      { logicalPath: 'masters/1.tif', digests: digestBuffer('p1') },
      { logicalPath: 'masters/2.tif', digests: digestBuffer('p2') },
      { logicalPath: 'item.json', digests: digestBuffer('record') },
    ],
  }).inventory;
  const headRecord = { metadata: { title: { az: 'Dədə Qorqud', 'az-Cyrl': 'Дәдә Горгуд' } } };
  const incoming = (...bytes: string[]): Record<string, StoreResult> =>
    Object.fromEntries(
      bytes.map((b, i) => [`k/${i + 1}.tif`, { ...stored['kitab/1.tif']!, logicalPath: `masters/${i + 1}.tif`, digests: digestBuffer(b) }]),
    );
  const m = (metadata: IngestManifest['metadata'], extra: Partial<IngestManifest> = {}): IngestManifest => ({
    ...manifest,
    metadata,
    ...extra,
  });

  it.each([
    ['no page in common, another title: held', m({ title: 'Koroğlu' }), incoming('x'), true],
    ['one page kept: a re-scan', m({ title: 'Koroğlu' }), incoming('p1', 'x'), false],
    ['all new pages, the same title in another language of the map', m({ title: 'дәдә  горгуд' }), incoming('x', 'y'), false],
    ['no title on either side', m({}), incoming('x'), true],
    ['"replaces": true', m({ title: 'Koroğlu', replaces: true }), incoming('x'), false],
    ['accepted by an operator', m({ title: 'Koroğlu' }, { accepted: true }), incoming('x'), false],
  ] as const)('%s', (_what, man, inc, held) => {
    expect(mistakenReuse(head, headRecord, man, inc) !== null).toBe(held);
  });

  it('says what would be replaced by what', () => {
    expect(mistakenReuse(head, headRecord, m({ title: 'Koroğlu' }), incoming('x'))).toEqual({
      headVersion: 'v1',
      headTitle: 'Dədə Qorqud',
      headPages: 2,
      title: 'Koroğlu',
      pages: 1,
    });
  });
});
