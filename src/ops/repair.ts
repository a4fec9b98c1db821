/**
 * `yaddas repair`: files that fail their audit in one copy written again from a copy that holds
 * them good (storage/repair.ts), for each object named. The reference is the primary's inventory,
 * or, when the primary's own is damaged, the first replica's that reads good.
 */
import { type RepairResult, repairObject } from '../storage/repair.js';
import { copies } from './audit.js';
import type { OpsPorts } from './ports.js';

export async function* repair(
  app: Pick<OpsPorts, 'preservation' | 'replicas' | 'log'>,
  ids: AsyncIterable<string> | Iterable<string>,
): AsyncIterable<RepairResult | { id: string; error: string }> {
  const all = copies(app);
  for await (const id of ids) {
    let reference = null;
    for (const c of all) {
      reference = await c.ocfl.readInventory(id).catch(() => null);
      if (reference) break;
    }
    if (!reference) {
      yield { id, error: 'no copy holds an inventory of it that reads good: nothing to repair from' };
      continue;
    }
    const r = await repairObject(all, id, reference);
    for (const a of r.actions) app.log.warn({ itemId: id, ...a }, `repair: ${a.path} in ${a.copy}: ${a.outcome}`);
    yield r;
  }
}
