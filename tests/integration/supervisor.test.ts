/**
 * `npm start` as a process manager runs it: the supervisor and every stage as real processes, on
 * this run's Redis and S3. systemd (KillMode=control-group, its default) and `kill -- -PGID` send
 * one SIGTERM to every process of the group at once; that must drain every stage, not force them.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startHarness, type Harness } from '../helpers/harness.js';
import { QUEUE_NAMES } from '../../src/pipeline/plan.js';
import { pageImage, until, writeItem } from '../helpers/fixtures.js';

let h: Harness;
beforeAll(async () => {
  // Only the supervisor's processes run the stages here.
  h = await startHarness({ roles: [] });
});
afterAll(async () => {
  await h?.stop();
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('npm start under a process manager', () => {
  it.each([
    ['per-stage', ['intake', 'ingest', 'inspect', 'store', 'derive', 'ocr', 'publish', 'notify', 'audit', 'console']],
    ['one', ['stages']],
  ] as const)(
    '(%s process) starts every stage, says when all are ready, and drains them all on one SIGTERM to the whole process group',
    async (mode, procs) => {
      const env = {
        ...process.env,
        ...h.env,
        YADDAS_PROCESSES: mode,
        YADDAS_CONSOLE_PORT: String(await freePort()),
        YADDAS_LOG_LEVEL: 'info',
        YADDAS_LOG_FORMAT: 'json',
      };
      const child = spawn(process.execPath, [path.join(ROOT, 'dist/workers/all.js')], {
        env,
        cwd: h.dir,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.on('exit', (code, signal) => resolve({ code, signal })),
      );
      try {
        await until(async () => out.includes('all stages running'), 90_000, 'the supervisor said all stages are running');
        // Ready means ready: every queue has its worker connected by now (replicate's only with replicas).
        for (const q of QUEUE_NAMES.filter((n) => n !== 'replicate')) {
          expect(await h.app.queues.workerCount(q), `${q} has a worker`).toBeGreaterThan(0);
        }

        // One SIGTERM to every process of the group, as systemd and `kill -- -PGID` deliver it.
        process.kill(-child.pid!, 'SIGTERM');
        const { code } = await exited;
        expect(out).not.toContain('second signal');
        const lines = out
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { proc?: string; msg?: string });
        const drained = new Set(lines.filter((l) => l.msg?.startsWith('draining')).map((l) => l.proc));
        for (const role of procs) expect(drained, `${role} drained`).toContain(role);
        expect(lines.some((l) => l.proc === 'yaddas' && l.msg === 'stopped')).toBe(true);
        expect(code).toBe(0);
      } finally {
        if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
      }
    },
  );
});

/** A process's parent and command line, from /proc. */
async function childrenOf(pid: number): Promise<Array<{ pid: number; cmd: string }>> {
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const e of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const stat = await fs.readFile(`/proc/${e}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid)
      out.push({ pid: Number(e), cmd: (await fs.readFile(`/proc/${e}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ') });
  }
  return out;
}

describe('npm start on its embedded defaults', () => {
  it('turns away a name the embedded S3 server cannot hold, and survives that server dying: it is started again and the next item is preserved', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...h.env,
      YADDAS_S3_PORT: String(await freePort()),
      YADDAS_CONSOLE_PORT: String(await freePort()),
      YADDAS_LOG_LEVEL: 'info',
      YADDAS_LOG_FORMAT: 'json',
    };
    // The embedded S3 server, and the rejected area's default (beside the inbox).
    for (const k of ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL', 'YADDAS_REJECTED_DIR']) delete env[k];
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/workers/all.js')], {
      env,
      cwd: h.dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const recordOf = async (name: string) => (await h.app.status.recent(50)).find((r) => r.sourceName === name);
    try {
      await until(async () => out.includes('all stages running'), 90_000, 'all stages running');

      // A page name of 240 bytes: s3rver would keep it as a file name of 262 bytes.
      const long = `${'a'.repeat(236)}.png`;
      await writeItem(path.join(h.config.inbox, 'long names'), {
        [long]: await pageImage({ seed: 71, format: 'png' }),
        '2.png': await pageImage({ seed: 72, format: 'png' }),
      });
      await until(async () => (await recordOf('long names'))?.status === 'rejected', 60_000, 'the item with a long name rejected').catch(
        (err: Error) => {
          throw new Error(`${err.message}; the log ends:\n${out.slice(-3000)}`);
        },
      );
      const rejected = (await recordOf('long names'))!;
      expect(rejected.code).toBe('NAME_TOO_LONG');
      const report = await fs.readFile(path.join(h.dir, 'rejected', rejected.ingestId, 'REJECTED.txt'), 'utf8');
      expect(report).toMatch(/The file name is 240 bytes long; the storage can keep names of at most 233 bytes/);

      // The embedded S3 server dies (as s3rver did on such a name): only it, and it comes back.
      const s3 = (await childrenOf(child.pid!)).find((c) => c.cmd.includes('workers/s3.js'));
      expect(s3, 'the embedded S3 server runs as a process of its own').toBeDefined();
      process.kill(s3!.pid, 'SIGKILL');
      await until(async () => out.includes('the embedded S3 server exited; restarting it'), 10_000, 'the supervisor saw it go');
      await writeItem(path.join(h.config.inbox, 'after'), { '1.png': await pageImage({ seed: 73, format: 'png' }) });
      await until(
        async () => {
          const r = await recordOf('after');
          return r?.publication === 'published' && !r.stage;
        },
        120_000,
        'the next item preserved and published',
      );
      expect(child.exitCode, 'the supervisor is still running').toBeNull();
      expect(
        (await childrenOf(child.pid!)).some((c) => c.cmd.includes('workers/s3.js')),
        'a new embedded S3 server runs',
      ).toBe(true);

      process.kill(-child.pid!, 'SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
      for (const c of await childrenOf(1))
        if (c.cmd.includes(path.join(ROOT, 'dist/workers/s3.js')) && c.cmd.includes(h.id)) process.kill(c.pid, 'SIGKILL');
    }
  });
});
