/**
 * `yaddas export`: objects out as BagIt bags, one per object, into a folder or a bucket prefix on
 * Yaddaş's S3 service. Bags are made one after another (each streams its files one by one, so
 * memory stays flat however large the masters); one object that fails does not stop the others.
 */
import { BucketBagSink, FolderBagSink } from '../adapters/bag-sinks.js';
import { YADDAS_VERSION } from '../config/version.js';
import { displayTitle, type ItemMetadata } from '../domain/metadata.js';
import { type BagResult, bagName, exportBag } from '../storage/bag-export.js';
import { LogicalPaths } from '../storage/ocfl.core.js';
import { PrefixedObjectStore } from '../storage/prefixed-store.js';
import type { OpsPorts } from './ports.js';

export interface ExportOptions {
  /** a folder to write bags into */
  bag?: string;
  /** s3://BUCKET/PREFIX on Yaddaş's S3 service */
  to?: string;
  version?: string;
  allVersions?: boolean;
  onFile?: (id: string, path: string, bytes: number) => void;
}

export type ExportOutcome = { id: string; ok: true; result: BagResult; seconds: number } | { id: string; ok: false; reason: string };

/** "s3://bucket/some/prefix" → bucket and prefix ("" or ending in "/"). */
export function parseS3Url(url: string): { bucket: string; prefix: string } | null {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) return null;
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket: m[1]!, prefix: prefix ? `${prefix}/` : '' };
}

export async function exportItems(installation: OpsPorts, ids: string[], opts: ExportOptions): Promise<ExportOutcome[]> {
  const target = opts.to ? parseS3Url(opts.to) : null;
  if (opts.to && !target) throw new Error(`--to must be s3://BUCKET/PREFIX, not ${opts.to}`);
  const bucket = target ? new PrefixedObjectStore(installation.bucketStore(target.bucket), target.prefix) : null;
  const out: ExportOutcome[] = [];
  for (const id of ids) {
    const started = performance.now();
    try {
      const app = installation.forItem(id);
      const head = await app.preservation.readInventory(id);
      if (!head) throw new Error(`there is no item ${id} in s3://${app.config.s3.preservationBucket}`);
      const version = opts.version ?? head.head;
      if (!opts.allVersions && !head.versions[version])
        throw new Error(`${id} has no version ${version} (its versions: v1 to ${head.head})`);
      const name = bagName(id, opts.allVersions ? { allVersions: true } : { version });
      const sink = bucket ? await BucketBagSink.open(bucket, `${name}/`) : await FolderBagSink.open(opts.bag!, name);
      const recordBytes = await app.preservation.readLogical(head, LogicalPaths.itemRecord, opts.allVersions ? head.head : version);
      const record = recordBytes ? (JSON.parse(recordBytes.toString('utf8')) as { metadata?: ItemMetadata | null }) : null;
      const title = displayTitle(record?.metadata);
      const result = await exportBag(app.preservation, id, sink, {
        ...(opts.allVersions ? { allVersions: true } : { version }),
        sourceOrganization: app.config.access.attribution.trim() || record?.metadata?.sourceOrganization || app.config.ocfl.userName,
        ...(app.config.ocfl.userAddress.startsWith('mailto:') ? { contact: app.config.ocfl.userAddress } : {}),
        software: `Yaddaş ${YADDAS_VERSION}`,
        ...(title ? { title } : {}),
        baggingDate: new Date().toISOString().slice(0, 10),
        ...(opts.onFile ? { onFile: (p: string, n: number) => opts.onFile!(id, p, n) } : {}),
      });
      out.push({ id, ok: true, result, seconds: (performance.now() - started) / 1000 });
    } catch (err) {
      out.push({ id, ok: false, reason: (err as Error).message });
    }
  }
  return out;
}
