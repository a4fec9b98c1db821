import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { digestBuffer } from '../../src/checksum/digests.js';
import {
  OBJECT_NAMASTE,
  contentPathFor,
  nextInventory,
  objectRootPath,
  serializeInventory,
  storageRootFiles,
  versionName,
  versionNumber,
  type Inventory,
} from '../../src/storage/ocfl.core.js';
import { validateInventory, validateObject, validateStorageRoot, type ValidationIssue } from '../../src/storage/ocfl-validate.js';
import { MemoryObjectStore } from '../helpers/memory-store.js';

// Inventories are mutated into shapes the Inventory type forbids; that is the point of these tests.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const ID = 'kitab-1935-001';
const user = { name: 'Yaddaş', address: 'mailto:digitization@library.az' };
const v1Files = {
  'masters/01.tif': Buffer.from('page one'),
  'masters/02.tif': Buffer.from('page two'),
  'metadata.json': Buffer.from('{"title":"Kitab"}\n'),
};
// v2 re-scans page two; page one and the metadata are re-used from v1 (forward delta).
const v2Files = { ...v1Files, 'masters/02.tif': Buffer.from('page two, rescanned') };

const sha512 = (b: Buffer | string) => createHash('sha512').update(b).digest('hex');

/** Writes one version the way the store does: content, version inventory, declaration, root inventory. */
async function addVersion(
  store: MemoryObjectStore,
  root: string,
  id: string,
  prev: Inventory | null,
  files: Record<string, Buffer>,
): Promise<Inventory> {
  const v = prev ? versionName(versionNumber(prev.head) + 1) : 'v1';
  const vfiles = Object.entries(files).map(([logicalPath, body]) => ({
    logicalPath,
    digests: digestBuffer(body),
    uploadedContentPath: contentPathFor(v, logicalPath),
  }));
  for (const f of vfiles) await store.put(`${root}/${f.uploadedContentPath}`, files[f.logicalPath]!);
  const next = nextInventory(prev, { id, files: vfiles, created: `2026-11-2${v.slice(1)}T10:00:00+04:00`, message: `ingest ${v}`, user });
  await store.delete(next.redundant.map((p) => `${root}/${p}`));
  const { json, sidecar } = serializeInventory(next.inventory);
  await store.put(`${root}/${v}/inventory.json`, json);
  await store.put(`${root}/${v}/inventory.json.sha512`, sidecar);
  if (!prev) await store.put(`${root}/${OBJECT_NAMASTE.name}`, Buffer.from(OBJECT_NAMASTE.body));
  await store.put(`${root}/inventory.json`, json);
  await store.put(`${root}/inventory.json.sha512`, sidecar);
  return next.inventory;
}

async function storageRoot(): Promise<MemoryObjectStore> {
  const store = new MemoryObjectStore('preservation');
  for (const f of storageRootFiles()) await store.put(f.key, Buffer.from(f.body, 'utf8'));
  return store;
}

/** A storage root holding one valid object with v1 and v2. */
async function validObject() {
  const store = await storageRoot();
  const root = objectRootPath(ID);
  const v1 = await addVersion(store, root, ID, null, v1Files);
  const v2 = await addVersion(store, root, ID, v1, v2Files);
  return { store, root, v1, v2 };
}

async function readJson(store: MemoryObjectStore, key: string): Promise<Loose> {
  return JSON.parse((await store.getBuffer(key))!.toString('utf8'));
}

/** Rewrites the root inventory and, identically, the head version's own (so only the change shows). */
async function rewriteInventory(store: MemoryObjectStore, root: string, change: (inv: Loose) => void): Promise<void> {
  const inv = await readJson(store, `${root}/inventory.json`);
  const head = inv.head as string;
  change(inv);
  const { json, sidecar } = serializeInventory(inv as Inventory);
  for (const dir of [root, `${root}/${head}`]) {
    await store.put(`${dir}/inventory.json`, json);
    await store.put(`${dir}/inventory.json.sha512`, sidecar);
  }
}

const digestOf = (inv: Loose, contentPath: string): string =>
  Object.entries(inv.manifest as Record<string, string[]>).find(([, ps]) => ps.includes(contentPath))![0];
const codes = (issues: ValidationIssue[]) => issues.map((i) => i.code);

