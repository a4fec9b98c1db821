/**
 * Derivatives of one page: read the master from the preservation bucket (never the intake
 * machine's disk), make the derivatives (adapters/derivatives.ts), publish them to the access
 * bucket.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { makeDerivatives } from '../../adapters/derivatives.js';
import type { Config } from '../../config/load.js';
import { ErrorCodes, YaddasError } from '../../domain/errors.js';
import { accessWithheld } from '../../domain/withdrawal.js';
import type { ItemRecord } from '../commit/commit.core.js';
import { pageKeys, publicUrl } from '../../storage/access-layout.js';
import type { Size } from '../../storage/iiif-image.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { Inventory } from '../../storage/ocfl.core.js';
import type { OcflStore } from '../../storage/ocfl-store.js';
import { type HandlerFactory, masterNotInObject, type StageHandler } from '../stage.js';
import type { Logger } from '../../log.js';
import type { DerivePayload, DeriveReturn } from './derive.stage.js';

export interface DeriveDeps {
  ocfl: OcflStore;
  access: ObjectStore;
  derive: Config['derive'];
  publicBaseUrl: string;
  maxPixels: number;
  /** the clock the embargo rule reads (a test's own in tests) */
  now?: () => Date;
}

const TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.json': 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"',
};

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile()) out.push(path.join(e.parentPath, e.name));
  return out;
}

/** Runs `fn` over items, `n` at a time. */
async function eachLimit<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

/** What derive records beside a view's derivatives (`derived.json`, written after them). */
interface DerivedRecord {
  format: 'yaddas-derived/1';
  /** the master they were made from */
  sha512: string;
  /** degrees clockwise the view was turned */
  turn: number;
  /** the settings they were made with */
  settings: Config['derive'];
  /** the ingest that made them */
  ingestId?: string;
  made: DeriveReturn;
}

/**
 * The derivatives a view already has in the access bucket, as derive described them when it made
 * them, when they were made from this master, turned the same way, with the same settings (a
 * re-run that changes no pixels: `yaddas reocr`); null otherwise, and they are made again.
 */
async function publishedDerivatives(deps: DeriveDeps, data: DerivePayload): Promise<DeriveReturn | null> {
  const body = await deps.access.getBuffer(pageKeys(data.itemId, data.page).derived).catch(() => null);
  if (!body) return null;
  let r: DerivedRecord;
  try {
    r = JSON.parse(body.toString('utf8')) as DerivedRecord;
  } catch {
    return null;
  }
  const same =
    r.format === 'yaddas-derived/1' &&
    r.sha512 === data.sha512 &&
    // (a multi-page TIFF: the same master, another page of it, once pages moved between versions)
    (r.made?.subpage ?? 0) === (data.subpage ?? 0) &&
    r.turn === (data.turn ?? 0) &&
    JSON.stringify(r.settings) === JSON.stringify(deps.derive) &&
    r.made?.iiif === publicUrl(deps.publicBaseUrl, pageKeys(data.itemId, data.page).iiif);
  if (!same) return null;
  const kept = { ...r.made, page: data.page, masterPage: data.masterPage ?? data.page, subpage: data.subpage ?? 0 };
  // Made by this very ingest (its OCR step makes them once it knows the turn): made, not kept from before.
  return r.ingestId === data.ingestId ? kept : { ...kept, reused: true };
}

/** A view given no derivatives, and why. */
const skipped = (data: DerivePayload, why: string): DeriveReturn => ({
  page: data.page,
  masterPage: data.masterPage ?? data.page,
  subpage: data.subpage ?? 0,
  skipped: why,
});

/**
 * Why nothing of a view may be written now: its item is not to be public, or the head version no
 * longer has its master (a re-scan replaced it); undefined when it may. One read of the inventory
 * (or the caller's).
 */
async function notToWrite(deps: DeriveDeps, data: DerivePayload, now: Date, inv?: Inventory | null): Promise<string | undefined> {
  inv ??= await deps.ocfl.readInventory(data.itemId);
  if (!inv) return 'the object is gone';
  const withheld = accessWithheld(await deps.ocfl.headRecord<ItemRecord>(inv), now);
  if (withheld) return withheld;
  return inv.versions[inv.head]?.state[data.sha512] ? undefined : `superseded: the head version ${inv.head} no longer has this master`;
}

/**
 * The derivatives of one view, from a copy of its master already on this host's disk, published
 * unless the item is not to be public (checked before and after), with derived.json written
 * last. The derive stage uses it after reading the master; the OCR stage, whose job holds the
 * master already and has just found how the page is turned, uses it too (ocr.processor.ts).
 */
