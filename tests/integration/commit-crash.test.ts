/**
 * A crash at any moment of a commit never leaves an object that an OCFL validator rejects: the
 * commit worker runs as a real process and is killed (SIGKILL) right after each of its writes in
 * turn (tests/helpers/kill-after-put.mjs); a fresh worker then finishes the ingest, and the
 * object is valid, holds exactly the version it should, and its root inventory matches its sidecar
 * as read by awscli.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startHarness, type Harness } from '../helpers/harness.js';
import { pageImage, writeItem } from '../helpers/fixtures.js';
import { validateObject } from '../../src/storage/ocfl-validate.js';

let h: Harness;
const children: ChildProcess[] = [];
const KILL_HOOK = pathToFileURL(path.join(ROOT, 'tests/helpers/kill-after-put.mjs')).href;

/** The commit worker as its own process; with `killAfter`, it dies right after that write. */
function startCommitProcess(killAfter?: string): { child: ChildProcess; exited: Promise<NodeJS.Signals | number | null> } {
  const child = spawn(process.execPath, ['--import', KILL_HOOK, path.join(ROOT, 'dist/workers/commit.js')], {
    env: { ...process.env, ...h.env, YADDAS_LOG_LEVEL: 'warn', YADDAS_LOG_FORMAT: 'json', YADDAS_TEST_KILL_AFTER_PUT: killAfter ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.resume();
  child.stderr!.resume();
  children.push(child);
  const exited = new Promise<NodeJS.Signals | number | null>((r) => child.once('exit', (code, signal) => r(signal ?? code)));
  return { child, exited };
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  h = await startHarness({ roles: ['ingest', 'inspect', 'prepare', 'store', 'release'], env: { YADDAS_JOB_LOCK_SECONDS: '3' } });
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await h?.stop();
});

/** Ingests a folder while a commit worker that dies after `killAfter(root)` runs; then finishes it with a fresh one. */
async function ingestThroughCrash(
  id: string,
  files: Record<string, Buffer | string>,
  killAfter: ((root: string) => string) | null,
  dirName: string,
) {
  const root = h.app.preservation.rootOf(id);
  const dir = path.join(h.dir, 'src', dirName);
  await fs.rm(dir, { recursive: true, force: true });
  await writeItem(dir, { ...files, 'metadata.json': JSON.stringify({ identifier: id, title: `Crash ${id}` }) });
  const doomed = killAfter ? startCommitProcess(killAfter(root)) : null;
  const taken = await h.app.intake.take(dir, dirName, { move: false, via: 'cli' });
  if (doomed) expect(await doomed.exited).toBe('SIGKILL');
  const fresh = startCommitProcess();
  const rec = await h.waitFor(taken.ingestId, 120_000);
  fresh.child.kill('SIGTERM');
  await fresh.exited;
  return { root, rec };
}

async function expectValid(root: string, versions: string[]): Promise<void> {
  const report = await validateObject(h.app.preservation.store, root, { checkDigests: true });
  expect(report.errors).toEqual([]);
  expect(Object.keys(report.inventory!.versions)).toEqual(versions);
  // And as any other S3 client reads it: the root inventory matches its sidecar.
  const out = path.join(h.dir, 'aws-read');
  await fs.mkdir(out, { recursive: true });
  const bucket = h.config.s3.preservationBucket;
  await h.aws(['s3', 'cp', `s3://${bucket}/${root}/inventory.json`, path.join(out, 'inventory.json'), '--only-show-errors']);
  await h.aws(['s3', 'cp', `s3://${bucket}/${root}/inventory.json.sha512`, path.join(out, 'sidecar'), '--only-show-errors']);
  const digest = createHash('sha512')
    .update(await fs.readFile(path.join(out, 'inventory.json')))
    .digest('hex');
  expect((await fs.readFile(path.join(out, 'sidecar'), 'utf8')).split(/\s+/)[0]).toBe(digest);
}

describe('a commit killed after any one of its writes', () => {
  const firstVersion: Array<[string, (root: string) => string]> = [
    ['the item record', (r) => `^${esc(r)}/v1/content/item\\.json$`],
    ["the version's inventory", (r) => `^${esc(r)}/v1/inventory\\.json$`],
    ["the version's sidecar", (r) => `^${esc(r)}/v1/inventory\\.json\\.sha512$`],
    ['the object declaration', (r) => `^${esc(r)}/0=ocfl_object_1\\.1$`],
    ['the root inventory (before its sidecar)', (r) => `^${esc(r)}/inventory\\.json$`],
    ['the root sidecar', (r) => `^${esc(r)}/inventory\\.json\\.sha512$`],
  ];
  it.each(firstVersion.map(([what, re], i) => ({ what, re, i })))(
    'v1, after $what: finished by a fresh worker, valid',
    async ({ re, i }) => {
      const id = `crash-v1-${i}`;
      const { root, rec } = await ingestThroughCrash(id, { '01.tif': await pageImage({ seed: 40 + i }) }, re, id);
      expect(rec.status, rec.reason).toBe('preserved');
      expect(rec.version).toBe('v1');
      await expectValid(root, ['v1']);
    },
  );

  it('v2, after the root inventory and after its sidecar (before the duplicate uploads are removed): valid, no stray content', async () => {
    const id = 'crash-v2';
    const same = await pageImage({ seed: 70 });
    const first = await ingestThroughCrash(id, { '01.tif': same, '02.tif': await pageImage({ seed: 71 }) }, null, 'crash-v2');
    expect(first.rec.version).toBe('v1');
    const root = first.root;
    // A re-scan: page 1 unchanged (its upload duplicates v1's and is removed after the commit), page 2 new.
    const second = await ingestThroughCrash(
      id,
      { '01.tif': same, '02.tif': await pageImage({ seed: 72 }) },
      (r) => `^${esc(r)}/inventory\\.json$`,
      'crash-v2',
    );
    expect(second.rec.status, second.rec.reason).toBe('preserved');
    expect(second.rec.version).toBe('v2');
    await expectValid(root, ['v1', 'v2']);
    const third = await ingestThroughCrash(
      id,
      { '01.tif': same, '02.tif': await pageImage({ seed: 73 }) },
      (r) => `^${esc(r)}/inventory\\.json\\.sha512$`,
      'crash-v2',
    );
    expect(third.rec.status, third.rec.reason).toBe('preserved');
    expect(third.rec.version).toBe('v3');
    await expectValid(root, ['v1', 'v2', 'v3']);
    const v3Content: string[] = [];
    for await (const o of h.app.preservation.store.list(`${root}/v3/content/`)) v3Content.push(o.key.slice(root.length + 1));
    expect(v3Content.filter((k) => k.includes('01.tif'))).toEqual([]);
  });
});
