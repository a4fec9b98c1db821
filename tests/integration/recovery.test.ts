/**
 * The inbox watcher killed between taking an item and starting its flow: on the next start it
 * finds the staged item and carries on, so nothing taken is ever forgotten.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { pageImage, sha512, until } from '../helpers/fixtures.js';
import { createWatcher } from '../../src/app.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('recovery', () => {
  it('resumes an item that was moved to staging by a watcher that then died', async () => {
    const ingestId = '20261123T000000Z-orphan-book-abcdef';
    const staged = path.join(h.config.intake.stagingDir, ingestId, 'orphan book');
    await fs.mkdir(staged, { recursive: true });
    const page = await pageImage({ seed: 81 });
    await fs.writeFile(path.join(staged, '1.tif'), page);

    h.watcher = createWatcher(h.app);
    await h.watcher.start();
    await until(async () => (await h.app.status.get(ingestId)) !== null, 10_000, 'the staged item to be found');
    const rec = await h.waitFor(ingestId);
    expect(rec.status, rec.reason).toBe('preserved');
    expect(rec.takenAt).toBe('2026-11-23T00:00:00.000Z');
    const stored = await h.app.preservation.store.getBuffer(`${h.app.preservation.rootOf(rec.itemId)}/v1/content/masters/1.tif`);
    expect(sha512(stored!)).toBe(sha512(page));
    expect(await fs.readdir(h.config.intake.stagingDir)).toEqual([]);
  });

  it('sets aside, as failed, an item whose taking stopped the intake process three times, and goes on with the others', async () => {
    const ingestId = '20261123T010000Z-crashing-book-abcdef';
    const staged = path.join(h.config.intake.stagingDir, ingestId, 'crashing book');
    await fs.mkdir(staged, { recursive: true });
    await fs.writeFile(path.join(staged, '1.tif'), await pageImage({ seed: 82 }));
    // Three start-ups tried to take it and died doing so (a crash leaves only the count behind).
    for (let i = 0; i < 3; i++) await h.app.status.countAdmitAttempt(ingestId);

    await h.app.intake.recover();
    const rec = await h.app.status.get(ingestId);
    expect(rec).toMatchObject({ status: 'failed', code: 'INTERNAL', location: path.dirname(staged) });
    expect(rec?.reason).toMatch(/stopped the intake process 3 times; it is set aside, unaltered/);
    // Kept as it was, and not tried again on the next start.
    expect(await fs.readdir(staged)).toEqual(['1.tif']);
    expect(await h.app.intake.recover()).toBe(0);
    expect((await h.app.status.get(ingestId))?.status).toBe('failed');
  });
});
