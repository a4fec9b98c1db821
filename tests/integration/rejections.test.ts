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
import { startHarness, yaddas, type Harness } from '../helpers/harness.js';
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
    says: /cannot be opened as a PDF: it is damaged, or incomplete .*\n.*\n {3}Technical detail: Invalid PDF structure\n/,
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

describe('what staff read about a rejection', () => {
  it('yaddas ingest of a pipe or a device: a rejection record and JSON with the reason, nothing copied, the original untouched', async () => {
    const dir = path.join(h.dir, 'special');
    await fs.mkdir(dir, { recursive: true });
    const fifo = path.join(dir, 'scanner-pipe');
    await exec('mkfifo', [fifo]);
    for (const target of [fifo, '/dev/null']) {
      const r = await yaddas(h, ['ingest', target, '--json']);
      expect(r.code, r.stderr).toBe(1);
      const [res] = JSON.parse(r.stdout) as Array<{ status: string; code: string; reason: string; ingestId: string }>;
      expect(res).toMatchObject({ status: 'rejected', code: 'SPECIAL_FILE' });
      expect(res!.reason).toMatch(/not a regular file or folder \(a device, pipe or socket\)/);
      const rec = await h.app.status.get(res!.ingestId);
      expect(rec).toMatchObject({ status: 'rejected', code: 'SPECIAL_FILE' });
      // The rejected area holds the report alone, which does not pretend to hold the item.
      const where = path.join(h.config.intake.rejectedDir, res!.ingestId);
      expect(await fs.readdir(where)).toEqual(['REJECTED.txt']);
      const text = await fs.readFile(path.join(where, 'REJECTED.txt'), 'utf8');
      expect(text).toMatch(/Nothing was copied/);
      expect(text).not.toMatch(/exactly as it was dropped/);
    }
    expect((await fs.lstat(fifo)).isFIFO()).toBe(true);
    // A folder with a pipe in it is rejected for the pipe, the same way.
    await writeItem(path.join(dir, 'folder'), { '1.tif': await pageImage({ seed: 61 }) });
    await exec('mkfifo', [path.join(dir, 'folder', 'pipe')]);
    const r = await yaddas(h, ['ingest', path.join(dir, 'folder'), '--json']);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ status: 'rejected', code: 'SPECIAL_FILE' });
  });

  it("REJECTED.txt lists every problem, escapes what cannot be printed, and keeps a parser's words to a line of their own", async () => {
    const item = path.join(h.dir, 'reports', 'mektublar');
    await writeItem(item, {
      // a name with an escape sequence (it would colour a terminal) and a newline in it
      '1\u001b[31m\n.tif': await pageImage({ seed: 62 }),
      '2.tif': await pageImage({ seed: 63 }),
      'metadata.json': JSON.stringify({ identifier: 'mektublar-1', type: 'novel', title: 5, date: 1935, tittle: 'x' }),
    });
    const r = await yaddas(h, ['ingest', item, '--wait', '--json']);
    const [res] = JSON.parse(r.stdout) as Array<{ ingestId: string; problems: Array<{ code: string }> }>;
    const text = await fs.readFile(path.join(h.config.intake.rejectedDir, res!.ingestId, 'REJECTED.txt'), 'utf8');
    expect(text).toContain('1\\u{001B}[31m\\n.tif: ');
    expect(text.includes(String.fromCharCode(27))).toBe(false);
    expect(text).toMatch(/What is wrong \(5 problems\)/);
    expect(text).toContain('Unknown key "tittle"');
    expect(text).toContain('"type" must be one of');
    expect(text).toContain('"title" must be text in quotes ("…") or an object');
    expect(text).toContain('"date" must be text in quotes');

    const broken = path.join(h.dir, 'reports', 'qezet');
    await writeItem(broken, {
      '1.tif': await pageImage({ seed: 64 }),
      'metadata.json': '{"identifier": "qezet-1",\n "title": "Kommunist",}',
    });
    const b = JSON.parse((await yaddas(h, ['ingest', broken, '--wait', '--json'])).stdout)[0] as { ingestId: string };
    const btext = await fs.readFile(path.join(h.config.intake.rejectedDir, b.ingestId, 'REJECTED.txt'), 'utf8');
    expect(btext).toMatch(/metadata\.json: The file is not valid JSON near line 2, column 23: look there for a missing or extra comma/);
    expect(btext).toMatch(/\n {3}Technical detail: .*JSON.*\n/);
  });

  it('a file that grows after it was taken is not called damaged: the item fails, kept, saying it was probably still being copied', async () => {
    await h.stopWorker('inspect');
    const dir = path.join(h.dir, 'slow-copy', 'kitab-yavas');
    const page = await pageImage({ seed: 65 });
    await writeItem(dir, { '1.tif': truncate(page, 0.5) });
    const taken = await h.app.intake.take(dir, 'kitab-yavas', { move: false, via: 'cli' });
    // The copy goes on after the take, into the staged file (as a copy onto the inbox's share would).
    const staged = path.join(h.config.intake.stagingDir, taken.ingestId, 'kitab-yavas', '1.tif');
    await fs.writeFile(staged, page);
    await h.startWorkers(['inspect']);
    const rec = await h.waitFor(taken.ingestId);
    expect(rec.status).toBe('failed');
    expect(rec.code).toBe('STAGED_FILE_CHANGED');
    expect(rec.reason).toMatch(/changed after Yaddaş took it .*probably still being copied/);
    expect(rec.reason).not.toMatch(/damaged|corrupt/i);
    expect(await fs.readFile(staged)).toEqual(page);

    // Its staged copy removed by hand: retry says so, not "not on this machine".
    await fs.rm(path.join(h.config.intake.stagingDir, taken.ingestId), { recursive: true });
    const r = await yaddas(h, ['retry', taken.ingestId]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/staged copy is gone from .* \(removed by hand\?\)/);
  });
});
