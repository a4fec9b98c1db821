/**
 * Counters and histograms that every process adds to and the console process reports: stages
 * run in processes of their own (and on several machines), so their observations are summed in
 * Redis (HINCRBY/HINCRBYFLOAT, one hash per metric) rather than kept in each process's memory.
 * A failure to record is logged by the caller and never fails the work it describes.
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';

/** Seconds: stage jobs run from milliseconds (commit) to many minutes (a map's tiles). */
export const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800];
/** OCR mean word confidence of a page, 0–100. */
export const CONFIDENCE_BUCKETS = [10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100];

export type Labels = Record<string, string>;

/** A stable field name for a label set: `stage=ocr,code=OCR_TIMEOUT`. */
export const labelKey = (l: Labels): string =>
  Object.keys(l)
    .sort()
    .map((k) => `${k}=${l[k]}`)
    .join(',');
export const parseLabelKey = (k: string): Labels =>
  k ? Object.fromEntries(k.split(',').map((p) => p.split('=', 2) as [string, string])) : {};

export interface HistogramSnapshot {
  buckets: number[];
  /** per label set: cumulative counts per bucket (as Prometheus wants them), sum and count */
  series: Array<{ labels: Labels; counts: number[]; sum: number; count: number }>;
}

export class MetricsStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private key(name: string): string {
    return this.keys.metrics(name);
  }

  async inc(name: string, labels: Labels = {}, by = 1): Promise<void> {
    await this.redis.hincrbyfloat(this.key(name), labelKey(labels), by);
  }

  async observe(name: string, buckets: number[], labels: Labels, value: number): Promise<void> {
    const lk = labelKey(labels);
    // Non-cumulative per bucket here; made cumulative when read.
    const i = buckets.findIndex((b) => value <= b);
    await this.redis
      .multi()
      .hincrby(this.key(name), `${lk}|${i < 0 ? '+Inf' : buckets[i]}`, 1)
      .hincrbyfloat(this.key(name), `${lk}|sum`, value)
      .hincrby(this.key(name), `${lk}|count`, 1)
      .exec();
  }

  async counters(name: string): Promise<Array<{ labels: Labels; value: number }>> {
    const h = await this.redis.hgetall(this.key(name));
    return Object.entries(h).map(([k, v]) => ({ labels: parseLabelKey(k), value: Number(v) }));
  }

  async histogram(name: string, buckets: number[]): Promise<HistogramSnapshot> {
    const h = await this.redis.hgetall(this.key(name));
    const by = new Map<string, { counts: number[]; sum: number; count: number; inf: number }>();
    for (const [field, v] of Object.entries(h)) {
      const bar = field.lastIndexOf('|');
      const lk = field.slice(0, bar);
      const part = field.slice(bar + 1);
      const s = by.get(lk) ?? { counts: buckets.map(() => 0), sum: 0, count: 0, inf: 0 };
      by.set(lk, s);
      if (part === 'sum') s.sum = Number(v);
      else if (part === 'count') s.count = Number(v);
      else if (part === '+Inf') s.inf += Number(v);
      else {
        const i = buckets.indexOf(Number(part));
        if (i >= 0) s.counts[i]! += Number(v);
      }
    }
    return {
      buckets,
      series: [...by].map(([lk, s]) => {
        let run = 0;
        return { labels: parseLabelKey(lk), counts: s.counts.map((c) => (run += c)), sum: s.sum, count: s.count };
      }),
    };
  }
}
