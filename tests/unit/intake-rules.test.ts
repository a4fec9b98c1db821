import { describe, expect, it } from 'vitest';
import { type InboxSnapshot, isIgnoredTopLevel, type ListedEntry } from '../../src/domain/inbox.js';
import { rejectionText } from '../../src/domain/staging.js';
import { type ArrivalState, decideArrivals, layoutItem, unsafeNameReason } from '../../src/intake/rules.core.js';
import { maxNameBytes } from '../../src/storage/name-limits.js';
import { objectRootPath } from '../../src/storage/ocfl.core.js';

const snap = (name: string, signature: string, marked = false): InboxSnapshot => ({ name, kind: 'dir', signature, marked });

describe('decideArrivals (quiet mode)', () => {
  const rule = { mode: 'quiet' as const, quietMs: 1000 };
  it.each([
    { what: 'first sight is never ready', prev: undefined, sig: 'a', now: 5000, ready: false },
    { what: 'unchanged but not yet quiet long enough', prev: { signature: 'a', since: 4500 }, sig: 'a', now: 5000, ready: false },
    { what: 'unchanged for the quiet period', prev: { signature: 'a', since: 4000 }, sig: 'a', now: 5000, ready: true },
    { what: 'changed: the quiet clock restarts', prev: { signature: 'a', since: 0 }, sig: 'b', now: 5000, ready: false },
  ])('$what', ({ prev, sig, now, ready }) => {
    const state = new Map<string, ArrivalState>(prev ? [['x', prev]] : []);
    const r = decideArrivals([snap('x', sig)], state, now, rule);
    expect(r.ready).toEqual(ready ? ['x'] : []);
    expect(r.state.get('x')!.signature).toBe(sig);
  });

  it('forgets entries that disappeared', () => {
    const r = decideArrivals([], new Map([['gone', { signature: 'a', since: 0 }]]), 10, rule);
    expect(r.state.size).toBe(0);
  });
});

describe('decideArrivals (marker mode)', () => {
  const rule = { mode: 'marker' as const, quietMs: 1_000_000 };
  it('waits for the marker, then for one stable scan', () => {
    let r = decideArrivals([snap('x', 'a', false)], new Map(), 0, rule);
    expect(r.ready).toEqual([]);
    r = decideArrivals([snap('x', 'b', true)], r.state, 10, rule);
    expect(r.ready).toEqual([]);
    r = decideArrivals([snap('x', 'b', true)], r.state, 20, rule);
    expect(r.ready).toEqual(['x']);
  });
});

describe('names', () => {
  it.each([
    ['ordinary name.tif', undefined],
    ['Şəki İçərişəhər ж.tif', undefined],
    ['line\nbreak.tif', 'control'],
    ['tab\there.tif', 'control'],
    ['back\\slash.tif', 'backslash'],
    ['a/../b.tif', '".."'],
  ])('%j → %s', (name, expected) => {
    const r = unsafeNameReason(name);
    if (expected === undefined) expect(r).toBeUndefined();
    else expect(r).toContain(expected);
  });

  it.each([
    ['.rsync-temp.XyZ', true],
    ['~$document.docx', true],
    ['photo.tif.READY', true],
    ['photo.tif', false],
    ['Kitab 1', false],
  ])('top-level %j ignored: %s', (name, ignored) => {
    expect(isIgnoredTopLevel(name, 'READY')).toBe(ignored);
  });
});

const file = (p: string, size = 10, kind: ListedEntry['kind'] = 'file'): ListedEntry => ({ path: p, kind, size, mtimeMs: 0 });

describe('layoutItem', () => {
  it('orders pages naturally and sets metadata, litter and the marker aside', () => {
    const r = layoutItem(
      'book',
      'dir',
      [file('10.tif'), file('2.tif'), file('1.tif'), file('metadata.json'), file('.DS_Store'), file('Thumbs.db'), file('READY')],
      'READY',
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.layout.pages.map((p) => p.path)).toEqual(['1.tif', '2.tif', '10.tif']);
    expect(r.layout.metadataFile?.path).toBe('metadata.json');
    expect(r.layout.ignored).toEqual(['.DS_Store', 'READY', 'Thumbs.db']);
  });

  it.each([
    { what: 'an empty folder', top: 'dir' as const, entries: [], code: 'EMPTY_ITEM' },
    { what: 'a folder with only metadata', top: 'dir' as const, entries: [file('metadata.json')], code: 'EMPTY_ITEM' },
    { what: 'an empty page', top: 'dir' as const, entries: [file('1.tif', 0)], code: 'EMPTY_FILE' },
    { what: 'an empty single file', top: 'file' as const, entries: [file('book', 0)], code: 'EMPTY_FILE' },
    { what: 'a symlink inside', top: 'dir' as const, entries: [file('1.tif'), file('2.tif', 10, 'symlink')], code: 'SYMLINK' },
    { what: 'a symlink as the item', top: 'symlink' as const, entries: [file('book', 10, 'symlink')], code: 'SYMLINK' },
    {
      what: 'a nested folder',
      top: 'dir' as const,
      entries: [file('1.tif'), file('sub', 0, 'dir'), file('sub/2.tif')],
      code: 'NESTED_FOLDER',
    },
    { what: 'a control character in a page name', top: 'dir' as const, entries: [file('1\n.tif')], code: 'UNSAFE_NAME' },
    {
      what: 'a name that is not UTF-8',
      top: 'dir' as const,
      entries: [{ ...file('bad\u00e9.tif'), badEncoding: true }],
      code: 'UNSAFE_NAME',
    },
    { what: 'a device or pipe', top: 'dir' as const, entries: [file('fifo', 0, 'other')], code: 'SPECIAL_FILE' },
  ])('rejects $what', ({ top, entries, code }) => {
    const r = layoutItem('book', top, entries, 'READY');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.code)).toContain(code);
    for (const p of r.problems) {
      expect(p.message.length).toBeGreaterThan(10);
      expect(p.hint.length).toBeGreaterThan(10);
    }
  });

  it('reports every problem of an item at once, naming each file', () => {
    const r = layoutItem('book', 'dir', [file('1.tif', 0), file('2.tif', 10, 'symlink'), file('3.tif')], 'READY');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => [p.code, p.file])).toEqual([
      ['EMPTY_FILE', '1.tif'],
      ['SYMLINK', '2.tif'],
    ]);
  });
});

