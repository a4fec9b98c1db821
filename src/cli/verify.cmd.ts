import type { App } from '../app.js';

/**
 * `yaddas verify ID`: reads the item's stored OCFL object back, checks its structure and every
 * digest its inventory records (SHA-512 and the SHA-256/MD5 fixity), and says what is wrong.
 */
export async function verifyCommand(installation: App, id: string, opts: { json?: boolean; digests?: boolean }): Promise<number> {
  const app = installation.forItem(id);
  const objectRoot = app.preservation.rootOf(id);
  const report = await app.preservation.validate(id, { checkDigests: opts.digests !== false });
  const ok = report.inventory !== null && report.errors.length === 0;
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          id,
          ok,
          objectRoot,
          bucket: app.config.s3.preservationBucket,
          head: report.inventory?.head ?? null,
          checkedFiles: report.checkedFiles,
          errors: report.errors,
          warnings: report.warnings,
        },
        null,
        2,
      )}\n`,
    );
    return ok ? 0 : 1;
  }
  if (report.inventory === null && report.errors.length === 0) {
    process.stdout.write(`${id}: no object at s3://${app.config.s3.preservationBucket}/${objectRoot}\n`);
    return 1;
  }
  for (const e of report.errors) process.stdout.write(`ERROR   ${e.code}  ${e.path ? `${e.path}: ` : ''}${e.message}\n`);
  for (const w of report.warnings) process.stdout.write(`warning ${w.code}  ${w.path ? `${w.path}: ` : ''}${w.message}\n`);
  const head = report.inventory?.head ?? '?';
  process.stdout.write(
    ok
      ? `${id}: OK — OCFL object ${objectRoot}, head ${head}, ${report.checkedFiles} files read back and every digest matched\n`
      : `${id}: ${report.errors.length} problem(s) in s3://${app.config.s3.preservationBucket}/${objectRoot}\n`,
  );
  return ok ? 0 : 1;
}
