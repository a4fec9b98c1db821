/** `yaddas replicate ID... | --all [--copy NAME] [--json]`: objects brought to the replica stores (ops/replicate.ts). */
import type { App } from '../app.js';
import { allItemIds } from '../ops/rederive.js';
import { type ReplicateOutcome, replicate } from '../ops/replicate.js';

export async function replicateCommand(app: App, ids: string[], opts: { all?: boolean; copy?: string; json?: boolean }): Promise<number> {
  if (!opts.all && ids.length === 0) {
    process.stderr.write('yaddas replicate: name item ids, or --all\n');
    return 2;
  }
  const results: ReplicateOutcome[] = [];
  try {
    for await (const r of replicate(app, opts.all ? allItemIds(app) : ids, opts.copy)) {
      results.push(r);
      if (opts.json) continue;
      if (!r.ok) process.stdout.write(`failed    ${r.id}  to ${r.copy}: ${r.reason}\n`);
      else if (r.result.status === 'complete') process.stdout.write(`complete  ${r.id}  ${r.result.version} in ${r.copy}\n`);
      else
        process.stdout.write(
          `copied    ${r.id}  ${r.result.version} to ${r.copy}: ${r.result.written} file(s) written (${r.result.bytes} bytes), ${r.result.checked} already there and checked\n`,
        );
    }
  } catch (err) {
    process.stderr.write(`yaddas replicate: ${(err as Error).message}\n`);
    return 2;
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  return results.every((r) => r.ok) ? 0 : 1;
}
