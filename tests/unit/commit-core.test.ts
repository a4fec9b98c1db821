/** The item record a commit writes into the OCFL object: what it says happened, truthfully. */
import { describe, expect, it } from 'vitest';
import type { IngestManifest, InspectResult, StoreResult } from '../../src/domain/item.js';
import { buildItemRecord } from '../../src/stages/commit/commit.core.js';

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