describe('a valid object', () => {
  it('has no errors, and only the warning that its id is not a URI', async () => {
    const { store, root, v2 } = await validObject();
    expect(store.keys().filter((k) => k.includes('/content/'))).toEqual([
      `${root}/v1/content/masters/01.tif`,
      `${root}/v1/content/masters/02.tif`,
      `${root}/v1/content/metadata.json`,
      `${root}/v2/content/masters/02.tif`,
    ]);
    const report = await validateObject(store, root);
    expect(report.errors).toEqual([]);
    expect(codes(report.warnings)).toEqual(['W005']);
    expect(report.inventory).toEqual(v2);
    expect(report.checkedFiles).toBe(0);
  });

  it('reads every content file once with checkDigests and finds them all intact', async () => {
    const { store, root } = await validObject();
    const report = await validateObject(store, root, { checkDigests: true });
    expect(report.errors).toEqual([]);
    expect(report.checkedFiles).toBe(4);
  });

  it('accepts a trailing slash on the object root', async () => {
    const { store, root } = await validObject();
    expect((await validateObject(store, `${root}/`)).errors).toEqual([]);
  });

  it('reports nothing, and no inventory, where there is no object', async () => {
    const { store } = await validObject();
    const report = await validateObject(store, objectRootPath('no-such-item'), { checkDigests: true });
    expect(report).toMatchObject({ inventory: null, errors: [], warnings: [], checkedFiles: 0 });
  });

  it('keeps NFC and NFD spellings of a non-ASCII name as two distinct files', async () => {
    const name = 'masters/Şəki ж 01.tif';
    const nfc = name.normalize('NFC');
    const nfd = name.normalize('NFD');
    expect(nfc).not.toBe(nfd);
    const store = await storageRoot();
    const id = 'şəki-albom-ж';
    const root = objectRootPath(id);
    await addVersion(store, root, id, null, { [nfc]: Buffer.from('composed'), [nfd]: Buffer.from('decomposed') });

    const report = await validateObject(store, root, { checkDigests: true });
    expect(report.errors).toEqual([]);
    expect(report.checkedFiles).toBe(2);
    expect(Object.values(report.inventory!.versions.v1!.state).flat().sort()).toEqual([nfc, nfd].sort());
    expect((await validateStorageRoot(store, { checkDigests: true })).errors).toEqual([]);
  });
});

