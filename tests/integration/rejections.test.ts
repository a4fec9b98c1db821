/**
 * Bad input gets a clear reason in plain words and the item is kept, byte for byte, in the
 * rejected area; nothing else in the same batch is disturbed; no worker crashes.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { pageImage, pngBomb, sha512, tinyPdf, truncate, until, writeItem } from '../helpers/fixtures.js';

const exec = promisify(execFile);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ watch: true, env: { YADDAS_MAX_PIXELS: '100000000' } });
});
afterAll(async () => {
  await h?.stop();
});

/** Every regular file under a folder (or the file itself), by relative path, with its digest. */
async function snapshot(p: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const st = await fs.lstat(p);
  if (st.isSymbolicLink()) return { '': `link→${await fs.readlink(p)}` };
  if (st.isFile()) return { '': sha512(await fs.readFile(p)) };
  for (const e of await fs.readdir(p, { recursive: true, withFileTypes: true })) {
    const full = path.join(e.parentPath, e.name);
    const rel = path.relative(p, full);
    if (e.isSymbolicLink()) out[rel] = `link→${await fs.readlink(full)}`;
    else if (e.isFile()) out[rel] = sha512(await fs.readFile(full));
  }
  return out;
}

async function recordFor(name: string) {
  let id = '';
  await until(
    async () => {
      id = (await h.app.status.recent(200)).find((r) => r.sourceName === name)?.ingestId ?? '';
      return id !== '';
    },
    30_000,
    `${name} to be taken`,
  );
  return h.waitFor(id);
}

interface Case {
  name: string;
  code: string;
  /** the file REJECTED.txt must name */
  file?: string;
  /** what REJECTED.txt must say of it */
  says?: RegExp;
  make(at: string): Promise<void>;
}

const cases: Case[] = [
  {
    name: 'text pretending to be a TIFF',
    code: 'UNSUPPORTED_FORMAT',
    file: '2.tif',
    make: async (at) => void (await writeItem(at, { '1.tif': await pageImage({ seed: 1 }), '2.tif': 'this is a note, not a scan' })),
  },
  {
    name: 'a truncated TIFF',
    code: 'CORRUPT_FILE',
    file: '1.tif',
    make: async (at) => void (await writeItem(at, { '1.tif': truncate(await pageImage({ seed: 3, width: 1200, height: 1600 }), 0.6) })),
  },
  {
    name: 'a truncated JPEG',
    code: 'CORRUPT_FILE',
    file: 'p.jpg',
    make: async (at) =>
      void (await writeItem(at, { 'p.jpg': truncate(await pageImage({ seed: 4, format: 'jpeg', width: 1200, height: 1600 }), 0.5) })),
  },
  {
    name: 'a decompression bomb',
    code: 'TOO_MANY_PIXELS',
    file: 'bomb.png',
    make: async (at) => void (await writeItem(at, { 'bomb.png': pngBomb() })),
  },
  {
    name: 'a truncated PDF',
    code: 'CORRUPT_FILE',
    file: 'doc.pdf',
    make: async (at) => void (await writeItem(at, { 'doc.pdf': '%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\n' })),
  },
  {
    name: 'random bytes between a PDF header and trailer',
    code: 'CORRUPT_FILE',
    file: 'scan.pdf',
    says: /cannot be opened as a PDF: it is damaged or incomplete \(Invalid PDF structure\)/,
    make: async (at) =>
      void (await writeItem(at, { 'scan.pdf': Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(20_000), Buffer.from('\n%%EOF\n')]) })),
  },
  {
    name: 'a PDF locked with a password',
    code: 'CORRUPT_FILE',
    file: 'locked.pdf',
    says: /protected by a password/,
    make: async (at) => {
      await fs.mkdir(at, { recursive: true });
      const plain = path.join(h.dir, 'plain.pdf');
      await fs.writeFile(plain, tinyPdf());
      // qpdf, as a user would lock a PDF: a user password, AES-256.
      await exec('qpdf', ['--encrypt', 'secret', 'owner', '256', '--', plain, path.join(at, 'locked.pdf')]);
    },
  },
  { name: 'an empty folder', code: 'EMPTY_ITEM', make: async (at) => void (await fs.mkdir(at)) },
  { name: 'an empty file.tif', code: 'EMPTY_FILE', make: async (at) => void (await fs.writeFile(at, '')) },
  {
    name: 'invalid metadata JSON',
    code: 'INVALID_METADATA',
    file: 'metadata.json',
    make: async (at) => void (await writeItem(at, { '1.tif': await pageImage({ seed: 5 }), 'metadata.json': '{ "title": "unfinished' })),
  },
  {
    name: 'metadata with a misspelt key',
    code: 'INVALID_METADATA',
    file: 'metadata.json',
    make: async (at) =>
      void (await writeItem(at, {
        '1.tif': await pageImage({ seed: 6 }),
        'metadata.json': JSON.stringify({ tittle: 'Kitab', type: 'book' }),
      })),
  },
  {
    name: 'a symlink inside',
    code: 'SYMLINK',
    file: '2.tif',
    make: async (at) => {
      await writeItem(at, { '1.tif': await pageImage({ seed: 7 }) });
      await fs.symlink('/etc/passwd', path.join(at, '2.tif'));
    },
  },
  {
    name: 'a symlink as the item',
    code: 'SYMLINK',
    make: async (at) => void (await fs.symlink('/etc', at)),
  },
  {
    name: 'a nested folder',
    code: 'NESTED_FOLDER',
    file: 'inner',
    make: async (at) => {
      await writeItem(path.join(at, 'inner'), { '2.tif': await pageImage({ seed: 8 }) });
      await writeItem(at, { '1.tif': await pageImage({ seed: 9 }) });
    },
  },
  {
    name: 'a hostile page name',
    code: 'UNSAFE_NAME',
    file: '..\\..\\etc\\x.tif',
    make: async (at) => void (await writeItem(at, { '..\\..\\etc\\x.tif': await pageImage({ seed: 10 }) })),
  },
  {
    name: 'line\nbreak in the name.tif',
    code: 'UNSAFE_NAME',
    make: async (at) => void (await fs.writeFile(at, await pageImage({ seed: 11 }))),
  },
];

