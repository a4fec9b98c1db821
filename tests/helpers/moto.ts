/** moto's S3 server for tests that compare S3 services: found, started on a free port, stopped. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.js';

/**
 * moto's server: YADDAS_TEST_MOTO, else `moto_server` on PATH, else where pip and pyenv put it
 * (a CI runner's PATH may lack pyenv's shims).
 */
export function findMoto(): string {
  if (process.env.YADDAS_TEST_MOTO) return process.env.YADDAS_TEST_MOTO;
  const home = os.homedir();
  const candidates = [
    ...(process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'moto_server')),
    path.join(home, '.local/bin/moto_server'),
    ...(existsSync(path.join(home, '.pyenv/versions'))
      ? readdirSync(path.join(home, '.pyenv/versions')).map((v) => path.join(home, '.pyenv/versions', v, 'bin/moto_server'))
      : []),
  ];
  return candidates.find((c) => existsSync(c)) ?? 'moto_server';
}

/** Starts moto's server; resolves once it answers. */
export async function startMoto(): Promise<{ url: string; child: ChildProcess; stop(): void }> {
  const port = await freePort();
  const child = spawn(findMoto(), ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const failed = new Promise<never>((_, reject) =>
    child.once('error', (err) => reject(new Error(`moto_server could not be started (${err.message}); pip install 'moto[server]'`))),
  );
  const url = `http://127.0.0.1:${port}`;
  const up = (async () => {
    for (let i = 0; i < 100; i++) {
      if (
        await fetch(url).then(
          () => true,
          () => false,
        )
      )
        return;
      await sleep(100);
    }
    throw new Error(`moto_server did not answer at ${url}`);
  })();
  await Promise.race([up, failed]);
  return { url, child, stop: () => child.kill() };
}