describe('a broken object', () => {
  const contentPath = (v: string, logical: string) => contentPathFor(v, logical);
  const cases: Array<{
    name: string;
    code: string;
    path: string;
    checkDigests?: boolean;
    mentions?: string;
    breakIt: (o: Awaited<ReturnType<typeof validObject>>) => Promise<void>;
  }> = [
    {
      name: 'object declaration missing',
      code: 'E003',
      path: OBJECT_NAMASTE.name,
      breakIt: ({ store, root }) => store.delete([`${root}/${OBJECT_NAMASTE.name}`]),
    },
    {
      name: 'object declaration with the wrong text',
      code: 'E007',
      path: OBJECT_NAMASTE.name,
      breakIt: ({ store, root }) => store.put(`${root}/${OBJECT_NAMASTE.name}`, Buffer.from('ocfl_object_1.1')),
    },
    {
      name: 'root sidecar with the wrong digest',
      code: 'E060',
      path: 'inventory.json.sha512',
      breakIt: ({ store, root }) =>
        store.put(`${root}/inventory.json.sha512`, Buffer.from(`${sha512('something else')}  inventory.json\n`)),
    },
    {
      name: 'sidecar that is not "<digest> inventory.json"',
      code: 'E061',
      path: 'v1/inventory.json.sha512',
      breakIt: ({ store, root }) => store.put(`${root}/v1/inventory.json.sha512`, Buffer.from('see inventory.json\n')),
    },
    {
      name: 'root inventory without a sidecar',
      code: 'E058',
      path: 'inventory.json',
      breakIt: ({ store, root }) => store.delete([`${root}/inventory.json.sha512`]),
    },
    {
      name: 'content file missing',
      code: 'E092',
      path: contentPath('v1', 'masters/01.tif'),
      breakIt: ({ store, root }) => store.delete([`${root}/v1/content/masters/01.tif`]),
    },
    {
      name: 'extra file in a content directory',
      code: 'E023',
      path: contentPath('v2', 'masters/03.tif'),
      breakIt: ({ store, root }) => store.put(`${root}/v2/content/masters/03.tif`, Buffer.from('page three')),
    },
    {
      name: 'extra file at the object root',
      code: 'E001',
      path: 'notes.txt',
      breakIt: ({ store, root }) => store.put(`${root}/notes.txt`, Buffer.from('todo')),
    },
    {
      name: 'extra file in a version directory',
      code: 'E015',
      path: 'v1/README',
      breakIt: ({ store, root }) => store.put(`${root}/v1/README`, Buffer.from('hi')),
    },
    {
      name: 'version directory the inventory does not list (an unfinished v3)',
      code: 'E046',
      path: 'v3/',
      breakIt: ({ store, root }) => store.put(`${root}/v3/content/masters/01.tif`, Buffer.from('page one again')),
    },
    {
      name: 'head version inventory that differs from the root inventory',
      code: 'E064',
      path: 'v2/inventory.json',
      breakIt: async ({ store, root }) => {
        const inv = await readJson(store, `${root}/v2/inventory.json`);
        inv.versions.v2.message = 'edited afterwards';
        const { json, sidecar } = serializeInventory(inv);
        await store.put(`${root}/v2/inventory.json`, json);
        await store.put(`${root}/v2/inventory.json.sha512`, sidecar);
      },
    },
    {
      name: 'prior version inventory that disagrees about its state',
      code: 'E066',
      path: 'v1/inventory.json',
      breakIt: async ({ store, root }) => {
        const inv = await readJson(store, `${root}/v1/inventory.json`);
        const [d, paths] = Object.entries(inv.versions.v1.state as Record<string, string[]>)[0]!;
        inv.versions.v1.state[d] = paths.map((p) => `${p}.renamed`);
        const { json, sidecar } = serializeInventory(inv);
        await store.put(`${root}/v1/inventory.json`, json);
        await store.put(`${root}/v1/inventory.json.sha512`, sidecar);
      },
    },
    {
      name: 'stored bytes that no longer match their digests',
      code: 'E092',
      path: contentPath('v1', 'masters/02.tif'),
      checkDigests: true,
      mentions: 'masters/02.tif',
      breakIt: ({ store, root }) => store.put(`${root}/v1/content/masters/02.tif`, Buffer.from('bit rot')),
    },
    {
      name: 'stored bytes that no longer match their fixity values',
      code: 'E093',
      path: contentPath('v1', 'masters/02.tif'),
      checkDigests: true,
      mentions: 'fixity value',
      breakIt: ({ store, root }) => store.put(`${root}/v1/content/masters/02.tif`, Buffer.from('bit rot')),
    },
    {
      name: 'fixity value that does not match the file',
      code: 'E093',
      path: contentPath('v1', 'masters/01.tif'),
      checkDigests: true,
      mentions: 'md5',
      breakIt: ({ store, root }) =>
        rewriteInventory(store, root, (inv) => {
          const md5 = inv.fixity.md5 as Record<string, string[]>;
          const [d] = Object.entries(md5).find(([, ps]) => ps.includes('v1/content/masters/01.tif'))!;
          delete md5[d];
          md5[createHash('md5').update('not page one').digest('hex')] = ['v1/content/masters/01.tif'];
        }),
    },
    {
      name: 'fixity naming a content path that is not in the manifest',
      code: 'E057',
      path: 'inventory.json',
      mentions: 'v1/content/masters/99.tif',
      breakIt: ({ store, root }) =>
        rewriteInventory(store, root, (inv) => {
          inv.fixity.sha256[createHash('sha256').update('x').digest('hex')] = ['v1/content/masters/99.tif'];
        }),
    },
    {
      name: 'gap in the version sequence',
      code: 'E010',
      path: 'inventory.json',
      mentions: 'v2',
      breakIt: ({ store, root }) =>
        rewriteInventory(store, root, (inv) => {
          inv.versions.v3 = inv.versions.v2;
          delete inv.versions.v2;
          inv.head = 'v3';
        }),
    },
    {
      name: 'head that is not the last version',
      code: 'E040',
      path: 'inventory.json',
      breakIt: ({ store, root }) => rewriteInventory(store, root, (inv) => void (inv.head = 'v1')),
    },
    {
      name: 'logical path that is both a file and a directory',
      code: 'E095',
      path: 'inventory.json',
      mentions: 'masters/01.tif',
      breakIt: ({ store, root }) =>
        rewriteInventory(store, root, (inv) => {
          const d = digestOf(inv, 'v1/content/metadata.json');
          inv.versions.v2.state[d].push('masters/01.tif/metadata.json');
        }),
    },
    {
      name: 'key the specification does not define',
      code: 'E102',
      path: 'inventory.json',
      mentions: 'ingestId',
      breakIt: ({ store, root }) => rewriteInventory(store, root, (inv) => void (inv.ingestId = 'in-42')),
    },
    {
      name: 'state digest missing from the manifest',
      code: 'E050',
      path: 'inventory.json',
      breakIt: ({ store, root }) => rewriteInventory(store, root, (inv) => void (inv.versions.v2.state[sha512('nowhere')] = ['lost.tif'])),
    },
  ];

  it.each(cases)('$name → $code', async ({ code, path, checkDigests, mentions, breakIt }) => {
    const o = await validObject();
    await breakIt(o);
    const report = await validateObject(o.store, o.root, { checkDigests: checkDigests ?? false });
    const hit = report.errors.find((e) => e.code === code && e.path === path);
    expect(hit, JSON.stringify(report.errors, null, 2)).toBeDefined();
    expect(hit!.message).toMatch(/\w+ \w+/);
    if (mentions) expect(hit!.message).toContain(mentions);
  });

  it('does not read content without checkDigests, so bit rot goes unseen', async () => {
    const o = await validObject();
    await o.store.put(`${o.root}/v1/content/masters/02.tif`, Buffer.from('bit rot'));
    expect((await validateObject(o.store, o.root)).errors).toEqual([]);
  });

  it('warns when a version has no inventory of its own', async () => {
    const o = await validObject();
    await o.store.delete([`${o.root}/v1/inventory.json`, `${o.root}/v1/inventory.json.sha512`]);
    const report = await validateObject(o.store, o.root);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toContainEqual(expect.objectContaining({ code: 'W010', path: 'v1/inventory.json' }));
  });
});

