import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { nextInventory, objectRootPath, serializeInventory, storageRootFiles } from '../../src/storage/ocfl.core.js';
import { digestBuffer } from '../../src/checksum/digests.js';

describe('storage layout 0003-hash-and-id-n-tuple', () => {
  it.each([
    // the examples of the extension's specification
    ['object-01', '3c0/ff4/240/object-01'],
    ['..hor/rib:le-$id', '487/326/d8c/%2e%2ehor%2frib%3ale-%24id'],
    ['kitab-1935-001', undefined],
  ])('%j → %s', (id, expected) => {
    const p = objectRootPath(id);
    if (expected) expect(p).toBe(expected);
    expect(p.split('/')).toHaveLength(4);
  });

  it('truncates long encoded ids and appends the full digest', () => {
    const id = 'x'.repeat(150);
    const digest = createHash('sha256').update(id).digest('hex');
    expect(objectRootPath(id).split('/')[3]).toBe(`${'x'.repeat(100)}-${digest}`);
  });

  it('declares the layout in the storage root', () => {
    const files = Object.fromEntries(storageRootFiles().map((f) => [f.key, f.body]));
    expect(files['0=ocfl_1.1']).toBe('ocfl_1.1\n');
    expect(JSON.parse(files['ocfl_layout.json']!).extension).toBe('0003-hash-and-id-n-tuple-storage-layout');
    expect(JSON.parse(files['extensions/0003-hash-and-id-n-tuple-storage-layout/config.json']!)).toMatchObject({
      digestAlgorithm: 'sha256',
      tupleSize: 3,
      numberOfTuples: 3,
    });
  });
});

describe('nextInventory', () => {
  const user = { name: 'Yaddaş' };
  const page1 = digestBuffer('page one');
  const page2 = digestBuffer('page two');
  const page2b = digestBuffer('page two, rescanned');

  it('builds v1 with the manifest and SHA-256 and MD5 fixity', () => {
    const n = nextInventory(null, {
      id: 'book',
      created: '2026-11-23T00:00:00Z',
      message: 'm',
      user,
      files: [
        { logicalPath: 'masters/1.tif', digests: page1, uploadedContentPath: 'v1/content/masters/1.tif' },
        { logicalPath: 'masters/2.tif', digests: page2, uploadedContentPath: 'v1/content/masters/2.tif' },
      ],
    });
    expect(n.inventory.head).toBe('v1');
    expect(n.inventory.manifest[page1.sha512]).toEqual(['v1/content/masters/1.tif']);
    expect(n.inventory.fixity!.sha256![page2.sha256]).toEqual(['v1/content/masters/2.tif']);
    expect(n.inventory.fixity!.md5![page2.md5]).toEqual(['v1/content/masters/2.tif']);
    expect(n.redundant).toEqual([]);
    expect(n.unchanged).toBe(false);
  });

  it('re-uses stored content in v2 and drops the redundant upload (forward delta)', () => {
    const v1 = nextInventory(null, {
      id: 'book',
      created: 't1',
      message: 'm',
      user,
      files: [
        { logicalPath: 'masters/1.tif', digests: page1, uploadedContentPath: 'v1/content/masters/1.tif' },
        { logicalPath: 'masters/2.tif', digests: page2, uploadedContentPath: 'v1/content/masters/2.tif' },
      ],
    }).inventory;
    const v2 = nextInventory(v1, {
      id: 'book',
      created: 't2',
      message: 'm',
      user,
      files: [
        { logicalPath: 'masters/1.tif', digests: page1, uploadedContentPath: 'v2/content/masters/1.tif' },
        { logicalPath: 'masters/2.tif', digests: page2b, uploadedContentPath: 'v2/content/masters/2.tif' },
      ],
    });
    expect(v2.inventory.head).toBe('v2');
    expect(v2.redundant).toEqual(['v2/content/masters/1.tif']);
    expect(v2.keep).toEqual(['v2/content/masters/2.tif']);
    expect(v2.inventory.manifest[page1.sha512]).toEqual(['v1/content/masters/1.tif']);
    expect(Object.keys(v2.inventory.versions)).toEqual(['v1', 'v2']);
    expect(v2.unchanged).toBe(false);
  });

  it('sees a re-scan with identical masters as unchanged, whatever the item record says', () => {
    const rec1 = digestBuffer('record 1');
    const rec2 = digestBuffer('record 2');
    const v1 = nextInventory(null, {
      id: 'b',
      created: 't',
      message: 'm',
      user,
      files: [
        { logicalPath: 'masters/1.tif', digests: page1 },
        { logicalPath: 'item.json', digests: rec1 },
      ],
    }).inventory;
    const again = nextInventory(v1, {
      id: 'b',
      created: 't',
      message: 'm',
      user,
      compared: (p) => p !== 'item.json',
      files: [
        { logicalPath: 'masters/1.tif', digests: page1 },
        { logicalPath: 'item.json', digests: rec2 },
      ],
    });
    expect(again.unchanged).toBe(true);
  });

  it('serializes with a sidecar that names the digest of the exact bytes', () => {
    const inv = nextInventory(null, { id: 'b', created: 't', message: 'm', user, files: [{ logicalPath: 'a', digests: page1 }] }).inventory;
    const s = serializeInventory(inv);
    expect(s.sidecar.toString()).toBe(`${createHash('sha512').update(s.json).digest('hex')}  inventory.json\n`);
  });
});
