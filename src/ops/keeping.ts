/**
 * What operators and preservation staff see of copies and audits: each copy's health and the
 * share of its objects audited within the policy, overdue and damaged objects, items whose copies
 * are not all complete, and one item's copies and last audits. For `yaddas status`, `items`,
 * `show`, the console's Preservation page and the Prometheus gauges alike.
 */
import type { AuditRecord } from '../domain/audit-record.js';
import { withTimeout } from '../domain/time.js';
import { copies } from './audit.js';
import type { OpsPorts } from './ports.js';

const DAY_MS = 24 * 3600 * 1000;

export interface CopyHealth {
  name: string;
  /** where it is: bucket (and prefix) */
  where: string;
  /** "ok", or why it could not be reached */
  reachable: string;
  /** objects the audit scheduler keeps for this copy */
  objects: number;
  /** audited within YADDAS_AUDIT_DAYS */
  withinPolicy: number;
  /** audited, but longer ago than the policy */
  overdue: number;
  /** never audited yet (new content) */
  notYetAudited: number;
  /** share of objects audited within the policy, 0–1 (1 with no objects) */
  share: number;
  /** each object's last audit here, by status */
  lastAudits: Record<string, number>;
}

export interface PreservationSummary {
  copies: CopyHealth[];
  /** complete copies each item needs (the primary included) */
  required: number;
  /** items whose copies are not all complete yet */
  incomplete: number;
  /** objects with a file no copy holds good */
  damaged: number;
  auditDays: number;
  repairMode: 'auto' | 'operator';
  /** repairs by outcome, since Redis began counting */
  repairs: Record<string, number>;
  /** audits by status, since Redis began counting */
  audits: Record<string, number>;
}

export const requiredCopies = (app: Pick<OpsPorts, 'config'>): number =>
  app.config.copies.required || 1 + app.config.copies.replicas.length;

/**
 * Copies and audits at a glance, over every institution's storage (or these institutions'):
 * copies of the same name (each institution's primary, each replica) are counted together.
 */
export async function preservationSummary(
  app: OpsPorts,
  opts: { probe?: boolean; institutions?: readonly string[] } = {},
): Promise<PreservationSummary> {
  const tenants = (app.tenants.length ? app.tenants : [app]).filter(
    (t) => !opts.institutions || opts.institutions.includes(t.institution.id),
  );
  const parts = await Promise.all(tenants.map((t) => tenantSummary(t, opts)));
  const [first, ...rest] = parts;
  if (!first) return { ...(await tenantSummary(app, opts)), copies: [], incomplete: 0, damaged: 0 };
  const copies = first.copies.map((c) => ({ ...c, lastAudits: { ...c.lastAudits } }));
  for (const p of rest)
    for (const c of p.copies) {
      const into = copies.find((x) => x.name === c.name);
      if (!into) {
        copies.push({ ...c, lastAudits: { ...c.lastAudits } });
        continue;
      }
      into.where = into.where.split(', ').includes(c.where) ? into.where : `${into.where}, ${c.where}`;
      if (into.reachable === 'ok' || into.reachable === 'not checked') into.reachable = c.reachable;
      into.objects += c.objects;
      into.withinPolicy += c.withinPolicy;
      into.overdue += c.overdue;
      into.notYetAudited += c.notYetAudited;
      into.share = into.objects === 0 ? 1 : into.withinPolicy / into.objects;
      for (const [k, n] of Object.entries(c.lastAudits)) into.lastAudits[k] = (into.lastAudits[k] ?? 0) + n;
    }
  return {
    ...first,
    copies,
    incomplete: parts.reduce((n, p) => n + p.incomplete, 0),
    damaged: parts.reduce((n, p) => n + p.damaged, 0),
  };
}

/** The damaged items and the items whose copies are incomplete, of every institution (or these), newest damage first. */
export async function keepingLists(
  app: OpsPorts,
  limit: number,
  institutions?: readonly string[],
): Promise<{ damaged: Array<{ id: string; since: string }>; incomplete: string[] }> {
  const tenants = app.tenants.filter((t) => !institutions || institutions.includes(t.institution.id));
  const damaged = (await Promise.all(tenants.map((t) => t.keeping.damaged(limit)))).flatMap((d) => d.items);
  const incomplete = (await Promise.all(tenants.map((t) => t.keeping.incomplete(limit)))).flatMap((d) => d.ids);
  return { damaged: damaged.sort((a, b) => (a.since < b.since ? 1 : -1)).slice(0, limit), incomplete: incomplete.slice(0, limit) };
}

