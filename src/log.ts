import pino, { type Logger } from 'pino';
import type { Config } from './config/load.js';

export type { Logger };

/**
 * One logger per process. JSON lines for machines; readable lines on a terminal. Secrets are
 * redacted wherever they might be bound, and file names are only ever values (under `file`),
 * never keys, so an untrusted name cannot forge a field.
 *
 * Processes log to stdout. The CLI logs to stderr (`to: 'stderr'`): its stdout is its output, for
 * people and for scripts (`--json` into jq), and must carry nothing else.
 */
export function createLogger(cfg: Pick<Config, 'log'>, name: string, opts: { to?: 'stdout' | 'stderr' } = {}): Logger {
  const toStderr = opts.to === 'stderr';
  const stream = toStderr ? process.stderr : process.stdout;
  const pretty = cfg.log.format === 'pretty' || (cfg.log.format === 'auto' && stream.isTTY === true);
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
  if (pretty) {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: {
          colorize: stream.isTTY === true,
          translateTime: 'SYS:HH:MM:ss',
          ignore: 'pid,hostname,proc',
          destination: toStderr ? 2 : 1,
        },
      },
    });
  }
  return pino(options, pino.destination({ dest: toStderr ? 2 : 1, sync: toStderr }));
}
