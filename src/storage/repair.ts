/**
 * Repair from a good copy: a file that fails its audit in one copy is written again from another
 * copy whose bytes match what the inventory records. The good bytes are read and checked while
 * they stream, written, read back and checked again. Never from a copy that does not match, never
 * over a file that is good or cannot be read. Only content is repaired here: inventories,
 * sidecars and declarations are reported and left (a replica's are restored by `yaddas
 * replicate`, which checks versions; the primary's need a person). A file that no copy holds
 * good is left as it is and reported: the object is damaged.
 */
import { pipeline } from 'node:stream/promises';
import { digestStream, VerifyingStream } from '../checksum/digests.js';
import { type AuditResult, auditObject } from './audit.js';
import type { OcflStore } from './ocfl-store.js';
import type { Inventory } from './ocfl.core.js';

export interface RepairAction {
  copy: string;
  /** the file, relative to the object root */
  path: string;
  /** 'awaiting operator': a good copy exists, and repairs wait for `yaddas repair` (YADDAS_AUDIT_REPAIR=operator) */
  outcome: 'repaired' | 'no good copy' | 'left' | 'awaiting operator';
  /** the copy it was repaired from */
  from?: string;
  reason?: string;
  /** left because a copy could not be read now: not a verdict, to be tried again */
  transient?: true;
}

export interface RepairResult {
  id: string;
  actions: RepairAction[];
  /** each copy's audit after the repairs */
  after: AuditResult[];
}

type Copy = { name: string; ocfl: OcflStore };

/** The content path's digest in the reference inventory, or null when it is not content the inventory lists. */
function digestOf(inv: Inventory, contentPath: string): string | null {
  return Object.entries(inv.manifest).find(([, paths]) => paths.includes(contentPath))?.[0] ?? null;
}

/** What a copy holds of a content file: the right bytes, other bytes (or none), or nothing that could be read now. */
type Holding = 'good' | 'bad' | 'unreadable';

async function holding(c: Copy, key: string, digest: string): Promise<Holding> {
  try {
    const body = await c.ocfl.store.get(key);
    if (!body) return 'bad';
    return (await digestStream(body, ['sha512'])).digests.sha512 === digest ? 'good' : 'bad';
  } catch {
    return 'unreadable';
  }
}

export interface RepairOptions {
  /** repair only this copy (the others are sources only) */
  only?: string;
  /** that copy's audit, when it was just made (not made again) */
  audit?: AuditResult;
  /** find what would be repaired, write nothing */
  dryRun?: boolean;
  /** runs each copy's writes holding that copy's lock (one writer per object and copy) */
  holding?: <T>(copy: string, fn: () => Promise<T>) => Promise<T>;
  /** told of each action as soon as it is taken (so that a crash never loses the record of a write) */
  onAction?: (a: RepairAction) => Promise<void>;
}

export async function repairObject(copies: Copy[], id: string, reference: Inventory, opts: RepairOptions = {}): Promise<RepairResult> {
  const root = copies[0]!.ocfl.rootOf(id);
  const actions: RepairAction[] = [];
  const targets = opts.only ? copies.filter((c) => c.name === opts.only) : copies;
  const hold = opts.holding ?? (<T>(_copy: string, fn: () => Promise<T>) => fn());
  const act = async (a: RepairAction) => {
    actions.push(a);
    await opts.onAction?.(a);
  };
  const after: AuditResult[] = [];
  for (const target of targets) {
    const audit = opts.audit && opts.audit.copy === target.name ? opts.audit : await auditObject(target.name, target.ocfl, id, reference);
    const before = actions.length;
    if (audit.status === 'damaged')
      await hold(target.name, () => repairCopy(target, copies, root, audit, reference, act, opts.dryRun ?? false));
    // Audited again only where something was written.
    const wrote = actions.slice(before).some((a) => a.outcome === 'repaired' || (a.outcome === 'left' && a.from));
    after.push(wrote ? await auditObject(target.name, target.ocfl, id, reference) : audit);
  }
  return { id, actions, after };
}

async function repairCopy(
  target: Copy,
  copies: Copy[],
  root: string,
  audit: AuditResult,
  reference: Inventory,
  act: (a: RepairAction) => Promise<void>,
  dryRun: boolean,
): Promise<void> {
  const others = copies.filter((c) => c !== target);
  const paths = [...new Set(audit.findings.flatMap((f) => (f.path ? [f.path] : [])))];
  for (const p of paths) {
    const key = `${root}/${p}`;
    const digest = p.includes('/content/') ? digestOf(reference, p) : null;
    if (digest) {
      // Only a file that really is wrong here is written: a finding about another copy's file never
      // is, and neither is one that cannot be read now (it may be good).
      const here = await holding(target, key, digest);
      if (here === 'good') continue;
      if (here === 'unreadable') {
        await act({
          copy: target.name,
          path: p,
          outcome: 'left',
          reason: 'it could not be read here now: not written over',
          transient: true,
        });
        continue;
      }
      let from: Copy | undefined;
      let unreadable = 0;
      for (const c of others) {
        const h = await holding(c, key, digest);
        if (h === 'unreadable') unreadable++;
        if (h === 'good') {
          from = c;
          break;
        }
      }
      if (!from && unreadable > 0) {
        // A copy that could not be read may hold it good: not a verdict yet.
        await act({
          copy: target.name,
          path: p,
          outcome: 'left',
          reason: `${unreadable} other cop${unreadable === 1 ? 'y' : 'ies'} could not be read now; repaired when one can`,
          transient: true,
        });
        continue;
      }
      if (!from) {
        await act({ copy: target.name, path: p, outcome: 'no good copy', reason: 'no copy holds bytes that match the inventory' });
        continue;
      }
      if (dryRun) {
        await act({ copy: target.name, path: p, outcome: 'awaiting operator', from: from.name, reason: 'a good copy exists' });
        continue;
      }
      const body = await from.ocfl.store.get(key);
      if (!body) continue;
      const checked = new VerifyingStream('sha512', digest, () => new Error(`${key} in ${from.name} changed while it was read`));
      pipeline(body, checked).catch(() => {});
      await target.ocfl.store.put(key, checked);
      const ok = (await holding(target, key, digest)) === 'good';
      await act(
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
    if (/^(v\d+\/)?inventory\.json(\.sha512)?$|^0=/.test(p)) {
      // Inventories are not repaired here: which head a copy should name is replicate's to
      // decide (it checks versions), and a person's when copies disagree.
      await act({
        copy: target.name,
        path: p,
        outcome: 'left',
        reason: "an inventory or declaration: yaddas replicate restores a replica's; a person, the primary's",
      });
      continue;
    }
    await act({ copy: target.name, path: p, outcome: 'left', reason: 'not a file the inventory lists: for a person to look at' });
  }
}
