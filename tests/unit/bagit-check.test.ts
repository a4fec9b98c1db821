import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBag } from '../helpers/bagit-check.js';

// Bags are written by hand here, byte by byte as RFC 8493 lays them out, so the validator is tested
// against the spec and not against another implementation's output.

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

const hex = (alg: string, bytes: string | Buffer) => createHash(alg).update(bytes).digest('hex');

/** Manifest paths percent-encode "%", LF and CR (RFC 8493 §2.1.3); "%" first so the others are not re-encoded. */
const encodePath = (p: string) => p.replaceAll('%', '%25').replaceAll('\n', '%0A').replaceAll('\r', '%0D');

const PAYLOAD: Record<string, string> = {
  'data/plain.txt': 'hello bag\n',
  'data/my файл.txt': 'Cyrillic and a space\n',
  'data/sub/deeper/page-1.txt': 'in a subfolder\n',
};

/**
 * Writes a valid bag: bagit.txt, the payload, a manifest per algorithm, bag-info.txt with the right
 * Payload-Oxum, and tagmanifest-sha256.txt over every other tag file.
 */
async function makeBag(payload: Record<string, string> = PAYLOAD, algs = ['sha256', 'sha512']): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bagit-check-'));
  dirs.push(dir);
  const write = async (rel: string, text: string) => {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), text);
  };
  await write('bagit.txt', 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
  for (const [rel, text] of Object.entries(payload)) await write(rel, text);
  const manifest = (alg: string, files: string[], read: (f: string) => string) =>
    files.map((f) => `${hex(alg, read(f))}  ${encodePath(f)}\n`).join('');
  for (const alg of algs)
    await write(
      `manifest-${alg}.txt`,
      manifest(alg, Object.keys(payload), (f) => payload[f]!),
    );
  const octets = Object.values(payload).reduce((n, t) => n + Buffer.byteLength(t), 0);
  await write(
    'bag-info.txt',
    `Source-Organization: Test Archive\nExternal-Description: A bag written by hand for the\n  validator's own tests\nPayload-Oxum: ${octets}.${Object.keys(payload).length}\nBag-Size: tiny\nContact-Name: First\nContact-Name: Second\n`,
  );
  const tagFiles = ['bagit.txt', 'bag-info.txt', ...algs.map((a) => `manifest-${a}.txt`)];
  const tagText = await Promise.all(tagFiles.map((f) => fs.readFile(path.join(dir, f), 'utf8')));
  await write(
    'tagmanifest-sha256.txt',
    manifest('sha256', tagFiles, (f) => tagText[tagFiles.indexOf(f)]!),
  );
  return dir;
}

const SHA512_UNMATCHED = 'manifest-sha512.txt: there is no tagmanifest-sha512.txt to match it';

/** Rewrites one tag file in place (the tag manifest is left as it was, so the change shows). */
async function edit(dir: string, file: string, change: (text: string) => string): Promise<void> {
  const p = path.join(dir, file);
  await fs.writeFile(p, change(await fs.readFile(p, 'utf8')));
}

