/**
 * An identifier reused by mistake is caught: an ingest whose metadata.json names a stored item it
 * shares no page with, under another title, is held for an operator instead of becoming the
 * current version. `yaddas accept` makes it the new version, `yaddas reject` sends it to the
 * rejected area with its report; a re-scan that keeps pages, a full re-scan under the same title,
 * and an item that says `"replaces": true` become new versions at once, as before.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, waitEnded, yaddas, type Harness } from '../helpers/harness.js';
import { pageImage, writeItem } from '../helpers/fixtures.js';
import { validateObject } from '../../src/storage/ocfl-validate.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const ID = 'kitab-1935-001';
const pages = async (seeds: number[]) =>
  Object.fromEntries(
    await Promise.all(
      seeds.map(async (s, i) => [`${String(i + 1).padStart(2, '0')}.tif`, await pageImage({ seed: s, width: 300, height: 400 })]),
    ),
  );
const metadata = (title: string, extra: Record<string, unknown> = {}) => JSON.stringify({ identifier: ID, type: 'book', title, ...extra });

/** Writes an item under a fresh folder and ingests it with `yaddas ingest --wait --json`. */
async function ingest(name: string, files: Record<string, Buffer | string>) {
  const dir = path.join(h.dir, 'src', `${name}-${Math.random().toString(36).slice(2)}`, name);
  await writeItem(dir, files);
  const r = await yaddas(h, ['ingest', dir, '--wait', '--json']);
  const [result] = JSON.parse(r.stdout) as Array<{
    status: string;
    reason?: string;
    version?: string;
    ingestId: string;
    code?: string;
    held?: unknown;
  }>;
  return { code: r.code, result: result!, stderr: r.stderr };
}
const head = async () => (await h.app.preservation.readInventory(ID))!.head;

describe('an identifier reused by mistake', () => {
  it('a five-page book, then a re-scan that replaces two pages: a new version at once', async () => {
    const first = await ingest('dede-qorqud', { ...(await pages([1, 2, 3, 4, 5])), 'metadata.json': metadata('Dədə Qorqud') });
    expect(first.result.status, first.result.reason).toBe('preserved');
    expect(first.result.version).toBe('v1');
    const rescan = await ingest('dede-qorqud', { ...(await pages([1, 2, 3, 14, 15])), 'metadata.json': metadata('Dədə Qorqud') });
    expect(rescan.code).toBe(0);
    expect(rescan.result).toMatchObject({ status: 'preserved', version: 'v2' });
  });

  it('a different one-page book under the same identifier is held, names both, and changes nothing; reject sends it to the rejected area', async () => {
    const other = await ingest('koroglu', { '1.tif': await pageImage({ seed: 30 }), 'metadata.json': metadata('Koroğlu') });
    expect(other.code, 'ingest --wait exits non-zero for a held item').toBe(1);
    expect(other.result.status).toBe('held');
    expect(other.result.code).toBe('IDENTIFIER_IN_USE');
    expect(other.result.held).toMatchObject({ headVersion: 'v2', headPages: 5, title: 'Koroğlu', pages: 1 });
    expect(other.result.reason).toMatch(/held: identifier "kitab-1935-001" already used by a different item/);
    expect(other.result.reason).toContain('"Koroğlu", 1 page file');
    expect(other.result.reason).toContain('v2 ("Dədə Qorqud", 5 page files)');
    expect(other.result.reason).toContain(`yaddas accept ${other.result.ingestId}`);
    expect(await head()).toBe('v2');
    // Nothing of it in the object: no v3 uploads left behind, and the object is valid.
    const root = h.app.preservation.rootOf(ID);
    const keys: string[] = [];
    for await (const o of h.app.preservation.store.list(`${root}/v3/`)) keys.push(o.key);
    expect(keys).toEqual([]);
    expect((await validateObject(h.app.preservation.store, root, { checkDigests: true })).errors).toEqual([]);
    // Listed as held, shown as held, with the stored item it would replace.
    const held = JSON.parse((await yaddas(h, ['items', '--held', '--json'])).stdout) as Array<{ ingestId: string; held: unknown }>;
    expect(held.map((r) => r.ingestId)).toEqual([other.result.ingestId]);
    expect(held[0]!.held).toMatchObject({ headVersion: 'v2', headTitle: 'Dədə Qorqud', headPages: 5, title: 'Koroğlu', pages: 1 });
    const status = JSON.parse((await yaddas(h, ['status', '--json'])).stdout);
    expect(status.heldItems).toBe(1);

    const r = await yaddas(h, ['reject', other.result.ingestId]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^rejected {2}kitab-1935-001: moved to /);
    const report = await fs.readFile(path.join(h.config.intake.rejectedDir, other.result.ingestId, 'REJECTED.txt'), 'utf8');
    expect(report).toContain('kitab-1935-001');
    expect(report).toMatch(/own identifier/);
    expect(await fs.readdir(path.join(h.config.intake.rejectedDir, other.result.ingestId, 'koroglu'))).toEqual(['1.tif', 'metadata.json']);
    const rec = await h.app.status.get(other.result.ingestId);
    expect(rec).toMatchObject({ status: 'rejected', code: 'IDENTIFIER_IN_USE' });
    expect(JSON.parse((await yaddas(h, ['items', '--held', '--json'])).stdout)).toEqual([]);
    expect(await head()).toBe('v2');
    // Deciding twice is refused in words.
    const again = await yaddas(h, ['accept', other.result.ingestId]);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/not held \(it is rejected\)/);
  });

  it('accept makes a held item the new version', async () => {
    const other = await ingest('kitab-new', { ...(await pages([40, 41])), 'metadata.json': metadata('Yeni kitab') });
    expect(other.result.status).toBe('held');
    const r = await yaddas(h, ['accept', ID, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const [decided] = JSON.parse(r.stdout) as Array<{ ok: boolean; ingestId: string }>;
    expect(decided!.ok).toBe(true);
    const rec = await waitEnded(h, decided!.ingestId);
    expect(rec.status, rec.reason).toBe('preserved');
    expect(rec.version).toBe('v3');
    expect(await h.app.status.get(other.result.ingestId)).toMatchObject({
      status: 'accepted',
      location: `accepted as ${decided!.ingestId}`,
    });
    // Decided once: a second decision is refused, saying what became of it.
    const twice = await yaddas(h, ['reject', other.result.ingestId]);
    expect(twice.code).toBe(1);
    expect(twice.stdout).toContain(`not held (it is accepted: accepted as ${decided!.ingestId})`);
    const item = JSON.parse((await h.app.access.getBuffer(`items/${ID}/item.json`))!.toString('utf8'));
    expect(item.title ?? item.label).toBeTruthy();
    expect(JSON.stringify(item)).toContain('Yeni kitab');
  });

  it('"replaces": true, or the same title on an entirely new scan, is a new version at once', async () => {
    const replacing = await ingest('basqa', {
      '1.tif': await pageImage({ seed: 50 }),
      'metadata.json': metadata('Başqa kitab', { replaces: true }),
    });
    expect(replacing.result).toMatchObject({ status: 'preserved', version: 'v4' });
    const fullRescan = await ingest('basqa', { '1.tif': await pageImage({ seed: 51 }), 'metadata.json': metadata('Başqa  kitab') });
    expect(fullRescan.result).toMatchObject({ status: 'preserved', version: 'v5' });
  });
});
