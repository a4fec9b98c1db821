import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { parallel } from '../../src/domain/parallel.js';

describe('parallel', () => {
  it('runs at most n at a time, draws inputs only as slots free up, and yields every result', async () => {
    let drawn = 0;
    let running = 0;
    let most = 0;
    async function* ids() {
      for (let i = 0; i < 50; i++) {
        drawn++;
        yield i;
      }
    }
    const seen: number[] = [];
    for await (const r of parallel(ids(), 4, async (i) => {
      running++;
      most = Math.max(most, running);
      expect(drawn - seen.length).toBeLessThanOrEqual(4);
      await sleep((i * 7) % 5);
      running--;
      return i * 2;
    }))
      seen.push(r);
    expect(most).toBe(4);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
  });

  it('stops drawing at the first error and throws it once the running ones settle', async () => {
    let started = 0;
    const out: number[] = [];
    await expect(async () => {
      for await (const r of parallel(
        Array.from({ length: 100 }, (_, i) => i),
        3,
        async (i) => {
          started++;
          await sleep(1);
          if (i === 5) throw new Error('five');
          return i;
        },
      ))
        out.push(r);
    }).rejects.toThrow('five');
    expect(started).toBeLessThan(12);
  });
});
