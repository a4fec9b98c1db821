/**
 * `yaddas audit`: fixity audits run now, in this process, of objects in every copy (the primary
 * and each replica) or the one named (storage/audit.ts). Each object's inventory as the primary
 * holds it names the files of a copy whose own inventory is damaged.
 */
import { type AuditResult, auditObject } from '../storage/audit.js';
import type { OcflStore } from '../storage/ocfl-store.js';
import type { OpsPorts } from './ports.js';

export const PRIMARY = 'primary';

/** Every copy by name: the primary first, then the replicas; or the one named. */
export function copies(app: Pick<OpsPorts, 'preservation' | 'replicas'>, name?: string): Array<{ name: string; ocfl: OcflStore }> {
  const all = [{ name: PRIMARY, ocfl: app.preservation }, ...app.replicas];
  if (!name) return all;
  const one = all.filter((c) => c.name === name);
  if (one.length === 0) throw new Error(`no copy named "${name}" (copies: ${all.map((c) => c.name).join(', ')})`);
  return one;
}

export async function* audit(
  app: Pick<OpsPorts, 'preservation' | 'replicas'>,
  ids: AsyncIterable<string> | Iterable<string>,
  copyName?: string,
): AsyncIterable<AuditResult> {
  const chosen = copies(app, copyName);
  for await (const id of ids) {
    const reference = await app.preservation.readInventory(id).catch(() => null);
    for (const c of chosen) yield await auditObject(c.name, c.ocfl, id, reference);
  }
}
