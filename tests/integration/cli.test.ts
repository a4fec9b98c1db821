/**
 * The `yaddas` command as operators and scripts use it: the real built binary, run as a child
 * process against this run's Redis and S3, with the workers running.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, yaddas, type Harness } from '../helpers/harness.js';
import { pageImage, sha512, writeItem } from '../helpers/fixtures.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('yaddas config', () => {
  it('prints the effective configuration as JSON with secrets redacted', async () => {
    const r = await yaddas(h, ['config', '--json'], {
      AWS_SECRET_ACCESS_KEY: 'very-secret-key',
      REDIS_URL: h.env.REDIS_URL!.replace('redis://', 'redis://:pw123@'),
    });
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout);
    expect(c.inbox).toBe(h.config.inbox);
    expect(c.dataDir).toBe(h.config.dataDir);
    expect(c.redis.url).toContain('[redacted]');
    expect(c.s3.endpoint).toBe(h.config.s3.endpoint);
    expect(c.s3.preservationBucket).toBe(h.config.s3.preservationBucket);
    expect(c.s3.accessBucket).toBe(h.config.s3.accessBucket);
    expect(r.stdout).not.toContain('very-secret-key');
    expect(r.stdout).not.toContain('pw123');
  });

  it('reports all invalid settings at once and exits non-zero', async () => {
    const r = await yaddas(h, ['config', '--json'], {
      YADDAS_QUIET_SECONDS: 'later',
      YADDAS_S3_PART_SIZE_MIB: '1',
      YADDAS_LOG_LEVEL: 'loud',
    });
    expect(r.code).not.toBe(0);
    for (const v of ['YADDAS_QUIET_SECONDS', 'YADDAS_S3_PART_SIZE_MIB', 'YADDAS_LOG_LEVEL']) expect(r.stderr).toContain(v);
  });
});

describe('yaddas ingest --wait', () => {
  it('takes paths as if dropped in the inbox, waits, and reports each item; non-zero when one is not preserved', async () => {
    const src = path.join(h.dir, 'elsewhere');
    const book = await writeItem(path.join(src, 'Qəzet 1937'), {
      '01.tif': await pageImage({ seed: 31 }),
      '02.tif': await pageImage({ seed: 32 }),
      'metadata.json': JSON.stringify({ identifier: 'qezet-1937-01', type: 'periodical', title: 'Qəzet' }),
    });
    await fs.writeFile(path.join(src, 'broken.jpg'), 'not an image');
    const r = await yaddas(h, ['ingest', path.join(src, 'Qəzet 1937'), path.join(src, 'broken.jpg'), '--wait', '--json']);
    expect(r.code).toBe(1);
    const results = JSON.parse(r.stdout) as Array<{ id: string; status: string; reason?: string; version?: string }>;
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ id: 'qezet-1937-01', status: 'preserved', version: 'v1' });
    expect(results[1]!.status).toBe('rejected');
    expect(results[1]!.reason).toMatch(/By its content/);
    // The originals were copied, not moved.
    expect(sha512(await fs.readFile(path.join(src, 'Qəzet 1937', '01.tif')))).toBe(sha512(book['01.tif']!));
  });

  it('with --json and the default logging, stdout carries only the JSON (jq reads it) and logs go to stderr', async () => {
    const src = path.join(h.dir, 'elsewhere-jq');
    await fs.mkdir(path.join(src, 'empty folder'), { recursive: true });
    await writeItem(src, { 'foto.png': await pageImage({ seed: 34, format: 'png' }) });
    // As an operator runs it: default log level and format, stdout piped into jq.
    const r = await yaddas(h, ['ingest', path.join(src, 'empty folder'), path.join(src, 'foto.png'), '--wait', '--json'], {
      YADDAS_LOG_LEVEL: 'info',
      YADDAS_LOG_FORMAT: 'auto',
    });
    expect(r.code, r.stderr).toBe(1);
    const jq = spawnSync('jq', ['-r', '.[].status'], { input: r.stdout, encoding: 'utf8' });
    expect(jq.status, `jq could not read stdout: ${jq.stderr}\n${r.stdout}`).toBe(0);
    expect(jq.stdout.trim().split('\n')).toEqual(['rejected', 'preserved']);
    // The rejection was logged, on stderr.
    expect(r.stderr).toContain('item rejected');
  });

  it('exits 0 when everything is preserved, with readable lines without --json', async () => {
    const src = path.join(h.dir, 'elsewhere2');
    await writeItem(src, { 'foto.png': await pageImage({ seed: 33, format: 'png' }) });
    const r = await yaddas(h, ['ingest', path.join(src, 'foto.png'), '--wait']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // Off a terminal, progress comes as plain lines on stderr, one each time the item moves.
    expect(r.stderr).toMatch(/^\d\d:\d\d:\d\d {2}.*foto\.png: preserved/m);
    expect(r.stdout).toMatch(/^preserved\s+yd-\d{8}-foto-[0-9a-f]{6}\s+v1/m);
  });
});

describe('yaddas verify', () => {
  it('passes an intact object and names the file whose stored copy went bad', async () => {
    const ok = await yaddas(h, ['verify', 'qezet-1937-01']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('OK');

    // Bit rot, simulated with an independent client: overwrite a master in the bucket.
    const root = h.app.preservation.rootOf('qezet-1937-01');
    const bad = path.join(h.dir, 'rot.tif');
    await fs.writeFile(bad, await pageImage({ seed: 99 }));
    await h.aws(['s3', 'cp', bad, `s3://${h.config.s3.preservationBucket}/${root}/v1/content/masters/02.tif`, '--only-show-errors']);

    const r = await yaddas(h, ['verify', 'qezet-1937-01', '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(false);
    expect(JSON.stringify(report.errors)).toContain('masters/02.tif');
  });

  it('says so when there is no such object', async () => {
    const r = await yaddas(h, ['verify', 'no-such-item']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('no object');
  });
});
