import type { App } from '../app.js';
import { exportItems } from '../ops/export.js';

/**
 * `yaddas export ID… --bag DIR | --to s3://BUCKET/PREFIX [--version vN | --all-versions]`: one
 * BagIt bag per object. Exit status 1 when any could not be exported.
 */
export async function exportCommand(
  app: App,
  ids: string[],
  opts: { bag?: string; to?: string; version?: string; allVersions?: boolean; json?: boolean },
): Promise<number> {
  if (!opts.bag === !opts.to) {
    process.stderr.write('yaddas export: give exactly one of --bag DIR or --to s3://BUCKET/PREFIX\n');
    return 2;
  }
  if (opts.version && opts.allVersions) {
    process.stderr.write('yaddas export: --version and --all-versions exclude each other\n');
    return 2;
  }
  if (opts.version && !/^v[1-9]\d*$/.test(opts.version)) {
    process.stderr.write(`yaddas export: --version is a version name such as v2, not ${opts.version}\n`);
    return 2;
  }
  if (ids.length === 0) {
    process.stderr.write('yaddas export: name the items to export\n');
    return 2;
  }
  const results = await exportItems(app, ids, {
    ...(opts.bag ? { bag: opts.bag } : {}),
    ...(opts.to ? { to: opts.to } : {}),
    ...(opts.version ? { version: opts.version } : {}),
    ...(opts.allVersions ? { allVersions: true } : {}),
  });
  if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else
    for (const r of results) {
      if (r.ok)
        process.stdout.write(
          `${r.id}: bag of ${r.result.version === 'all' ? 'every version' : r.result.version} in ${r.result.where} — ${r.result.files} files, ${r.result.bytes} bytes (Payload-Oxum ${r.result.oxum}), every file checked against the inventory on its way${r.result.where.startsWith('s3://') ? ' and read back' : ''}, ${r.seconds.toFixed(1)} s\n`,
        );
      else process.stdout.write(`${r.id}: NOT exported: ${r.reason}\n`);
    }
  return results.every((r) => r.ok) ? 0 : 1;
}
