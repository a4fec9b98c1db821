/**
 * Big items share the workers fairly: a stage's workers take every item's first pages before any
 * item's later ones (job priority = the page's place in its item), so a small item dropped after
 * a big one is not made to wait for all of the big one's pages. Here the derive workers are
 * held back until both items wait at derive, then run one job at a time, and the order in which
 * the jobs finished is read back from BullMQ. bench/fairness.ts measures the same with 3,000 pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, takeItem, waitEnded, type Harness } from '../helpers/harness.js';
import { pageImage, until } from '../helpers/fixtures.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { YADDAS_CONCURRENCY_DERIVE: '1' } });
});
afterAll(async () => {
  await h?.stop();
});

describe('fair sharing between items', () => {
  it("a 3-page item's pages are derived among the first, not after a 24-page item dropped before it", async () => {
    await h.stopWorker('derive');
    const page = (seed: number) => pageImage({ seed, width: 200, height: 260, format: 'png' });
    const bigFiles: Record<string, Buffer | string> = { 'metadata.json': JSON.stringify({ identifier: 'fair-big', type: 'map' }) };
    for (let i = 1; i <= 24; i++) bigFiles[`${String(i).padStart(2, '0')}.png`] = await page(100 + i);
    const big = await takeItem(h, 'xerite', bigFiles);
    await until(async () => (await h.app.status.get(big.ingestId))?.stage === 'derive', 60_000, 'the big item at derive');
    const small = await takeItem(h, 'kitabca', {
      '1.png': await page(1),
      '2.png': await page(2),
      '3.png': await page(3),
      'metadata.json': JSON.stringify({ identifier: 'fair-small', type: 'book' }),
    });
    await until(async () => (await h.app.status.get(small.ingestId))?.stage === 'derive', 60_000, 'the small item at derive');

    await h.startWorkers(['derive']);
    const [bigRec, smallRec] = [await waitEnded(h, big.ingestId), await waitEnded(h, small.ingestId)];
    expect(bigRec.publication, bigRec.publicationReason).toBe('published');
    expect(smallRec.publication, smallRec.publicationReason).toBe('published');

    const jobs = (await h.app.queues.bullQueue('derive').getJobs(['completed'], 0, -1)).filter((j) =>
      [big.ingestId, small.ingestId].some((id) => j.id?.startsWith(`derive-${id}-`)),
    );
    expect(jobs).toHaveLength(27);
    const order = jobs.sort((a, b) => (a.finishedOn ?? 0) - (b.finishedOn ?? 0) || a.processedOn! - b.processedOn!).map((j) => j.id!);
    const smallAt = order.flatMap((id, i) => (id.startsWith(`derive-${small.ingestId}-`) ? [i + 1] : []));
    // Page for page with the big item: its three pages are done by the sixth job, not the 27th.
    expect(smallAt).toHaveLength(3);
    expect(Math.max(...smallAt), `small item's places in the order: ${smallAt.join(', ')}`).toBeLessThanOrEqual(6);
  });
});
