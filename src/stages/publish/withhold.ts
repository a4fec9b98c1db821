/**
 * What the public sees of a withdrawn item: a tombstone. Every public access copy of it goes
 * (tiles, thumbnails, access images, text, ALTO, hOCR, the PDF, the METS); item.json and the IIIF
 * manifest stay readable and say that it was withdrawn, when and why; the collections drop it.
 * Used by `yaddas withdraw` and by publish whenever the head version says the item is withdrawn,
 * so that a flow still running when the item was withdrawn ends with the tombstone too.
 */
import { inEveryLanguage } from '../../domain/i18n/index.js';
import type { Embargoes } from '../../adapters/redis/embargoes.js';
import { type AccessFacts, accessWithheld, embargoEnd, type Withdrawal } from '../../domain/withdrawal.js';
import { itemKeys, publicUrl } from '../../storage/access-layout.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { Collections } from './collections.js';
import { ACCESS_ITEM_FORMAT } from './publish.core.js';

export interface WithholdDeps {
  access: ObjectStore;
  collections: Pick<Collections, 'setMembership'>;
  publicBaseUrl: string;
}

/** The access item.json of a withdrawn item (format yaddas-access-item/1, status withdrawn). */
export function tombstoneItem(itemId: string, title: unknown, w: Withdrawal, publicBaseUrl: string): Record<string, unknown> {
  return {
    format: ACCESS_ITEM_FORMAT,
    id: itemId,
    status: 'withdrawn',
    title: title ?? itemId,
    withdrawal: { at: w.at, reason: w.reason },
    manifest: publicUrl(publicBaseUrl, itemKeys(itemId).manifest),
    pages: [],
    text: null,
    pdf: null,
    mets: null,
    updatedAt: w.at,
  };
}

/** The IIIF manifest of a withdrawn item: its label, a summary saying so, no canvases. */
export function tombstoneManifest(itemId: string, label: Record<string, string[]>, w: Withdrawal, publicBaseUrl: string) {
  return {
    '@context': 'http://iiif.io/api/presentation/3/context.json',
    id: publicUrl(publicBaseUrl, itemKeys(itemId).manifest),
    type: 'Manifest',
    label,
    summary: inEveryLanguage('iiif.withdrawnSummary', { date: w.at.slice(0, 10), reason: w.reason }),
    metadata: [
      { label: inEveryLanguage('iiif.status'), value: inEveryLanguage('iiif.withdrawnValue') },
      { label: inEveryLanguage('iiif.withdrawn'), value: { none: [w.at] } },
      { label: inEveryLanguage('iiif.reason'), value: { none: [w.reason] } },
    ],
    items: [],
  };
}

/**
 * A restricted item: nothing of it in public, not even a tombstone (its existence is not for the
 * public either), and out of every collection.
 */
export async function removeAccess(deps: WithholdDeps, itemId: string): Promise<{ removed: number }> {
  const keys = itemKeys(itemId);
  const all: string[] = [];
  for await (const o of deps.access.list(keys.prefix)) all.push(o.key);
  for (let i = 0; i < all.length; i += 1000) await deps.access.delete(all.slice(i, i + 1000));
  await deps.collections.setMembership(itemId, [], {
    id: publicUrl(deps.publicBaseUrl, keys.manifest),
    type: 'Manifest',
    label: { none: [itemId] },
  });
  return { removed: all.length };
}

/** Removes every public copy of the item but its item.json and manifest, and writes the tombstones. */
export async function withholdAccess(
  deps: WithholdDeps,
  itemId: string,
  w: Withdrawal,
  title: string | Record<string, string> | undefined,
): Promise<{ removed: number }> {
  const keys = itemKeys(itemId);
  const stale: string[] = [];
  for await (const o of deps.access.list(keys.prefix)) if (o.key !== keys.item && o.key !== keys.manifest) stale.push(o.key);
  for (let i = 0; i < stale.length; i += 1000) await deps.access.delete(stale.slice(i, i + 1000));
  const label =
    typeof title === 'string'
      ? { none: [title] }
      : title
        ? Object.fromEntries(Object.entries(title).map(([k, v]) => [k, [v]]))
        : { none: [itemId] };
  const manifest = tombstoneManifest(itemId, label, w, deps.publicBaseUrl);
  await deps.access.put(keys.item, Buffer.from(`${JSON.stringify(tombstoneItem(itemId, title, w, deps.publicBaseUrl), null, 2)}\n`), {
    contentType: 'application/json',
  });
  await deps.access.put(keys.manifest, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), {
    contentType: 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"',
  });
  await deps.collections.setMembership(itemId, [], { id: manifest.id, type: 'Manifest', label });
  return { removed: stale.length };
}

/**
 * Makes what is public of an item agree with a record that keeps it from the public now: a
 * withdrawn item gets its tombstone, a restricted or embargoed one has nothing in public, and an
 * embargo is entered for the lift (anything else leaves the list: only a person's act or a new
 * version publishes it). Returns why, and how many public files went; undefined when the item may
 * be public (nothing done: the caller publishes it). Publish and the operators' acts share it.
 */
export async function keepFromPublic(
  deps: WithholdDeps & { embargoes: Pick<Embargoes, 'set' | 'remove'> },
  itemId: string,
  record: (AccessFacts & { metadata?: { title?: string | Record<string, string> } | null }) | null | undefined,
  now: Date,
): Promise<{ why: string; removed: number } | undefined> {
  const why = accessWithheld(record, now);
  if (!why || !record) return undefined;
  const { removed } = record.withdrawal
    ? await withholdAccess(deps, itemId, record.withdrawal, record.metadata?.title)
    : await removeAccess(deps, itemId);
  const until = record.withdrawal ? undefined : embargoEnd(record);
  if (until !== undefined && Number.isFinite(until)) await deps.embargoes.set(itemId, until);
  else await deps.embargoes.remove(itemId);
  return { why, removed };
}
