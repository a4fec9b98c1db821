import { SETTINGS } from '../config/settings.js';
import { redactedConfig, type Config } from '../config/load.js';

/** `yaddas config [--json]`: the effective configuration, secrets redacted. */
export function configCommand(cfg: Config, opts: { json?: boolean }): number {
  const shown = redactedConfig(cfg);
  if (opts.json) {
    const { sources: _s, ...rest } = shown as Record<string, unknown>;
    process.stdout.write(`${JSON.stringify(rest, null, 2)}\n`);
    return 0;
  }
  for (const s of SETTINGS) {
    const value = s.key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], shown);
    process.stdout.write(`${s.key.padEnd(28)} ${JSON.stringify(value).padEnd(40)} ${cfg.sources[s.key]}\n`);
  }
  return 0;
}
