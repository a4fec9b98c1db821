import type { App } from '../app.js';
import { reinstateItem, withdrawItem } from '../ops/withdraw.js';

/** `yaddas withdraw ID --reason "…"` and `yaddas reinstate ID`; exit status 1 when nothing changed. */
export async function accessChangeCommand(
  app: App,
  what: 'withdraw' | 'reinstate',
  id: string,
  opts: { reason?: string; json?: boolean },
): Promise<number> {
  const r = what === 'withdraw' ? await withdrawItem(app, id, opts.reason ?? '') : await reinstateItem(app, id);
  if (opts.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else if (!r.ok) process.stdout.write(`${id}: not ${what === 'withdraw' ? 'withdrawn' : 'reinstated'}: ${r.reason}\n`);
  else if (what === 'withdraw')
    process.stdout.write(
      `${id}: withdrawn from public access (${r.version}); ${r.removed} public file(s) removed, item.json and the manifest say why\n`,
    );
  else process.stdout.write(`${id}: reinstated (${r.version}); ${r.pages} page(s) published again\n`);
  return r.ok ? 0 : 1;
}