async function tenantSummary(app: OpsPorts, opts: { probe?: boolean }): Promise<PreservationSummary> {
  const now = Date.now();
  const cutoff = now - app.config.audit.days * DAY_MS;
  const health = await Promise.all(
    copies(app).map(async (c): Promise<CopyHealth> => {
      const [counts, lastAudits, reachable] = await Promise.all([
        app.keeping.auditCounts(c.name, cutoff),
        app.keeping.statusCounts(c.name),
        opts.probe === false
          ? Promise.resolve('not checked')
          : withTimeout(c.ocfl.ping(), 3000, () => new Error('no answer within 3 s')).then(
              () => 'ok',
              (err: Error) => err.message,
            ),
      ]);
      return {
        name: c.name,
        where: c.ocfl.bucket,
        reachable,
        objects: counts.total,
        withinPolicy: counts.within,
        overdue: counts.overdue,
        notYetAudited: counts.fresh,
        share: counts.total === 0 ? 1 : counts.within / counts.total,
        lastAudits,
      };
    }),
  );
  const [incomplete, damaged, repairs, audits] = await Promise.all([
    app.keeping.incomplete(0),
    app.keeping.damaged(0),
    app.metrics.counters('repairs_total'),
    app.metrics.counters('audits_total'),
  ]);
  const sum = (rows: Array<{ labels: Record<string, string>; value: number }>, label: string) => {
    const out: Record<string, number> = {};
    for (const r of rows) out[r.labels[label] ?? ''] = (out[r.labels[label] ?? ''] ?? 0) + r.value;
    return out;
  };
  return {
    copies: health,
    required: requiredCopies(app),
    incomplete: incomplete.total,
    damaged: damaged.total,
    auditDays: app.config.audit.days,
    repairMode: app.config.audit.repair,
    repairs: sum(repairs, 'outcome'),
    audits: sum(audits, 'status'),
  };
}

/** `yaddas status`'s line about copies and audits. */
export function summaryLine(s: PreservationSummary): string {
  const shares = s.copies.map((c) => `${c.name} ${(c.share * 100).toFixed(c.share === 1 || c.share === 0 ? 0 : 1)}%`).join(', ');
  const overdue = s.copies.reduce((n, c) => n + c.overdue, 0);
  const down = s.copies.filter((c) => c.reachable !== 'ok' && c.reachable !== 'not checked').map((c) => c.name);
  return `preservation: ${s.copies.length} ${s.copies.length === 1 ? 'copy' : 'copies'} (${s.required} required); audited within ${s.auditDays} days: ${shares}; overdue: ${overdue}; damaged: ${s.damaged}; items with copies incomplete: ${s.incomplete}${down.length ? `; UNREACHABLE: ${down.join(', ')}` : ''}`;
}

export interface ItemCopies {
  /** complete copies (holding the primary's head) of those required */
  complete: number;
  required: number;
  /** per copy: the version it holds complete (null: none yet), and its last audit */
  copies: Array<{ name: string; version: string | null; lastAudit: AuditRecord | null }>;
  /** when a file with no good copy was first found, or null */
  damagedSince: string | null;
}

export async function itemCopies(installation: OpsPorts, itemId: string): Promise<ItemCopies> {
  const app = installation.forItem(itemId);
  const held = await app.keeping.copiesOf(itemId);
  const all = copies(app);
  const audits = await Promise.all(all.map(async (c) => (await app.keeping.lastAudits(c.name, [itemId]))[0] ?? null));
  const head = held.primary ?? null;
  const list = all.map((c, i) => ({ name: c.name, version: held[c.name] ?? null, lastAudit: audits[i] ?? null }));
  return {
    complete: head ? list.filter((c) => c.version === head).length : 0,
    required: requiredCopies(app),
    copies: list,
    damagedSince: await app.keeping.damagedSince(itemId),
  };
}

/** Audits in the last hour and the rate they read at, from the console's chart points (null: not enough points yet). */
export function auditThroughput(
  points: Array<{ t: number; audits?: number; auditBytes?: number }>,
): { audits: number; mbPerSecond: number; minutes: number } | null {
  const counted = points.filter((p) => p.audits !== undefined && p.auditBytes !== undefined);
  if (counted.length < 2) return null;
  const a = counted[0]!;
  const b = counted.at(-1)!;
  const seconds = (b.t - a.t) / 1000;
  if (seconds <= 0) return null;
  return {
    audits: Math.max(0, b.audits! - a.audits!),
    mbPerSecond: Math.max(0, b.auditBytes! - a.auditBytes!) / 1e6 / seconds,
    minutes: Math.round(seconds / 60),
  };
}
