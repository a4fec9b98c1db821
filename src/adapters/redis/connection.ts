import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../../config/load.js';

/**
 * Workers block on Redis and must wait out a reconnect (BullMQ requires maxRetriesPerRequest:
 * null); producers and the CLI fail fast instead of queueing commands while Redis is away.
 */
export function createRedis(cfg: Pick<Config, 'redis'>, role: 'worker' | 'producer', extra: { keyPrefix?: string } = {}): Redis {
  const opts: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 3, enableOfflineQueue: false, connectTimeout: 5_000 };
  return new Redis(cfg.redis.url, { ...opts, ...extra, lazyConnect: role === 'producer' });
}

/** A plain-words list of the ways this Redis can lose jobs (empty: none found). */
export async function redisDurabilityWarnings(redis: Redis): Promise<string[]> {
  const warnings: string[] = [];
  try {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
    const [, aof] = (await redis.config('GET', 'appendonly')) as [string, string];
    const [, save] = (await redis.config('GET', 'save')) as [string, string];
    if (policy !== 'noeviction')
      warnings.push(
        `maxmemory-policy is "${policy}": Redis may evict queue keys under memory pressure and jobs would be lost; set it to "noeviction".`,
      );
    if (aof !== 'yes' && (save ?? '').trim() === '')
      warnings.push(
        'Redis has no persistence (appendonly no, no save points): a Redis restart loses every queued job; enable AOF (appendonly yes).',
      );
    else if (aof !== 'yes')
      warnings.push(
        'Redis persists by snapshots only (appendonly no): a crash loses the jobs since the last snapshot; enable AOF (appendonly yes).',
      );
  } catch (err) {
    warnings.push(
      `could not check Redis persistence settings (CONFIG GET refused: ${(err as Error).message}); make sure AOF is on and maxmemory-policy is noeviction.`,
    );
  }
  return warnings;
}

/** Whether a Redis answers PING at this URL within the time limit (no retries, no queueing). */
export async function redisAnswers(url: string, timeoutMs = 2_000): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}
