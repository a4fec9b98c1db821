/**
 * Derivatives of one page: read the master from the preservation bucket (never the intake
 * machine's disk), decode it once, upright and in sRGB, into a libvips file, and make the
 * thumbnail, the access JPEG and a IIIF Image API 3 level-0 image (tiles, sizes, full/max,
 * info.json) from that one decode; then publish them to the access bucket.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import { ErrorCodes, YaddasError } from '../../domain/errors.js';
import type { DerivePayload, DeriveReturn } from '../../pipeline/plan.js';
import type { StageHandler } from '../../pipeline/queues.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { OcflStore } from '../../storage/ocfl-store.js';
import type { Config } from '../../config/load.js';
import { MAX_PATH, fitInside, infoJson, pageKeys, planSizes, sizePath, type Size } from './derive.core.js';

export interface DeriveDeps {
  ocfl: OcflStore;
  access: ObjectStore;
  derive: Config['derive'];
  publicBaseUrl: string;
  maxPixels: number;
}

const TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.json': 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"' };

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) out.push(path.join(e.parentPath, e.name));
  return out;
}

/** Runs `fn` over items, `n` at a time. */
async function eachLimit<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

export function deriveProcessor(deps: DeriveDeps): StageHandler<DerivePayload, DeriveReturn> {
  return async (data, { log }) => {
    if (!data.mime.startsWith('image/')) return { page: data.page, skipped: `no image derivatives for ${data.mime} masters` };
    const inv = await deps.ocfl.readInventory(data.itemId);
    const contentPath = inv?.manifest[data.sha512]?.[0];
    if (!inv || !contentPath) {
      throw new YaddasError(ErrorCodes.STAGED_FILE_MISSING, `The master of page ${data.page} (SHA-512 ${data.sha512.slice(0, 16)}…) is not in object ${data.itemId}.`, { permanent: true });
    }
    const work = await fs.mkdtemp(path.join(os.tmpdir(), `yaddas-derive-${randomBytes(3).toString('hex')}-`));
    try {
      const master = path.join(work, 'master');
      const body = await deps.ocfl.store.get(`${deps.ocfl.rootOf(data.itemId)}/${contentPath}`);
      if (!body) throw new YaddasError(ErrorCodes.STORAGE_UNAVAILABLE, `${contentPath} could not be read from the preservation bucket.`, { permanent: false });
      await pipeline(body, createWriteStream(master));

      // The one decode: upright (EXIF orientation), alpha flattened on white, converted to sRGB
      // (embedded ICC profiles, CMYK and 16-bit included), kept as an uncompressed libvips file
      // that every output below reads by memory map instead of decoding the master again.
      const decoded = path.join(work, 'decoded.v');
      try {
        await sharp(master, { failOn: 'error', limitInputPixels: deps.maxPixels, page: 0 })
          .autoOrient()
          .flatten({ background: '#ffffff' })
          .toColourspace('srgb')
          .toFile(decoded);
      } catch (err) {
        const detail = String((err as Error).message).split('\n')[0];
        throw new YaddasError(ErrorCodes.CORRUPT_FILE, `Page ${data.page} cannot be decoded for derivatives: ${detail}`, { permanent: true, cause: err });
      }
      const meta = await sharp(decoded).metadata();
      const full: Size = { width: meta.width!, height: meta.height! };
      const q = deps.derive.jpegQuality;
      const out = path.join(work, 'out');
      await fs.mkdir(out);

      const thumb = fitInside(full, deps.derive.thumbnailSize);
      await sharp(decoded).resize(thumb.width, thumb.height).jpeg({ quality: q, mozjpeg: true }).toFile(path.join(out, 'thumbnail.jpg'));
      const access = fitInside(full, deps.derive.accessSize);
      await sharp(decoded).resize(access.width, access.height).jpeg({ quality: q, mozjpeg: true }).toFile(path.join(out, 'access.jpg'));

      const keys = pageKeys(data.itemId, data.page);
      const serviceId = `${deps.publicBaseUrl}/${keys.iiif}`;
      // sharp names the service after the output folder: id = <given id>/iiif.
      await sharp(decoded).jpeg({ quality: q }).tile({ layout: 'iiif3', size: deps.derive.tileSize, id: serviceId.slice(0, -'/iiif'.length) }).toFile(path.join(out, 'iiif'));
      const tiled = JSON.parse(await fs.readFile(path.join(out, 'iiif/info.json'), 'utf8')) as { tiles: Array<{ width: number; height?: number; scaleFactors: number[] }> };
      const { sizes, max } = planSizes(full, tiled.tiles.flatMap((t) => t.scaleFactors), deps.derive.maxFullSize);
      for (const s of sizes) {
        const file = path.join(out, 'iiif', sizePath(s));
        if (await fs.stat(file).catch(() => null)) continue; // the tiler wrote its smallest level
        await fs.mkdir(path.dirname(file), { recursive: true });
        await sharp(decoded).resize(s.width, s.height, { fit: 'fill' }).jpeg({ quality: q }).toFile(file);
      }
      await fs.mkdir(path.dirname(path.join(out, 'iiif', MAX_PATH)), { recursive: true });
      await fs.copyFile(path.join(out, 'iiif', sizePath(max)), path.join(out, 'iiif', MAX_PATH));
      await fs.writeFile(path.join(out, 'iiif/info.json'), JSON.stringify(infoJson({ id: serviceId, full, tiles: tiled.tiles, sizes, max }), null, 2) + '\n');

      const files = await listFiles(out);
      await eachLimit(files, 8, async (f) => {
        const key = `${keys.prefix}/${path.relative(out, f).split(path.sep).join('/')}`;
        await deps.access.put(key, await fs.readFile(f), { contentType: TYPES[path.extname(f)] ?? 'application/octet-stream' });
      });
      log.info({ width: full.width, height: full.height, files: files.length }, 'derivatives published');
      return { page: data.page, width: full.width, height: full.height, thumbnail: keys.thumbnail, access: keys.access, iiif: serviceId, files: files.length };
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  };
}
