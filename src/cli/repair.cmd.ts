/** `yaddas repair ID... [--json]`: what fails its audit in one copy, repaired from a good one (ops/repair.ts). */
import type { App } from '../app.js';
import { repair } from '../ops/repair.js';

export async function repairCommand(app: App, ids: string[], opts: { json?: boolean }): Promise<number> {
  if (ids.length === 0) {
    process.stderr.write('yaddas repair: name item ids\n');
    return 2;
  }
  const results = [];
  let whole = true;
  for await (const r of repair(app, ids)) {
    results.push(r);
    if ('error' in r) {
      whole = false;
      if (!opts.json) process.stdout.write(`not repaired  ${r.id}: ${r.error}\n`);
      continue;
    }
    if (r.after.some((a) => a.status !== 'ok')) whole = false;
    if (opts.json) continue;
    for (const a of r.actions)
      process.stdout.write(
        `${a.outcome.padEnd(13)} ${r.id}  ${a.path} in ${a.copy}${a.from ? ` from ${a.from}` : ''}${a.reason ? `: ${a.reason}` : ''}\n`,
      );
    for (const a of r.after)
      process.stdout.write(`now ${a.status.padEnd(11)} ${r.id}  in ${a.copy}${a.files.length ? `: ${a.files.join(', ')}` : ''}\n`);
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  return whole ? 0 : 1;
}
