import { describe, expect, it } from 'vitest';
import { manifestKind, parseManifest, parseTagFile } from '../../src/domain/fixity-manifest.js';

const H32 = 'd41d8cd98f00b204e9800998ecf8427e';
const H64 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('manifest names', () => {
  it.each([
    ['manifest-sha512.txt', { kind: 'bagit', algorithm: 'sha512' }],
    ['tagmanifest-md5.txt', { kind: 'tagmanifest', algorithm: 'md5' }],
    ['SHA256SUMS', { kind: 'sums', algorithm: 'sha256' }],
    ['md5sum.txt', { kind: 'sums', algorithm: 'md5' }],
    ['checksums.txt', { kind: 'sums' }],
    ['checksums.md5', { kind: 'sums', algorithm: 'md5' }],
    ['kitab.sha256', { kind: 'sums', algorithm: 'sha256' }],
  ])('%s', (name, kind) => expect(manifestKind(name, ['1.tif'])).toEqual(kind));

  it('a digest file named after a page is that page’s sidecar', () => {
    expect(manifestKind('1.tif.md5', ['1.tif', '1.tif.md5'])).toEqual({ kind: 'sidecar', algorithm: 'md5', stem: '1.tif' });
    expect(manifestKind('0001.md5', ['0001.tif'])).toEqual({ kind: 'sidecar', algorithm: 'md5', stem: '0001' });
    expect(manifestKind('0001.tif', [])).toBeUndefined();
    expect(manifestKind('metadata.json', [])).toBeUndefined();
  });
});

describe('manifest lines', () => {
  it('reads coreutils text and binary mode, BSD tags, escaped names, comments and CRLF', () => {
    const text = `# made at station 3\r\n${H64}  1.tif\r\n${H64} *2 page.tif\n\\${H64}  a\\nb.tif\nSHA256 (3.tif) = ${H64.toUpperCase()}\n`;
    const r = parseManifest(text, { form: 'sums' });
    expect(r.bad).toEqual([]);
    expect(r.entries.map((e) => e.path)).toEqual(['1.tif', '2 page.tif', 'a\nb.tif', '3.tif']);
    expect(new Set(r.entries.map((e) => e.algorithm))).toEqual(new Set(['sha256']));
    expect(r.entries[3]!.digest).toBe(H64);
  });

  it('reads BagIt paths with their percent-encoding', () => {
    const r = parseManifest(`${H32} data/a%0Ab%25.tif\n${H32}\tdata/./x.tif\n`, { form: 'bagit', algorithm: 'md5' });
    expect(r.entries.map((e) => e.path)).toEqual(['data/a\nb%.tif', 'data/./x.tif']);
  });

  it('reports lines it cannot read and digests of the wrong length, with their line numbers', () => {
    const r = parseManifest(`${H32}  1.tif\nhello world\n${H64}  2.tif\n`, { form: 'sums', algorithm: 'md5' });
    expect(r.bad.map((b) => b.line)).toEqual([2, 3]);
    expect(r.bad[1]!.why).toMatch(/MD5 digest has 32 hex digits, this one 64/);
  });

  it('a sidecar may hold the digest alone', () => {
    expect(parseManifest(`${H32}\n`, { form: 'sidecar', algorithm: 'md5' }).entries).toEqual([{ path: '', algorithm: 'md5', digest: H32 }]);
  });
});

describe('bag-info.txt', () => {
  it('keeps labels in order, repeated ones, and continuation lines', () => {
    expect(
      parseTagFile('Source-Organization: ANL\nExternal-Description: a long\n  description\nContact-Name: A\nContact-Name: B\n'),
    ).toEqual([
      ['Source-Organization', 'ANL'],
      ['External-Description', 'a long description'],
      ['Contact-Name', 'A'],
      ['Contact-Name', 'B'],
    ]);
  });
});