describe('the BagIt check', () => {
  it('passes a valid bag and reports its declaration, bag-info and payload digests', async () => {
    const dir = await makeBag();
    const bag = await checkBag(dir);
    expect(bag.errors).toEqual([]);
    // Only tagmanifest-sha256.txt is written, so the sha512 payload manifest has no tag-manifest twin.
    expect(bag.warnings).toEqual([SHA512_UNMATCHED]);
    expect(bag).toMatchObject({ valid: true, complete: true, version: '1.0', encoding: 'UTF-8' });
    expect(bag.info).toEqual([
      ['Source-Organization', 'Test Archive'],
      ['External-Description', "A bag written by hand for the validator's own tests"],
      ['Payload-Oxum', expect.stringMatching(/^\d+\.3$/)],
      ['Bag-Size', 'tiny'],
      ['Contact-Name', 'First'],
      ['Contact-Name', 'Second'],
    ]);
    expect([...bag.payload.keys()].sort()).toEqual(Object.keys(PAYLOAD).sort());
    expect(bag.payload.get('data/my файл.txt')).toEqual({
      sha256: hex('sha256', PAYLOAD['data/my файл.txt']!),
      sha512: hex('sha512', PAYLOAD['data/my файл.txt']!),
    });
  });

  it('fails a wrong payload digest, naming the file', async () => {
    const dir = await makeBag();
    const wrong = hex('sha256', 'something else');
    await edit(dir, 'manifest-sha256.txt', (t) => t.replace(hex('sha256', PAYLOAD['data/plain.txt']!), wrong));
    const bag = await checkBag(dir);
    expect(bag.valid).toBe(false);
    expect(bag.complete).toBe(true);
    expect(bag.errors).toContainEqual(expect.stringMatching(/^data\/plain\.txt: sha256 digest does not match manifest-sha256\.txt/));
  });

  it('accepts uppercase hex digests', async () => {
    const dir = await makeBag(PAYLOAD, ['sha256']);
    await edit(dir, 'manifest-sha256.txt', (t) => t.replace(/^[0-9a-f]+/gm, (d) => d.toUpperCase()));
    await edit(dir, 'tagmanifest-sha256.txt', (t) => t.replace(/^.*manifest-sha256\.txt\n/m, ''));
    const bag = await checkBag(dir);
    expect(bag.errors).toEqual([]);
    expect(bag.payload.get('data/plain.txt')?.sha256).toBe(hex('sha256', PAYLOAD['data/plain.txt']!));
  });

  it('fails when a listed payload file is missing', async () => {
    const dir = await makeBag();
    await fs.rm(path.join(dir, 'data/sub/deeper/page-1.txt'));
    const bag = await checkBag(dir);
    expect(bag).toMatchObject({ valid: false, complete: false });
    expect(bag.errors).toContain('manifest-sha256.txt: lists data/sub/deeper/page-1.txt, which does not exist');
    expect(bag.errors).toContain('manifest-sha512.txt: lists data/sub/deeper/page-1.txt, which does not exist');
  });

  it('fails when a payload file is not in every manifest, hidden files included', async () => {
    const dir = await makeBag();
    await fs.writeFile(path.join(dir, 'data/sub/.hidden'), 'not listed');
    const bag = await checkBag(dir);
    expect(bag).toMatchObject({ valid: false, complete: false });
    expect(bag.errors).toContain('data/sub/.hidden: payload file is not listed in manifest-sha256.txt');
    expect(bag.errors).toContain('data/sub/.hidden: payload file is not listed in manifest-sha512.txt');
  });

  it('fails a Payload-Oxum that does not match the payload', async () => {
    const dir = await makeBag();
    await edit(dir, 'bag-info.txt', (t) => t.replace(/Payload-Oxum: \d+\.3/, 'Payload-Oxum: 1.3'));
    const bag = await checkBag(dir);
    expect(bag.valid).toBe(false);
    expect(bag.errors).toContainEqual(expect.stringMatching(/^bag-info\.txt: Payload-Oxum is 1\.3, but the payload is \d+\.3/));
  });

  it('warns, but still passes, when a tag file is not in the tag manifest', async () => {
    const dir = await makeBag();
    await fs.writeFile(path.join(dir, 'notes.txt'), 'an extra tag file\n');
    const bag = await checkBag(dir);
    expect(bag.valid).toBe(true);
    expect(bag.warnings).toEqual(['notes.txt: tag file is not listed in tagmanifest-sha256.txt', SHA512_UNMATCHED]);
  });

  it('warns when a payload manifest algorithm has no matching tag manifest', async () => {
    const dir = await makeBag();
    expect((await checkBag(dir)).warnings).toEqual([SHA512_UNMATCHED]);
    const tagFiles = ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'manifest-sha512.txt'];
    const lines = await Promise.all(tagFiles.map(async (f) => `${hex('sha512', await fs.readFile(path.join(dir, f)))}  ${f}\n`));
    await fs.writeFile(path.join(dir, 'tagmanifest-sha512.txt'), lines.join(''));
    const after = await checkBag(dir);
    expect(after.errors).toEqual([]);
    expect(after.warnings).toEqual([]);
  });

  it('fails a tag manifest entry with a wrong digest, and one naming a file that does not exist', async () => {
    const dir = await makeBag();
    await edit(dir, 'tagmanifest-sha256.txt', (t) =>
      t.replace(/^[0-9a-f]{64}(?= {2}bag-info\.txt$)/m, '0'.repeat(64)).concat(`${'1'.repeat(64)}  gone.txt\n`),
    );
    const bag = await checkBag(dir);
    expect(bag.valid).toBe(false);
    expect(bag.errors).toContainEqual(expect.stringMatching(/^bag-info\.txt: sha256 digest does not match tagmanifest-sha256\.txt/));
    expect(bag.errors).toContain('tagmanifest-sha256.txt: lists gone.txt, which does not exist');
  });

  it('fails a tag manifest that lists a payload file', async () => {
    const dir = await makeBag();
    await edit(dir, 'tagmanifest-sha256.txt', (t) => `${t}${hex('sha256', PAYLOAD['data/plain.txt']!)}  data/plain.txt\n`);
    const bag = await checkBag(dir);
    expect(bag.errors).toContainEqual(expect.stringMatching(/^tagmanifest-sha256\.txt: line \d+: "data\/plain\.txt" is a payload file/));
  });

  it.each([
    ['a wrong version line', 'BagIt-Version: one\nTag-File-Character-Encoding: UTF-8\n', /bagit\.txt: line 1 must be/],
    ['another encoding', 'BagIt-Version: 1.0\nTag-File-Character-Encoding: ISO-8859-1\n', /bagit\.txt: line 2 must be/],
    ['the lines swapped', 'Tag-File-Character-Encoding: UTF-8\nBagIt-Version: 1.0\n', /bagit\.txt: line 1 must be/],
    [
      'a third line',
      'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\nExtra: yes\n',
      /bagit\.txt: must have exactly two lines, has 3/,
    ],
    ['a byte-order mark', '\uFEFFBagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n', /bagit\.txt: starts with a byte-order mark/],
  ])('fails a bagit.txt with %s', async (_, text, error) => {
    const dir = await makeBag();
    await fs.writeFile(path.join(dir, 'bagit.txt'), text);
    const bag = await checkBag(dir);
    expect(bag).toMatchObject({ valid: false, complete: false });
    expect(bag.errors).toContainEqual(expect.stringMatching(error));
  });

  it('fails a bag without bagit.txt, data/ or a payload manifest', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bagit-check-'));
    dirs.push(dir);
    const bag = await checkBag(dir);
    expect(bag.valid).toBe(false);
    expect(bag.errors).toEqual([
      'bagit.txt: the bag declaration is missing',
      'data/: the payload directory does not exist',
      'manifest-<algorithm>.txt: the bag has no payload manifest',
    ]);
  });

  it('fails manifest paths that escape the bag or leave data/', async () => {
    const dir = await makeBag(PAYLOAD, ['sha256']);
    const d = hex('sha256', 'x');
    await edit(dir, 'manifest-sha256.txt', (t) => `${t}${d}  /etc/passwd\n${d}  data/../bagit.txt\n${d}  bag-info.txt\ngarbage\n`);
    const errors = (await checkBag(dir)).errors;
    expect(errors).toContain('manifest-sha256.txt: line 4: "/etc/passwd" is absolute');
    expect(errors).toContain('manifest-sha256.txt: line 5: "data/../bagit.txt" contains ".."');
    expect(errors).toContain('manifest-sha256.txt: line 6: "bag-info.txt" is not under data/');
    expect(errors).toContain('manifest-sha256.txt: line 7 is not "<digest> <path>": "garbage"');
  });

  it('round-trips paths with %0A, %0D and %25 in the manifest', async () => {
    const payload = { 'data/line\nbreak.txt': 'two\nlines\n', 'data/100%.txt': 'percent\n', 'data/odd\r.txt': 'cr\n' };
    const dir = await makeBag(payload, ['sha256']);
    const manifest = await fs.readFile(path.join(dir, 'manifest-sha256.txt'), 'utf8');
    expect(manifest).toContain('  data/line%0Abreak.txt\n');
    expect(manifest).toContain('  data/100%25.txt\n');
    const bag = await checkBag(dir);
    expect(bag.errors).toEqual([]);
    expect(bag.valid).toBe(true);
    expect([...bag.payload.keys()].sort()).toEqual(Object.keys(payload).sort());
    expect(bag.payload.get('data/line\nbreak.txt')).toEqual({ sha256: hex('sha256', 'two\nlines\n') });
  });
});
