import { describe, expect, it } from 'vitest';
import { auditsDue, historyCsv, type HistoryRecord, monthOf } from '../../src/domain/audit-record.js';
import { auditThroughput } from '../../src/ops/keeping.js';
import { Bandwidth } from '../../src/storage/throttled-store.js';

const DAY = 24 * 3600 * 1000;

describe('the audit schedule', () => {
  it("hands out a sweep's even share of the period, every new object, every overdue one, up to the cap", () => {
    // Evenly spread: half the objects were audited more than half a period ago.
    const base = { total: 1_000_000, fresh: 0, overdue: 0, older: 500_000, sweepMs: 10 * 60_000, periodMs: 90 * DAY, cap: 5000 };
    // 1,000,000 objects, 90 days, a sweep every 10 minutes: 78 per sweep, every object once in 90 days.
    expect(auditsDue(base)).toBe(78);
    expect(auditsDue(base) * (base.periodMs / base.sweepMs)).toBeGreaterThanOrEqual(base.total);
    expect(auditsDue({ ...base, fresh: 12 })).toBe(90);
    expect(auditsDue({ ...base, overdue: 100_000 })).toBe(5000);
    expect(auditsDue({ ...base, overdue: 50 })).toBe(78);
    expect(auditsDue({ ...base, total: 3, fresh: 3, older: 0 })).toBe(3);
    expect(auditsDue({ ...base, total: 0, older: 0 })).toBe(0);
    // A small collection all audited lately is not audited again before half the period.
    expect(auditsDue({ ...base, total: 40, older: 0 })).toBe(0);
    expect(auditsDue({ ...base, total: 40, older: 40 })).toBe(1);
    // All audited at once 45 days ago: spread over the 45 days left, not all due on day 90.
    expect(auditsDue({ ...base, older: 1_000_000 })).toBe(155);
  });
});

describe('the audit history', () => {
  it('groups records by month and writes CSV with quoting', () => {
    expect(monthOf('2026-12-01T03:15:00.000Z')).toBe('2026-12');
    const records: HistoryRecord[] = [
      {
        kind: 'audit',
        id: 'kitab-1',
        copy: 'primary',
        status: 'damaged',
        version: 'v2',
        files: ['masters/1.tif', 'masters/2.tif'],
        checkedFiles: 3,
        at: '2026-12-01T00:00:00.000Z',
        by: 'schedule',
      },
      {
        kind: 'repair',
        id: 'kitab-1',
        copy: 'baki-2',
        path: 'v1/content/masters/1.tif',
        outcome: 'no good copy',
        reason: 'no copy holds bytes, "none"',
        at: '2026-12-01T00:00:01.000Z',
      },
    ];
    expect(historyCsv(records).split('\r\n')).toEqual([
      'at,kind,id,copy,status,version,files,checked_files,from,reason,by',
      '2026-12-01T00:00:00.000Z,audit,kitab-1,primary,damaged,v2,masters/1.tif masters/2.tif,3,,,schedule',
      '2026-12-01T00:00:01.000Z,repair,kitab-1,baki-2,no good copy,,v1/content/masters/1.tif,,,"no copy holds bytes, ""none""",',
      '',
    ]);
  });
});

describe('the audit bandwidth', () => {
  it('holds reads to the rate, after a second of burst', async () => {
    const bw = new Bandwidth(1_000_000);
    const t = performance.now();
    for (let i = 0; i < 15; i++) await bw.take(100_000); // 1.5 MB at 1 MB/s: about half a second past the burst
    const ms = performance.now() - t;
    expect(ms).toBeGreaterThan(400);
    expect(ms).toBeLessThan(1500);
    const free = new Bandwidth(0);
    const t2 = performance.now();
    await free.take(1e12);
    expect(performance.now() - t2).toBeLessThan(50);
  });
});

describe('audit throughput on the Preservation page', () => {
  it('is the difference between the first and last points that counted audits', () => {
    expect(auditThroughput([])).toBeNull();
    expect(auditThroughput([{ t: 0 }, { t: 60_000, audits: 5, auditBytes: 1e6 }])).toBeNull();
    expect(
      auditThroughput([
        { t: 0, audits: 10, auditBytes: 0 },
        { t: 60_000, audits: 20, auditBytes: 30e6 },
        { t: 120_000, audits: 40, auditBytes: 60e6 },
      ]),
    ).toEqual({ audits: 30, mbPerSecond: 0.5, minutes: 2 });
  });
});