export function deriveFromFile(deps: DeriveDeps) {
  const now = deps.now ?? (() => new Date());
  return async (
    masterFile: string,
    data: DerivePayload,
    log: Logger,
    o: { checked?: boolean; keepPublished?: boolean } = {},
  ): Promise<DeriveReturn> => {
    const keys = pageKeys(data.itemId, data.page);
    if (!o.checked) {
      const why = await notToWrite(deps, data, now());
      if (why) return skipped(data, why);
    }
    if (o.keepPublished) {
      const kept = await publishedDerivatives(deps, data);
      if (kept) return kept;
    }
    const work = await fs.mkdtemp(path.join(os.tmpdir(), `yaddas-derive-${randomBytes(3).toString('hex')}-`));
    try {
      const out = path.join(work, 'out');
      const serviceId = publicUrl(deps.publicBaseUrl, keys.iiif);
      let full: Size;
      let max: Size;
      let thumbnail: Size;
      try {
        ({ full, max, thumbnail } = await makeDerivatives(masterFile, out, {
          ...deps.derive,
          serviceId,
          maxPixels: deps.maxPixels,
          subpage: data.subpage ?? 0,
          ...(data.turn ? { turn: data.turn } : {}),
        }));
      } catch (err) {
        // File-system errors (a full disk) are transient; what libvips refuses is the master.
        if (err instanceof YaddasError || (err as NodeJS.ErrnoException).code) throw err;
        const detail = String((err as Error).message).split('\n')[0];
        throw new YaddasError(ErrorCodes.CORRUPT_FILE, `Page ${data.page} cannot be decoded for derivatives: ${detail}`, {
          permanent: true,
          cause: err,
        });
      }

      const files = (await listFiles(out)).map((f) => ({ f, key: `${keys.prefix}/${path.relative(out, f).split(path.sep).join('/')}` }));
      // What an earlier derive recorded no longer holds once these overwrite its files.
      await deps.access.delete([keys.derived]);
      await eachLimit(files, 8, async ({ f, key }) => {
        await deps.access.put(key, await fs.readFile(f), { contentType: TYPES[path.extname(f)] ?? 'application/octet-stream' });
      });
      // Withdrawn while these were made: they go again (publish's tombstone would remove them too,
      // but a flow whose publication fails never gets there).
      const late = await notToWrite(deps, data, now());
      if (late?.startsWith('superseded')) {
        // A re-scan replaced the master while these were made: they may have overwritten the newer
        // version's, so nothing here may be taken for made (rederive, or its own derive, makes them).
        log.warn({ why: late }, 'the master was replaced while its derivatives were made');
        return skipped(data, late);
      }
      if (late) {
        const written = files.map(({ key }) => key);
        for (let i = 0; i < written.length; i += 1000) await deps.access.delete(written.slice(i, i + 1000));
        return skipped(data, late);
      }
      log.info({ width: full.width, height: full.height, files: files.length }, 'derivatives published');
      const made: DeriveReturn = {
        page: data.page,
        masterPage: data.masterPage ?? data.page,
        subpage: data.subpage ?? 0,
        ...(data.turn ? { turn: data.turn } : {}),
        width: full.width,
        height: full.height,
        max,
        thumbnail: keys.thumbnail,
        thumbnailSize: thumbnail,
        access: keys.access,
        iiif: serviceId,
        files: files.length,
        at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      };
      const record: DerivedRecord = {
        format: 'yaddas-derived/1',
        sha512: data.sha512,
        turn: data.turn ?? 0,
        settings: deps.derive,
        ingestId: data.ingestId,
        made,
      };
      await deps.access.put(keys.derived, Buffer.from(`${JSON.stringify(record, null, 2)}\n`), { contentType: 'application/json' });
      return made;
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  };
}

export function deriveProcessor(deps: DeriveDeps): StageHandler<DerivePayload, DeriveReturn> {
  const now = deps.now ?? (() => new Date());
  const fromFile = deriveFromFile(deps);
  return async (data, { log }) => {
    if (!data.mime.startsWith('image/'))
      return {
        page: data.page,
        masterPage: data.masterPage ?? data.page,
        subpage: 0,
        skipped: `no image derivatives for ${data.mime} masters`,
      };
    // Nothing of a withdrawn item is made public (publish writes its tombstone at the end of the flow).
    // (one read of the inventory serves that check and finding the master)
    const inv = await deps.ocfl.readInventory(data.itemId);
    const why = inv ? await notToWrite(deps, data, now(), inv) : undefined;
    if (why && !why.startsWith('superseded')) return skipped(data, why);
    const master = inv ? deps.ocfl.contentOf(inv, data.sha512) : null;
    if (!master) throw masterNotInObject(data);
    if (why) {
      // A re-scan replaced this master after this ingest stored it: its derivatives are not ours to write.
      log.warn({ head: master.head }, 'the master is no longer in the head version: no derivatives over the newer ones');
      return skipped(data, why);
    }
    if (data.reuse) {
      const kept = await publishedDerivatives(deps, data);
      if (kept) {
        log.info(
          { width: kept.width, height: kept.height, made: kept.reused ? 'earlier' : 'with its OCR' },
          'derivatives already published from this master stand',
        );
        return kept;
      }
    }
    const work = await fs.mkdtemp(path.join(os.tmpdir(), `yaddas-derive-${randomBytes(3).toString('hex')}-`));
    try {
      const masterFile = path.join(work, 'master');
      await pipeline(await master.open(), createWriteStream(masterFile));
      return await fromFile(masterFile, data, log, { checked: true });
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  };
}

/** Derive's ports from a process's: the derive stage's, and the OCR stage's for the derivatives it makes. */
export const deriveDeps = ({
  config,
  preservation,
  access,
  now,
}: Parameters<HandlerFactory<DerivePayload, DeriveReturn>>[0]): DeriveDeps => ({
  now,
  ocfl: preservation,
  access,
  derive: config.derive,
  publicBaseUrl: config.access.publicBaseUrl,
  maxPixels: config.intake.maxPixels,
});

export const deriveHandler: HandlerFactory<DerivePayload, DeriveReturn> = (ports) => deriveProcessor(deriveDeps(ports));