describe('limits', () => {
  const limits = { nameBytes: 233, pages: 3 };
  it('rejects a page whose name no store can keep, saying how long it is and how long it may be', () => {
    const long = `${'ş'.repeat(120)}-1.tif`; // 126 characters, 246 bytes (ş is two)
    const r = layoutItem('kitab', 'dir', [file(long), file('2.tif')], 'READY', { limits });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([
      expect.objectContaining({
        code: 'NAME_TOO_LONG',
        file: long,
        message: expect.stringMatching(/is 246 bytes long.*at most 233 bytes/),
      }),
    ]);
    expect(layoutItem('kitab', 'dir', [file(`${'s'.repeat(200)}.tif`)], 'READY', { limits }).ok).toBe(true);
  });

  it('rejects a single file whose name is too long, once', () => {
    const name = `${'a'.repeat(240)}.tif`;
    const r = layoutItem(name, 'file', [file(name)], 'READY', { limits });
    expect(r.ok ? [] : r.problems.map((p) => p.code)).toEqual(['NAME_TOO_LONG']);
  });

  it('rejects an item with more page files than the limit', () => {
    const r = layoutItem(
      'kitab',
      'dir',
      ['1.tif', '2.tif', '3.tif', '4.tif'].map((n) => file(n)),
      'READY',
      { limits },
    );
    expect(r.ok ? [] : r.problems.map((p) => [p.code, p.message])).toEqual([
      ['TOO_MANY_PAGES', 'The item has 4 pages; an item may have at most 3 (YADDAS_MAX_PAGES).'],
    ]);
  });
});

describe('how long a name may be', () => {
  const base = {
    objectId: 'kitab-1935-001',
    itemName: 'Kitab 1935',
    areas: ['/srv/yaddas/data/staging', '/srv/yaddas/data/done', '/srv/scans/rejected'],
  };
  it('leaves room for what the embedded S3 server adds to each name', () => {
    expect(maxNameBytes({ ...base, embeddedS3: true })).toBe(255 - '._S3rver_metadata.json'.length);
    expect(maxNameBytes({ ...base, embeddedS3: false })).toBe(255);
  });

  it('keeps the whole key within 1024 bytes, whatever the identifier (the object root is at most 177 bytes)', () => {
    const objectId = `kitab.${'x.'.repeat(47)}1`; // each . is percent-encoded in the object root
    const prefix = Buffer.byteLength(`${objectRootPath(objectId)}/v999999/content/masters/`);
    expect(prefix).toBeLessThanOrEqual(12 + 165 + 25);
    expect(maxNameBytes({ ...base, objectId, embeddedS3: false })).toBe(Math.min(255, 1024 - prefix));
  });

  it('keeps local paths within 4095 bytes for deep folders', () => {
    const deep = `/${'d'.repeat(200)}`.repeat(19);
    expect(maxNameBytes({ ...base, embeddedS3: false, areas: [deep] })).toBeLessThan(255);
  });
});

describe('REJECTED.txt', () => {
  it('says what, which file and what to do', () => {
    const text = rejectionText({
      name: 'Kitab',
      ingestId: '20261123T000000Z-kitab-abcdef',
      at: new Date('2026-11-23T00:00:00Z'),
      problems: [{ code: 'CORRUPT_FILE', file: '3.tif', message: 'The file cannot be read as an image.', hint: 'Scan this page again.' }],
    });
    expect(text).toContain('"Kitab"');
    expect(text).toContain('3.tif: The file cannot be read as an image.');
    expect(text).toContain('What to do: Scan this page again.');
    expect(text).toContain('Nothing was deleted');
  });
});
