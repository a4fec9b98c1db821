/**
 * An item is taken only once it has fully arrived: a copy still under way over a slow share is
 * left alone; in marker mode, nothing is taken before its marker appears.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { pageImage, sha512, until } from '../helpers/fixtures.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const taken = async (name: string) => (await h!.app.status.recent(50)).find((r) => r.sourceName === name);

describe('arrival', () => {
  it('does not take a file that is still being copied (quiet mode)', async () => {
    h = await startHarness({ watch: true, env: { YADDAS_QUIET_SECONDS: '1.5' } });
    const bytes = await pageImage({ seed: 41, width: 1500, height: 2000 });
    const target = path.join(h.config.inbox, 'slow copy.tif');
    const fh = await fs.open(target, 'w');
    // A slow network copy: a chunk every 400 ms for about 4 s, well past the quiet period.
    const chunks = 10;
    const step = Math.ceil(bytes.length / chunks);
    for (let i = 0; i < chunks; i++) {
      await fh.write(bytes.subarray(i * step, (i + 1) * step));
      await sleep(400);
      expect(await taken('slow copy.tif'), `taken early, after chunk ${i + 1}`).toBeUndefined();
      await fs.access(target);
    }
    await fh.close();
    await until(async () => Boolean(await taken('slow copy.tif')), 15_000, 'the finished copy to be taken');
    const rec = await h.waitFor((await taken('slow copy.tif'))!.ingestId);
    expect(rec.status, rec.reason).toBe('preserved');
    const stored = await h.app.preservation.store.getBuffer(`${h.app.preservation.rootOf(rec.itemId)}/v1/content/masters/slow copy.tif`);
    expect(sha512(stored!)).toBe(sha512(bytes));
  });

  it('takes a folder only once its marker appears (marker mode), and not the marker itself', async () => {
    h = await startHarness({ watch: true, env: { YADDAS_INTAKE_MODE: 'marker', YADDAS_QUIET_SECONDS: '0' } });
    const dir = path.join(h.config.inbox, 'marked book');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, '1.tif'), await pageImage({ seed: 42 }));
    await fs.writeFile(path.join(h.config.inbox, 'photo.png'), await pageImage({ seed: 43, format: 'png' }));
    await sleep(2000);
    expect(await taken('marked book')).toBeUndefined();
    expect(await taken('photo.png')).toBeUndefined();

    await fs.writeFile(path.join(dir, 'READY'), '');
    await fs.writeFile(path.join(h.config.inbox, 'photo.png.READY'), '');
    await until(async () => Boolean((await taken('marked book')) && (await taken('photo.png'))), 15_000, 'both items to be taken');
    const book = await h.waitFor((await taken('marked book'))!.ingestId);
    const photo = await h.waitFor((await taken('photo.png'))!.ingestId);
    expect(book.status, book.reason).toBe('preserved');
    expect(photo.status, photo.reason).toBe('preserved');
    const keys: string[] = [];
    for await (const o of h.app.preservation.store.list(`${h.app.preservation.rootOf(book.itemId)}/v1/content/`))
      keys.push(o.key.split('/v1/content/')[1]!);
    expect(keys.sort()).toEqual(['item.json', 'masters/1.tif', 'mets.xml']);
  });
});
