import type { App } from '../app.js';
import { changeRights, type RightsChange, reinstateItem, withdrawItem } from '../ops/withdraw.js';

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

/** `yaddas rights ID [--access …] [--until DATE] [--rights URI]`: a curator's change, as a new version. */
export async function rightsCommand(
  app: App,
  id: string,
  opts: { access?: string; until?: string; rights?: string; json?: boolean },
): Promise<number> {
  if (opts.access === undefined && opts.until === undefined && opts.rights === undefined) {
    process.stderr.write('yaddas rights: say what changes: --access open|restricted|embargoed [--until DATE], --rights URI\n');
    return 2;
  }
  if (opts.access !== undefined && !['open', 'restricted', 'embargoed'].includes(opts.access)) {
    process.stderr.write('yaddas rights: --access is open, restricted or embargoed\n');
    return 2;
  }
  const change: RightsChange = {
    ...(opts.access ? { access: opts.access as RightsChange['access'] } : {}),
    ...(opts.until !== undefined ? { embargoUntil: opts.until } : {}),
    ...(opts.rights !== undefined ? { rights: opts.rights } : {}),
  };
  const r = await changeRights(app, id, change);
  if (opts.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else if (!r.ok) process.stdout.write(`${id}: not changed: ${r.reason}\n`);
  else
    process.stdout.write(`${id}: rights changed (${r.version}); ${r.pages ? `${r.pages} page(s) published` : 'nothing of it is public'}\n`);
  return r.ok ? 0 : 1;
}
