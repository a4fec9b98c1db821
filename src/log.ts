import pino, { type Logger } from 'pino';
import type { Config } from './config/load.js';

export type { Logger };

/**
 * One logger per process. JSON lines for machines; readable lines on a terminal. Secrets are
 * redacted wherever they might be bound, and file names are only ever values (under `file`),
 * never keys, so an untrusted name cannot forge a field.
 */
export function createLogger(cfg: Pick<Config, 'log'>, name: string, dest?: pino.DestinationStream): Logger {
  const pretty = cfg.log.format === 'pretty' || (cfg.log.format === 'auto' && process.stdout.isTTY === true);
  const options: pino.LoggerOptions = {
    name,
    level: cfg.log.level,
    base: { pid: process.pid, proc: name },
    redact: {
      paths: [
        'config.s3.secretAccessKey',
        'config.redis.url',
        's3.secretAccessKey',
        'secretAccessKey',
        'password',
        '*.password',
        'headers.authorization',
        'req.headers.authorization',
        'redisUrl',
      ],
      censor: '[redacted]',
    },
    serializers: { err: pino.stdSerializers.err },
  };
  if (dest) return pino(options, dest);
  if (pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,proc' } },
    });
  }
  return pino(options);
}