describe('validateInventory', () => {
  async function inventory(): Promise<Loose> {
    const { v2 } = await validObject();
    return structuredClone(v2);
  }
  /** Renames a version everywhere it occurs: versions key, content paths, head. */
  function renameVersion(inv: Loose, from: string, to: string): Loose {
    const out = JSON.parse(JSON.stringify(inv).replaceAll(`"${from}/`, `"${to}/`));
    out.versions[to] = out.versions[from];
    delete out.versions[from];
    if (out.head === from) out.head = to;
    return out;
  }

  const cases: Array<{ name: string; codes: string[]; change: (inv: Loose) => Loose | undefined }> = [
    { name: 'unknown top-level key', codes: ['E102'], change: (inv) => void (inv.extra = 1) },
    { name: 'wrong type', codes: ['E038'], change: (inv) => void (inv.type = 'https://ocfl.io/1.0/spec/#inventory') },
    { name: 'missing id', codes: ['E036'], change: (inv) => void delete inv.id },
    { name: 'unsupported digest algorithm', codes: ['E025'], change: (inv) => void (inv.digestAlgorithm = 'md5') },
    { name: 'head not the last version', codes: ['E040'], change: (inv) => void (inv.head = 'v1') },
    { name: 'version gap', codes: ['E010'], change: (inv) => renameVersion(inv, 'v2', 'v3') },
    { name: 'sequence not starting at v1', codes: ['E009'], change: (inv) => renameVersion(renameVersion(inv, 'v2', 'v3'), 'v1', 'v2') },
    { name: 'padded and unpadded names mixed', codes: ['E012'], change: (inv) => renameVersion(inv, 'v2', 'v02') },
    { name: 'not a version name', codes: ['E104'], change: (inv) => void (inv.versions.version3 = inv.versions.v2) },
    { name: 'created without a time zone', codes: ['E049'], change: (inv) => void (inv.versions.v1.created = '2026-11-21T10:00:00') },
    {
      name: 'created on a day that does not exist',
      codes: ['E049'],
      change: (inv) => void (inv.versions.v1.created = '2026-02-30T10:00:00Z'),
    },
    { name: 'user without a name', codes: ['E054'], change: (inv) => void (inv.versions.v1.user = { address: 'mailto:x@example.org' }) },
    { name: 'message that is not a string', codes: ['E094'], change: (inv) => void (inv.versions.v1.message = 42) },
    { name: 'version without state', codes: ['E048', 'E107'], change: (inv) => void delete inv.versions.v2.state },
    {
      name: 'digest of the wrong length',
      codes: ['E031'],
      change: (inv) => {
        const d = digestOf(inv, 'v1/content/metadata.json');
        return JSON.parse(JSON.stringify(inv).replaceAll(`"${d}"`, `"${d.slice(0, 64)}"`));
      },
    },
    {
      name: 'same digest twice, differing in case',
      codes: ['E096'],
      change: (inv) => {
        const d = digestOf(inv, 'v1/content/metadata.json');
        inv.manifest[d.toUpperCase()] = ['v2/content/metadata.json'];
        inv.versions.v2.state[d.toUpperCase()] = ['copy.json'];
      },
    },
    {
      name: 'content path with a ".." segment',
      codes: ['E099'],
      change: (inv) => JSON.parse(JSON.stringify(inv).replaceAll('"v1/content/metadata.json"', '"v1/content/../metadata.json"')),
    },
    {
      name: 'content path outside a content directory',
      codes: ['E042'],
      change: (inv) => JSON.parse(JSON.stringify(inv).replaceAll('"v1/content/metadata.json"', '"v1/metadata.json"')),
    },
    {
      name: 'content path listed twice',
      codes: ['E101'],
      change: (inv) => void inv.manifest[digestOf(inv, 'v1/content/metadata.json')].push('v1/content/metadata.json'),
    },
    {
      name: 'logical path with a leading slash',
      codes: ['E053'],
      change: (inv) => void inv.versions.v1.state[digestOf(inv, 'v1/content/metadata.json')].push('/abs.json'),
    },
    {
      name: 'logical path with an empty segment',
      codes: ['E052'],
      change: (inv) => void inv.versions.v1.state[digestOf(inv, 'v1/content/metadata.json')].push('a//b.json'),
    },
    {
      name: 'logical path both file and directory',
      codes: ['E095'],
      change: (inv) => void inv.versions.v1.state[digestOf(inv, 'v1/content/metadata.json')].push('metadata.json/inner.json'),
    },
    { name: 'state digest not in the manifest', codes: ['E050'], change: (inv) => void (inv.versions.v1.state[sha512('x')] = ['x.tif']) },
    {
      name: 'manifest entry no version uses',
      codes: ['E107'],
      change: (inv) => void (inv.manifest[sha512('orphan')] = ['v2/content/orphan.tif']),
    },
    { name: 'bad contentDirectory', codes: ['E017'], change: (inv) => void (inv.contentDirectory = 'a/b') },
    { name: 'fixity with an unknown algorithm', codes: ['E056'], change: (inv) => void (inv.fixity.crc32 = {}) },
    {
      name: 'fixity path not in the manifest',
      codes: ['E057'],
      change: (inv) => void (inv.fixity.md5[createHash('md5').update('x').digest('hex')] = ['v2/content/nothing.tif']),
    },
    { name: 'fixity that is not an object', codes: ['E111'], change: (inv) => void (inv.fixity = []) },
  ];

  it('passes the inventory nextInventory builds', async () => {
    const r = validateInventory(await inventory());
    expect(r.errors).toEqual([]);
  });

  it.each(cases)('$name → $codes', async ({ codes: expected, change }) => {
    const inv = await inventory();
    const changed = change(inv) ?? inv;
    const r = validateInventory(changed, { where: 'v2/inventory.json' });
    expect(codes(r.errors), JSON.stringify(r.errors, null, 2)).toEqual(expected);
    for (const e of r.errors) expect(e.path).toBe('v2/inventory.json');
  });

  it('rejects what is not an inventory at all', () => {
    expect(codes(validateInventory(null).errors)).toEqual(['E033']);
    expect(codes(validateInventory([]).errors)).toEqual(['E033']);
    expect(codes(validateInventory({}).errors).sort()).toEqual(['E036', 'E036', 'E036', 'E036', 'E041', 'E043'].sort());
  });

  it('is not fooled by keys named like Object.prototype members', async () => {
    const inv = await inventory();
    inv.versions.v1.state.constructor = ['ctor.tif'];
    expect(codes(validateInventory(inv).errors)).toEqual(['E050']);
  });

  it('warns about SHOULDs: no message or user, no address, zero-padded names', async () => {
    const inv = renameVersion(renameVersion(await inventory(), 'v1', 'v01'), 'v2', 'v02');
    delete inv.versions.v01.message;
    delete inv.versions.v02.user.address;
    const r = validateInventory(inv);
    expect(r.errors).toEqual([]);
    expect(codes(r.warnings).sort()).toEqual(['W001', 'W005', 'W007', 'W008']);
  });
});