describe('rejections', () => {
  it('rejects every bad item with REJECTED.txt beside it, keeps it unaltered, and preserves the good one dropped with them', async () => {
    const before: Record<string, Record<string, string>> = {};
    for (const c of cases) {
      const at = path.join(h.config.inbox, c.name);
      await c.make(at);
      before[c.name] = await snapshot(at);
    }
    // A name that is not valid UTF-8 (Latin-1 "é"), reachable only as bytes.
    const badName = Buffer.concat([Buffer.from(`${h.config.inbox}/caf`), Buffer.from([0xe9]), Buffer.from('.tif')]);
    await fs.writeFile(badName, await pageImage({ seed: 12 }));
    const badFolder = Buffer.concat([Buffer.from(`${h.config.inbox}/kitab`), Buffer.from([0xe7]), Buffer.from('i')]);
    await fs.mkdir(badFolder);
    await fs.writeFile(Buffer.concat([badFolder, Buffer.from('/1.tif')]), await pageImage({ seed: 15 }));
    const good = await writeItem(path.join(h.config.inbox, 'good book'), {
      '1.tif': await pageImage({ seed: 13 }),
      '2.tif': await pageImage({ seed: 14 }),
    });

    for (const c of cases) {
      const rec = await recordFor(c.name);
      expect(rec.status, c.name).toBe('rejected');
      expect(rec.code, c.name).toBe(c.code);
      const where = path.join(h.config.intake.rejectedDir, rec.ingestId);
      const text = await fs.readFile(path.join(where, 'REJECTED.txt'), 'utf8');
      expect(text, c.name).toContain('What to do:');
      if (c.file) expect(text, c.name).toContain(`${c.file}:`);
      if (c.says) expect(text, c.name).toMatch(c.says);
      expect(await snapshot(path.join(where, c.name)), `${c.name} kept unaltered`).toEqual(before[c.name]);
      await expect(fs.lstat(path.join(h.config.inbox, c.name)), `${c.name} left the inbox`).rejects.toThrow();
    }

    const bad = await recordFor('caf\u00e9.tif');
    expect(bad.status).toBe('rejected');
    expect(bad.code).toBe('UNSAFE_NAME');

    const badDir = await recordFor('kitab\u00e7i');
    expect(badDir.status).toBe('rejected');
    expect(badDir.code).toBe('UNSAFE_NAME');

    const ok = await recordFor('good book');
    expect(ok.status, ok.reason).toBe('preserved');
    const root = h.app.preservation.rootOf(ok.itemId);
    expect(sha512((await h.app.preservation.store.getBuffer(`${root}/v1/content/masters/1.tif`))!)).toBe(sha512(good['1.tif']!));
  });

  it('leaves nothing of a rejected item in storage', async () => {
    const keys: string[] = [];
    for await (const o of h.app.preservation.store.list('')) keys.push(o.key);
    const objects = new Set(keys.filter((k) => k.endsWith('/0=ocfl_object_1.1')).map((k) => k.split('/').slice(0, 4).join('/')));
    // Only "good book" became an object; everything stored belongs to it or to the storage root.
    expect(objects.size).toBe(1);
    for (const k of keys) {
      const inObject = [...objects].some((o) => k.startsWith(`${o}/`));
      expect(inObject || k === '0=ocfl_1.1' || k === 'ocfl_layout.json' || k.startsWith('extensions/'), k).toBe(true);
    }
  });
});
