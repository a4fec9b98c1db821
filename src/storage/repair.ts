/**
 * Repair from a good copy: a file that fails its audit in one copy is written again from another
 * copy whose bytes match what the inventory records. The good bytes are read and checked, written,
 * read back and checked again. Never from a copy that does not match, never over a file that is
 * good, and an inventory is never changed: a damaged inventory or sidecar is restored byte for
 * byte from a copy where that pair agrees and names the same head. A file that no copy holds
 * good is left as it is and reported: the object is damaged.
 */
import { createHash } from 'node:crypto';
import { digestStream } from '../checksum/digests.js';
import { type AuditResult, auditObject } from './audit.js';
import type { OcflStore } from './ocfl-store.js';
import type { Inventory } from './ocfl.core.js';

export interface RepairAction {
  copy: string;
  /** the file, relative to the object root */
  path: string;
  outcome: 'repaired' | 'no good copy' | 'left';
  /** the copy it was repaired from */
  from?: string;
  reason?: string;
}

export interface RepairResult {
  id: string;
  actions: RepairAction[];
  /** each copy's audit after the repairs */
  after: AuditResult[];
}

type Copy = { name: string; ocfl: OcflStore };

const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

/** The content path's digest in the reference inventory, or null when it is not content the inventory lists. */
function digestOf(inv: Inventory, contentPath: string): string | null {
  return Object.entries(inv.manifest).find(([, paths]) => paths.includes(contentPath))?.[0] ?? null;
}

/** A content file's bytes from a copy, only when they match the digest. */
async function goodContent(c: Copy, key: string, digest: string): Promise<boolean> {
  const body = await c.ocfl.store.get(key).catch(() => null);
  if (!body) return false;
  return (await digestStream(body, ['sha512']).catch(() => null))?.digests.sha512 === digest;
}

/** An inventory and its sidecar from a copy, only when they agree and the inventory names `head`. */
async function goodInventory(c: Copy, dir: string, head: string | null): Promise<{ json: Buffer; sidecar: Buffer } | null> {
  const json = await c.ocfl.store.getBuffer(`${dir}inventory.json`).catch(() => null);
  const sidecar = await c.ocfl.store.getBuffer(`${dir}inventory.json.sha512`).catch(() => null);
  if (!json || !sidecar || sidecar.toString('utf8').trim().split(/\s+/)[0] !== sha512(json)) return null;
  if (head !== null) {
    try {
      if ((JSON.parse(json.toString('utf8')) as Inventory).head !== head) return null;
    } catch {
      return null;
    }
  }
  return { json, sidecar };
}

export async function repairObject(copies: Copy[], id: string, reference: Inventory): Promise<RepairResult> {
  const root = copies[0]!.ocfl.rootOf(id);
  const actions: RepairAction[] = [];
  for (const target of copies) {
    const audit = await auditObject(target.name, target.ocfl, id, reference);
    if (audit.status !== 'damaged') continue;
    const others = copies.filter((c) => c !== target);
    const named = audit.findings.flatMap((f) => (f.path ? [f.path] : []));
    // A version directory deleted whole takes its inventory with it, which no finding may name.
    const versionInventories = Object.keys(reference.versions).map((v) => `${v}/inventory.json`);
    const paths = [...new Set([...named, ...versionInventories])];
    for (const p of paths) {
      const key = `${root}/${p}`;
      const digest = p.includes('/content/') ? digestOf(reference, p) : null;
      if (digest) {
        // Only a file that really is wrong here is written: a finding about another copy's file never is.
        if (await goodContent(target, key, digest)) continue;
        let from: Copy | undefined;
        for (const c of others) if (await goodContent(c, key, digest)) from = from ?? c;
        if (!from) {
          actions.push({ copy: target.name, path: p, outcome: 'no good copy', reason: 'no copy holds bytes that match the inventory' });
          continue;
        }
        const body = await from.ocfl.store.get(key);
        if (!body) continue;
        await target.ocfl.store.put(key, body);
        const ok = await goodContent(target, key, digest);
        actions.push(
          ok
            ? { copy: target.name, path: p, outcome: 'repaired', from: from.name }
            : {
                copy: target.name,
                path: p,
                outcome: 'left',
                from: from.name,
                reason: 'written, but it does not read back as the good copy',
              },
        );
        continue;
      }
      const inventoryFile = /^(v\d+\/)?inventory\.json(\.sha512)?$/.exec(p);
      if (inventoryFile) {
        const dir = inventoryFile[1] ?? '';
        const head = dir === '' ? reference.head : null;
        if (await goodInventory(target, `${root}/${dir}`, head)) continue;
        let good: { json: Buffer; sidecar: Buffer; from: string } | null = null;
        for (const c of others) {
          const g = await goodInventory(c, `${root}/${dir}`, head);
          if (g) {
            good = { ...g, from: c.name };
            break;
          }
        }
        if (!good) {
          actions.push({
            copy: target.name,
            path: p,
            outcome: 'no good copy',
            reason: 'no copy holds this inventory with a sidecar that agrees',
          });
          continue;
        }
        await target.ocfl.store.put(`${root}/${dir}inventory.json`, good.json, { contentType: 'application/json' });
        await target.ocfl.store.put(`${root}/${dir}inventory.json.sha512`, good.sidecar, { contentType: 'text/plain' });
        const back = await goodInventory(target, `${root}/${dir}`, head);
        actions.push(
          back?.json.equals(good.json)
            ? { copy: target.name, path: p, outcome: 'repaired', from: good.from }
            : {
                copy: target.name,
                path: p,
                outcome: 'left',
                from: good.from,
                reason: 'written, but it does not read back as the good copy',
              },
        );
        continue;
      }
      actions.push({ copy: target.name, path: p, outcome: 'left', reason: 'not a file the inventory lists: for a person to look at' });
    }
  }
  const after: AuditResult[] = [];
  for (const c of copies) after.push(await auditObject(c.name, c.ocfl, id, reference));
  return { id, actions, after };
}
