/**
 * Real services for the whole test run: Redis at REDIS_URL (or a private redis-server when
 * nothing answers there) and an S3-compatible server (the AWS variables' endpoint when set,
 * otherwise s3rver on a random local port). Tests isolate themselves inside these with their own
 * key prefix and buckets, so they pass while another Yaddaş uses the same Redis.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { TestProject } from 'vitest/node';
import { freePort } from './ports.js';
import { redisAnswers } from '../../src/adapters/redis/connection.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    s3Endpoint: string;
    s3External: boolean;
  }
}

export default async function setup(project: TestProject) {
  const cleanups: Array<() => Promise<void>> = [];
  let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!(await redisAnswers(redisUrl))) {
    const port = await freePort();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'yaddas-test-redis-'));
    const child: ChildProcess = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    redisUrl = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 100 && !(await redisAnswers(redisUrl, 300)); i++) await sleep(100);
    if (!(await redisAnswers(redisUrl)))
      throw new Error('no Redis: nothing answers at REDIS_URL and redis-server could not be started (install redis-server)');
    process.stderr.write(`tests: started a private redis-server at ${redisUrl}\n`);
    cleanups.push(async () => {
      child.kill();
      await fs.rm(dir, { recursive: true, force: true });
    });
  }

  const external = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  let s3Endpoint = external ?? '';
  if (!external) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'yaddas-test-s3-'));
    const server = new S3rver({ address: '127.0.0.1', port: 0, directory: dir, silent: true });
    const { port } = await server.run();
    s3Endpoint = `http://127.0.0.1:${port}`;
    cleanups.push(async () => {
      await server.close();
      await fs.rm(dir, { recursive: true, force: true });
    });
  }
  project.provide('redisUrl', redisUrl);
  project.provide('s3Endpoint', s3Endpoint);
  project.provide('s3External', Boolean(external));
  return async () => {
    for (const c of cleanups.reverse()) await c();
  };
}
