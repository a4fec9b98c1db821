/**
 * The console: one HTTP server (fastify) for operators and orchestrators.
 *   GET /health   the process is alive (no dependencies checked)
 *   GET /ready    Redis answers and both buckets are reachable: 200, else 503 with the reasons
 *   GET /metrics  Prometheus text format (metrics/prometheus.ts)
 * Bound to 127.0.0.1 unless configured otherwise.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import type { App } from '../app.js';
import { createRegistry } from '../metrics/prometheus.js';

export async function buildConsole(app: App): Promise<FastifyInstance> {
  const c = app.config;
  const server = Fastify({ logger: false });
  const registry = createRegistry({ queues: app.queues, status: app.status, metrics: app.metrics, stuckAfterMs: c.console.stuckMinutes * 60_000 });

  server.get('/health', async () => ({ status: 'ok', pid: process.pid, uptimeSeconds: Math.round(process.uptime()) }));

  server.get('/ready', async (_req, reply) => {
    const checks: Record<string, string> = {};
    const timeout = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no answer within 3 s')), 3000))]);
    await Promise.all([
      timeout(app.redis.ping()).then(
        () => (checks.redis = 'ok'),
        (err: Error) => (checks.redis = err.message),
      ),
      ...[c.s3.preservationBucket, c.s3.accessBucket].map((b) =>
        timeout(app.s3.send(new HeadBucketCommand({ Bucket: b }))).then(
          () => (checks[`s3:${b}`] = 'ok'),
          (err: Error) => (checks[`s3:${b}`] = `${err.name}: ${err.message}`),
        ),
      ),
    ]);
    const ready = Object.values(checks).every((v) => v === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  server.get('/metrics', async (_req, reply) => {
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  });

  return server;
}

/** Starts the console and returns its address. */
export async function startConsole(app: App): Promise<{ server: FastifyInstance; url: string }> {
  const server = await buildConsole(app);
  const url = await server.listen({ host: app.config.console.host, port: app.config.console.port });
  return { server, url };
}