describe('validateStorageRoot', () => {
  it('passes a storage root with valid objects', async () => {
    const { store } = await validObject();
    const other = objectRootPath('qezet-1937-01');
    await addVersion(store, other, 'qezet-1937-01', null, { 'masters/01.tif': Buffer.from('front page') });
    const r = await validateStorageRoot(store, { checkDigests: true });
    expect(r.errors).toEqual([]);
    expect(r.objects.map((o) => o.objectRoot).sort()).toEqual([objectRootPath(ID), other].sort());
    expect(r.objects.every((o) => o.checkedFiles > 0)).toBe(true);
  });

  const cases: Array<{
    name: string;
    code: string;
    mentions?: string;
    breakIt: (o: Awaited<ReturnType<typeof validObject>>) => Promise<void>;
  }> = [
    {
      name: 'storage root declaration missing',
      code: 'E069',
      breakIt: ({ store }) => store.delete(['0=ocfl_1.1']),
    },
    {
      name: 'storage root declaration with the wrong text',
      code: 'E080',
      breakIt: ({ store }) => store.put('0=ocfl_1.1', Buffer.from('ocfl_1.1 \n')),
    },
    {
      name: 'ocfl_layout.json without a description',
      code: 'E070',
      breakIt: ({ store }) => store.put('ocfl_layout.json', Buffer.from('{"extension":"0003-hash-and-id-n-tuple-storage-layout"}')),
    },
    {
      name: 'partial object: content and an inventory but no declaration',
      code: 'E072',
      mentions: `incomplete object at ${objectRootPath('half-done')}/`,
      breakIt: async ({ store }) => {
        const root = objectRootPath('half-done');
        await store.put(`${root}/v1/content/masters/01.tif`, Buffer.from('page'));
        await store.put(`${root}/v1/inventory.json`, Buffer.from('{}'));
      },
    },
    {
      name: 'file in an intermediate directory of the hierarchy',
      code: 'E084',
      mentions: 'README.txt',
      breakIt: ({ store, root }) => store.put(`${root.split('/').slice(0, 2).join('/')}/README.txt`, Buffer.from('hi')),
    },
    {
      name: 'file directly in extensions/',
      code: 'E112',
      breakIt: ({ store }) => store.put('extensions/notes.txt', Buffer.from('hi')),
    },
    {
      name: 'object nested in another object',
      code: 'E082',
      breakIt: ({ store, root }) => store.put(`${root}/v1/content/inner/${OBJECT_NAMASTE.name}`, Buffer.from(OBJECT_NAMASTE.body)),
    },
    {
      name: 'object stored where the layout does not put its id (and so twice)',
      code: 'E083',
      breakIt: async ({ store, root }) => {
        for (const k of store.keys().filter((k) => k.startsWith(`${root}/`)))
          await store.put(`000/000/000/copy/${k.slice(root.length + 1)}`, (await store.getBuffer(k))!);
      },
    },
    {
      name: 'an object error, located from the storage root',
      code: 'E092',
      mentions: 'v1/content/masters/01.tif',
      breakIt: ({ store, root }) => store.delete([`${root}/v1/content/masters/01.tif`]),
    },
  ];

  it.each(cases)('$name → $code', async ({ code, mentions, breakIt }) => {
    const o = await validObject();
    await breakIt(o);
    const r = await validateStorageRoot(o.store);
    const hit = r.errors.find((e) => e.code === code);
    expect(hit, JSON.stringify(r.errors, null, 2)).toBeDefined();
    if (mentions) expect(hit!.message).toContain(mentions);
  });

  it('gives object findings paths from the storage root', async () => {
    const o = await validObject();
    await o.store.delete([`${o.root}/v1/content/masters/01.tif`]);
    const r = await validateStorageRoot(o.store);
    expect(r.errors).toContainEqual(expect.objectContaining({ code: 'E092', path: `${o.root}/v1/content/masters/01.tif` }));
    expect(r.objects[0]!.errors).toContainEqual(expect.objectContaining({ code: 'E092', path: 'v1/content/masters/01.tif' }));
  });

  it('reports a missing object declaration both as a partial object and by not validating it', async () => {
    const o = await validObject();
    await o.store.delete([`${o.root}/${OBJECT_NAMASTE.name}`]);
    const r = await validateStorageRoot(o.store);
    expect(r.objects).toEqual([]);
    expect(r.errors).toEqual([expect.objectContaining({ code: 'E072' })]);
    expect(r.errors[0]!.message).toContain(`incomplete object at ${o.root}/`);
  });
});
