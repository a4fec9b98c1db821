/**
 * The operator commands, run as the `yaddas` CLI against a running pipeline: status, items and
 * their filters, show, pause and resume, and retry of an item whose access copies failed.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, takeItem, waitEnded, yaddas, type Harness } from '../helpers/harness.js';
import { pageImage, until } from '../helpers/fixtures.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { YADDAS_STUCK_MINUTES: '0.02' } });
});
afterAll(async () => {
  await h?.stop();
});

const take = (name: string, files: Record<string, Buffer | string>) => takeItem(h, name, files);
const ended = (ingestId: string) => waitEnded(h, ingestId);
const cli = async (...args: string[]) => {
  const r = await yaddas(h, args);
  expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
};

describe('operator commands', () => {
  it('status, items and show say where everything stands', async () => {
    const good = await take('kitab', {
      '1.png': await pageImage({ seed: 5, format: 'png', width: 300, height: 200 }),
      'metadata.json': JSON.stringify({ identifier: 'ops-kitab', type: 'book' }),
    });
    const bad = await take('bos', { 'empty.tif': Buffer.alloc(0) });
    await ended(good.ingestId);

    const status = JSON.parse(await cli('status', '--json'));
    expect(status.queues.map((q: { name: string }) => q.name)).toEqual(
      expect.arrayContaining(['ingest', 'inspect', 'store', 'derive', 'ocr', 'publish', 'announce', 'notify']),
    );
    for (const q of status.queues) expect(q.workers, q.name).toBeGreaterThan(0);
    expect(status.inFlight).toBe(0);
    expect(await cli('status')).toMatch(/^queue +workers +waiting/);

    const items = JSON.parse(await cli('items', '--json'));
    expect(items.map((i: { ingestId: string }) => i.ingestId)).toEqual(expect.arrayContaining([good.ingestId, bad.ingestId]));
    const rejected = JSON.parse(await cli('items', '--rejected', '--json'));
    expect(rejected.map((i: { ingestId: string }) => i.ingestId)).toEqual([bad.ingestId]);
    expect(rejected[0].code).toBe('EMPTY_FILE');

    const shown = await cli('show', 'ops-kitab');
    expect(shown).toMatch(/^ops-kitab {2}\(ingest /);
    expect(shown).toMatch(/status {6}preserved v1/);
    expect(shown).toMatch(/page {4}1 {3}1\.png {2}fmt\/11 {2}sha512 [0-9a-f]{16}…/);
    expect(JSON.parse(await cli('show', bad.ingestId, '--json')).record.problems[0].code).toBe('EMPTY_FILE');
    const missing = await yaddas(h, ['show', 'no-such-thing']);
    expect(missing.code).toBe(1);

    // Health checks, as a container runs them: this machine's derive worker is connected.
    expect(await cli('health', 'derive')).toMatch(/^healthy: 1 derive worker/);
    expect(await cli('health')).toMatch(/^healthy/);
    const noConsole = await yaddas(h, ['health', 'console'], { YADDAS_CONSOLE_PORT: '1' });
    expect(noConsole.code).toBe(1);
  });

  it('pause holds a stage everywhere, an item waiting behind it shows as stuck, resume lets it through', async () => {
    await cli('pause', 'derive');
    expect(JSON.parse(await cli('status', '--json')).queues.find((q: { name: string }) => q.name === 'derive').paused).toBe(true);
    const t = await take('gozleyen', {
      '1.png': await pageImage({ seed: 6, format: 'png', width: 300, height: 200 }),
      'metadata.json': JSON.stringify({ identifier: 'ops-wait', type: 'book' }),
    });
    await until(async () => (await h.app.status.get(t.ingestId))?.stage === 'derive', 30_000, 'waiting at derive');
    await until(
      async () => JSON.parse(await cli('items', '--stuck', '--json')).some((i: { ingestId: string }) => i.ingestId === t.ingestId),
      20_000,
      'flagged stuck',
    );
    expect(await cli('items', '--stuck')).toContain('STUCK');
    await cli('resume', 'derive');
    expect((await ended(t.ingestId)).publication).toBe('published');
    expect(JSON.parse(await cli('items', '--stuck', '--json'))).toEqual([]);
    expect((await yaddas(h, ['pause', 'nonsense'])).code).toBe(1);
  });

  it('retry makes the access copies of an item whose publication failed, from the preserved object', async () => {
    // The derive worker is held back while the master's stored copy goes missing: derive then
    // fails for good (after its retries) and the item is preserved with its publication failed.
    await h.stopWorker('derive');
    const page = await pageImage({ seed: 7, format: 'png', width: 300, height: 200 });
    const t = await take('itik', { '1.png': page, 'metadata.json': JSON.stringify({ identifier: 'ops-retry', type: 'book' }) });
    await until(async () => (await h.app.status.get(t.ingestId))?.stage === 'derive', 30_000, 'waiting at derive');
    const inv = (await h.app.preservation.readInventory('ops-retry'))!;
    const masterKey = `${h.app.preservation.rootOf('ops-retry')}/${Object.values(inv.manifest)
      .flat()
      .find((p) => p.endsWith('masters/1.png'))!}`;
    const master = (await h.app.preservation.store.getBuffer(masterKey))!;
    await h.app.preservation.store.delete([masterKey]);
    await h.startWorkers(['derive']);
    const failed = await ended(t.ingestId);
    expect(failed.status).toBe('preserved');
    expect(failed.publication).toBe('failed');
    const listed = JSON.parse(await cli('items', '--failed', '--json'));
    expect(listed.find((i: { ingestId: string }) => i.ingestId === t.ingestId).failedWhere).toBe('publication');
    expect(JSON.parse(await cli('show', 'ops-retry', '--json')).failures.some((f: { job: string }) => f.job.startsWith('derive-'))).toBe(
      true,
    );

    // The copy comes back (restored from elsewhere); retry.
    await h.app.preservation.store.put(masterKey, master);
    const r = JSON.parse(await cli('retry', 'ops-retry', '--json'));
    expect(r[0]).toMatchObject({ ok: true, id: 'ops-retry', how: 'everything after preservation runs again' });
    const again = await ended(r[0].ingestId);
    expect(again.publication, again.publicationReason).toBe('published');
    expect(await h.app.access.getBuffer('items/ops-retry/manifest.json')).not.toBeNull();
    // Nothing left to retry; a rejected item is for staff to fix.
    const none = await yaddas(h, ['retry', 'ops-retry']);
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/nothing to retry/);
  });

  it('a master whose stored bytes no longer match its digest is never used: derive, OCR and rederive stop with MASTER_DAMAGED', async () => {
    await h.stopWorker('derive');
    await h.stopWorker('ocr');
    const t = await take('zay', {
      '1.png': await pageImage({ seed: 8, format: 'png', width: 300, height: 200 }),
      'metadata.json': JSON.stringify({ identifier: 'ops-damaged', type: 'book' }),
    });
    await until(async () => (await h.app.status.get(t.ingestId))?.stage === 'derive', 30_000, 'waiting at derive');
    // Bit rot, made by an independent client: same name and size, other bytes.
    const inv = (await h.app.preservation.readInventory('ops-damaged'))!;
    const contentPath = Object.values(inv.manifest)
      .flat()
      .find((p) => p.endsWith('masters/1.png'))!;
    const key = `${h.app.preservation.rootOf('ops-damaged')}/${contentPath}`;
    const good = (await h.app.preservation.store.getBuffer(key))!;
    const rotten = Buffer.from(good);
    rotten[rotten.length - 20] = rotten[rotten.length - 20]! ^ 0xff;
    const file = path.join(h.dir, 'rotten.png');
    await fs.writeFile(file, rotten);
    await h.aws(['s3', 'cp', file, `s3://${h.config.s3.preservationBucket}/${key}`, '--only-show-errors']);
    await h.startWorkers(['derive', 'ocr']);

    const rec = await ended(t.ingestId);
    expect(rec.status).toBe('preserved');
    expect(rec.publication).toBe('failed');
    expect(rec.publicationReason).toMatch(/masters\/1\.png of ops-damaged is damaged/);
    const shown = JSON.parse(await cli('show', 'ops-damaged', '--json'));
    const failures = shown.failures as Array<{ job: string; code: string; reason: string }>;
    expect(failures.find((f) => f.job.startsWith('derive-'))).toMatchObject({ code: 'MASTER_DAMAGED' });
    expect(failures.find((f) => f.job.startsWith('derive-'))!.reason).toContain(contentPath);
    // OCR (off in this harness) streams the master through the same check as derive; a whole read is checked too.
    const sha = Object.entries(inv.manifest).find(([, p]) => p.includes(contentPath))![0];
    const stored = (await h.app.preservation.content('ops-damaged', sha))!;
    await expect(stored.read()).rejects.toMatchObject({ code: 'MASTER_DAMAGED' });
    const drained = (async () => {
      for await (const _ of await stored.open());
    })();
    await expect(drained).rejects.toMatchObject({ code: 'MASTER_DAMAGED' });
    // Nothing made from the damaged bytes reached the access bucket.
    const published: string[] = [];
    for await (const o of h.app.access.list('items/ops-damaged/')) published.push(o.key);
    expect(published.filter((k) => k.includes('/pages/') || k.endsWith('.txt') || k.endsWith('.pdf'))).toEqual([]);

    const r = await yaddas(h, ['rederive', 'ops-damaged', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)[0].error).toMatch(/masters\/1\.png of ops-damaged is damaged/);
  });
});
