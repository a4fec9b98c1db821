/**
 * `npm start` as a process manager runs it: the supervisor and every stage as real processes, on
 * this run's Redis and S3. systemd (KillMode=control-group, its default) and `kill -- -PGID` send
 * one SIGTERM to every process of the group at once; that must drain every stage, not force them.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startHarness, type Harness } from '../helpers/harness.js';
import { QUEUE_NAMES } from '../../src/pipeline/plan.js';
import { until } from '../helpers/fixtures.js';

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
  it('starts every stage, says when all are ready, and drains them all on one SIGTERM to the whole process group', async () => {
    const env = {
      ...process.env,
      ...h.env,
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
      // Ready means ready: every queue has its worker connected by now.
      for (const q of QUEUE_NAMES) {
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
      for (const role of ['intake', 'ingest', 'inspect', 'store', 'derive', 'ocr', 'publish', 'notify', 'console'])
        expect(drained, `${role} drained`).toContain(role);
      expect(lines.some((l) => l.proc === 'yaddas' && l.msg === 'stopped')).toBe(true);
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  });
});
