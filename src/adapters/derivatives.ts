/**
 * The pixel work of the derive stage, with sharp: decode a master once, upright and in sRGB
 * (greyscale masters in grey),
 * into an uncompressed tiled TIFF, and make every output from that one decode: thumbnail,
 * access JPEG, and a IIIF Image API 3 level-0 image (tiles, every size in `sizes`, full/max,
 * info.json). Decoding a 5000×7000 LZW TIFF costs more than all the outputs together, which is
 * why it happens once (measured in docs/benchmarks.md).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Config } from '../config/load.js';
import { MAX_PATH, fitInside, infoJson, planSizes, sizePath, type Size } from '../storage/iiif-image.js';
import { PAGE_FILES } from '../storage/access-layout.js';

export type DerivativeOptions = Config['derive'] & {
  /** the page inside a multi-page master (0-based) */
  subpage?: number;
  /** degrees clockwise the page is turned after its EXIF orientation: OCR found it scanned sideways or upside down */
  turn?: 0 | 90 | 180 | 270;
  /** the IIIF image service id; it must end in /iiif (the output folder's name) */
  serviceId: string;
  maxPixels: number;
};

/**
 * Writes `thumbnail.jpg`, `access.jpg` and `iiif/…` into `out` (created). Returns the upright
 * size of the image.
 */
export async function makeDerivatives(
  master: string,
  out: string,
  o: DerivativeOptions,
): Promise<{ full: Size; max: Size; thumbnail: Size }> {
  await fs.mkdir(out, { recursive: true });
  // The one decode: upright (EXIF orientation), alpha flattened on white, converted to sRGB
  // (embedded ICC profiles, CMYK and 16-bit included), kept as an uncompressed tiled TIFF that
  // every output below reads instead of decoding the master again. Tiled TIFF rather than the
  // libvips .v format: a .v file is memory-mapped, and a 20000×25000 map then counted 1.9 GB
  // of resident memory; read through tiles it peaked at 450 MB (docs/benchmarks.md).
  const decoded = path.join(out, '..', `${path.basename(out)}.decoded.tif`);
  try {
    // libvips refuses to read tiles larger than the image: small images are kept in strips.
    const head = await sharp(master, { limitInputPixels: false, page: o.subpage ?? 0 }).metadata();
    const tile = Math.min(head.width ?? 0, head.height ?? 0) >= 1024;
    // Greyscale scans (most printed text) stay greyscale: one channel instead of three makes
    // every output about three times cheaper, and viewers show grey JPEGs as they are.
    const grey = (head.space === 'b-w' || head.space === 'grey16') && !head.hasAlpha;
    let upright = sharp(master, { failOn: 'error', limitInputPixels: o.maxPixels, page: o.subpage ?? 0 }).autoOrient();
    if (o.turn) upright = upright.rotate(o.turn);
    await upright
      .flatten({ background: '#ffffff' })
      .toColourspace(grey ? 'b-w' : 'srgb')
      .tiff(tile ? { tile: true, tileWidth: 512, tileHeight: 512, compression: 'none' } : { compression: 'none' })
      .toFile(decoded);
    // The intermediate is already decoded and checked: no pixel limit applies to reading it back.
    const open = () => sharp(decoded, { limitInputPixels: false });
    const meta = await open().metadata();
    const full: Size = { width: meta.width!, height: meta.height! };
    const q = o.jpegQuality;

    const thumb = fitInside(full, o.thumbnailSize);
    await open().resize(thumb.width, thumb.height).jpeg({ quality: q, mozjpeg: true }).toFile(path.join(out, PAGE_FILES.thumbnail));
    const access = fitInside(full, o.accessSize);
    // mozjpeg (trellis quantisation) only for the small thumbnail: on a 2000-pixel access image it
    // costs more time than its few per cent of size are worth.
    await open().resize(access.width, access.height).jpeg({ quality: q }).toFile(path.join(out, PAGE_FILES.access));

    // sharp names the service after the output folder: id = <given id>/<folder>.
    const iiif = path.join(out, PAGE_FILES.iiif);
    await open()
      .jpeg({ quality: q })
      .tile({ layout: 'iiif3', size: o.tileSize, id: o.serviceId.slice(0, -(PAGE_FILES.iiif.length + 1)) })
      .toFile(iiif);
    const tiled = JSON.parse(await fs.readFile(path.join(iiif, 'info.json'), 'utf8')) as {
      tiles: Array<{ width: number; height?: number; scaleFactors: number[] }>;
    };
    const { sizes, max } = planSizes(
      full,
      tiled.tiles.flatMap((t) => t.scaleFactors),
      o.maxFullSize,
    );
    for (const s of sizes) {
      const file = path.join(iiif, sizePath(s));
      if (await fs.stat(file).catch(() => null)) continue; // the tiler writes its smallest level itself
      await fs.mkdir(path.dirname(file), { recursive: true });
      await open().resize(s.width, s.height, { fit: 'fill' }).jpeg({ quality: q }).toFile(file);
    }
    await fs.mkdir(path.dirname(path.join(iiif, MAX_PATH)), { recursive: true });
    await fs.copyFile(path.join(iiif, sizePath(max)), path.join(iiif, MAX_PATH));
    await fs.writeFile(
      path.join(iiif, 'info.json'),
      `${JSON.stringify(infoJson({ id: o.serviceId, full, tiles: tiled.tiles, sizes, max }), null, 2)}\n`,
    );
    return { full, max, thumbnail: thumb };
  } finally {
    await fs.rm(decoded, { force: true });
  }
}
