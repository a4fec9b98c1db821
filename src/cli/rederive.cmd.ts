import type { App } from '../app.js';
import { deriveHandler, publishHandler } from '../app.js';
import type { DeriveReturn } from '../pipeline/plan.js';
import { pageKey } from '../domain/ids.js';
import type { IngestManifest, InspectResult, StoreResult } from '../domain/item.js';
import { LogicalPaths, OBJECT_NAMASTE } from '../storage/ocfl.core.js';
import type { ItemRecord } from '../stages/commit/commit.core.js';
import { viewUnits } from '../stages/derive/derive.core.js';

/** Item ids of every object in the preservation bucket (found by their OCFL declarations). */
async function allItemIds(app: App): Promise<string[]> {
  const ids: string[] = [];
  for await (const o of app.preservation.store.list('')) {
    if (!o.key.endsWith(`/${OBJECT_NAMASTE.name}`)) continue;
    const root = o.key.slice(0, -OBJECT_NAMASTE.name.length - 1);
    const inv = await app.preservation.store.getBuffer(`${root}/inventory.json`);
    if (inv) ids.push((JSON.parse(inv.toString('utf8')) as { id: string }).id);
  }
  return ids.sort();
}

/**
 * Rebuilds an item's access copies from its preserved masters alone: the head version's item
 * record says which master is which page; each view is derived and the item published again as
 * the pipeline does (which also removes derivatives of pages the item no longer has).
 */
async function rederiveItem(app: App, id: string): Promise<{ pages: number; removed: number }> {
  const inv = await app.preservation.readInventory(id);
  if (!inv) throw new Error(`no object "${id}" in s3://${app.config.s3.preservationBucket}`);
  const state = inv.versions[inv.head]!.state;
  const recordDigest = Object.entries(state).find(([, paths]) => paths.includes(LogicalPaths.itemRecord))?.[0];
  const recordPath = recordDigest ? inv.manifest[recordDigest]?.[0] : undefined;
  const bytes = recordPath ? await app.preservation.store.getBuffer(`${app.preservation.rootOf(id)}/${recordPath}`) : null;
  if (!bytes) throw new Error(`object "${id}" has no item record in its head version ${inv.head}`);
  const record = JSON.parse(bytes.toString('utf8')) as ItemRecord;
  const derive = deriveHandler(app);
  const derived: Record<string, DeriveReturn> = {};
  const byPage = new Map(record.pages.map((p) => [p.page, p]));
  const units = viewUnits(record.pages.map((p) => ({ page: p.page, mime: p.format.mime, pages: p.image?.pages })));
  for (const u of units) {
    const p = byPage.get(u.masterPage)!;
    derived[pageKey(u.view)] = await derive(
      { ingestId: record.ingest.ingestId, itemId: id, page: u.view, masterPage: u.masterPage, subpage: u.subpage, sha512: p.digests.sha512, mime: p.format.mime },
      { log: app.log.child({ itemId: id, page: u.view, stage: 'rederive' }), job: undefined as never, token: undefined },
    );
  }
  // item.json and the manifest, from the item record as the pipeline's publish step makes them.
  const manifest: IngestManifest = {
    ingestId: record.ingest.ingestId,
    itemId: id,
    sourceName: record.ingest.sourceName,
    kind: record.ingest.kind,
    takenAt: record.ingest.takenAt,
    via: record.ingest.via as IngestManifest['via'],
    files: record.pages.map((p) => ({ role: 'page' as const, page: p.page, path: p.name, size: p.size })),
    ignored: record.ignoredFiles,
    metadata: record.metadata,
  };
  const inspected: Record<string, InspectResult> = {};
  const stored: Record<string, StoreResult> = {};
  for (const p of record.pages) {
    inspected[p.name] = { path: p.name, mime: p.format.mime, format: p.format.name, ...(p.image ? { image: p.image } : {}), ...(p.pdf ? { pdf: p.pdf } : {}), ...(p.embedded ? { embedded: p.embedded } : {}) };
    stored[p.name] = { path: p.name, logicalPath: p.logicalPath, contentPath: '', size: p.size, digests: p.digests, verifiedAt: record.ingest.storedAt };
  }
  const target = { objectId: id, objectRoot: app.preservation.rootOf(id), version: inv.head, headVersion: inv.head, created: record.ingest.storedAt };
  const published = await publishHandler(app)(
    { ingestId: record.ingest.ingestId, itemId: id, manifest, inspected, stored, target, derived },
    { log: app.log.child({ itemId: id, stage: 'rederive' }), job: undefined as never, token: undefined },
  );
  return { pages: units.length, removed: published.removed };
}

/** `yaddas rederive ID... | --all` */
export async function rederiveCommand(app: App, ids: string[], opts: { all?: boolean; json?: boolean }): Promise<number> {
  const targets = opts.all ? await allItemIds(app) : ids;
  if (targets.length === 0) {
    process.stderr.write('yaddas rederive: name item ids, or --all\n');
    return 2;
  }
  const results: Array<{ id: string; ok: boolean; pages?: number; removed?: number; error?: string }> = [];
  for (const id of targets) {
    try {
      const r = await rederiveItem(app, id);
      results.push({ id, ok: true, ...r });
      if (!opts.json) process.stdout.write(`rederived  ${id}  ${r.pages} page(s)${r.removed ? `, ${r.removed} stale file(s) removed` : ''}\n`);
    } catch (err) {
      results.push({ id, ok: false, error: (err as Error).message });
      if (!opts.json) process.stdout.write(`failed     ${id}  ${(err as Error).message}\n`);
    }
  }
  if (opts.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  return results.every((r) => r.ok) ? 0 : 1;
}
