/** `yaddas embargoes [--lift]`: the items under embargo and when each ends; `--lift` publishes those that ended, now. */
import type { App } from '../app.js';
import { embargoedItems, liftEmbargoes } from '../ops/embargo.js';

export async function embargoesCommand(app: App, opts: { lift?: boolean; json?: boolean }): Promise<number> {
  if (opts.lift) {
    const r = await liftEmbargoes(app);
    if (opts.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else {
      for (const l of r.lifted)
        process.stdout.write(`published  ${l.itemId}  ${l.pages} page(s)${l.eventId ? `, item.published ${l.eventId}` : ''}\n`);
      for (const k of r.kept) process.stdout.write(`kept       ${k.itemId}  ${k.reason}\n`);
      for (const f of r.failed) process.stdout.write(`failed     ${f.itemId}  ${f.reason}\n`);
      if (r.lifted.length + r.kept.length + r.failed.length === 0) process.stdout.write('no embargo has ended\n');
    }
    return r.failed.length === 0 ? 0 : 1;
  }
  const all = (await embargoedItems(app)).map((e) => ({ itemId: e.itemId, until: new Date(e.until).toISOString() }));
  if (opts.json) process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
  else if (all.length === 0) process.stdout.write('no item is under embargo\n');
  else for (const e of all) process.stdout.write(`${e.until}  ${e.itemId}\n`);
  return 0;
}
