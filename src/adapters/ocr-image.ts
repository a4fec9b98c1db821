/**
 * The image OCR reads: the master upright (EXIF orientation) in greyscale, brought down to about
 * 300 dpi when it is scanned finer (Tesseract is trained on text of that size; more pixels only
 * cost time). Returned with the scale, so word boxes can be mapped back to the master's grid.
 */
import sharp from 'sharp';
import { type OcrTile, planTiles } from '../domain/ocr-tiles.js';

/** Above this a scan is brought down to TARGET_DPI. */
const MAX_DPI = 330;
const TARGET_DPI = 300;
/** Without a plausible resolution: the long edge of an A4 page at 300 dpi, with some margin. */
const MAX_LONG_EDGE_UNKNOWN = 3600;

/** The OCR image's size and scale, from the master's header (nothing is decoded). */
export interface OcrPlan {
  /** the master's upright size: the grid ALTO and hOCR coordinates are given in */
  width: number;
  height: number;
  ocrWidth: number;
  ocrHeight: number;
  /** the master's resolution as recorded in it, when plausible */
  dpi: number | null;
}

export interface OcrImage extends OcrPlan {
  /** the image as a binary PGM (P5): no compression to make or undo, read directly by Leptonica */
  image: Buffer;
}

export async function planOcrImage(master: string | Buffer, o: { subpage?: number; maxPixels: number }): Promise<OcrPlan> {
  const meta = await sharp(master, { limitInputPixels: o.maxPixels, page: o.subpage ?? 0 }).metadata();
  const swap = (meta.orientation ?? 1) >= 5;
  const width = swap ? meta.height! : meta.width!;
  const height = swap ? meta.width! : meta.height!;
  // Cameras write 72 dpi whatever they photographed: such values say nothing about text size.
  const dpi = meta.density && meta.density > 100 ? meta.density : null;
  let scale = 1;
  if (dpi && dpi > MAX_DPI) scale = TARGET_DPI / dpi;
  else if (!dpi && Math.max(width, height) > MAX_LONG_EDGE_UNKNOWN) scale = MAX_LONG_EDGE_UNKNOWN / Math.max(width, height);
  return { width, height, ocrWidth: Math.max(1, Math.round(width * scale)), ocrHeight: Math.max(1, Math.round(height * scale)), dpi };
}

/** The master upright, white under any transparency, in grey, at the OCR image's size. */
function ocrPixels(master: string | Buffer, plan: OcrPlan, o: { subpage?: number; maxPixels: number }) {
  let img = sharp(master, { failOn: 'error', limitInputPixels: o.maxPixels, page: o.subpage ?? 0 })
    .autoOrient()
    .flatten({ background: '#ffffff' })
    .greyscale();
  if (plan.ocrWidth !== plan.width || plan.ocrHeight !== plan.height)
    img = img.resize(plan.ocrWidth, plan.ocrHeight, { fit: 'fill', kernel: 'lanczos3' });
  return img;
}

const pgm = (width: number, height: number, pixels: Buffer) =>
  Buffer.concat([Buffer.from(`P5\n${width} ${height}\n255\n`, 'ascii'), pixels]);
/** The grey pixels behind an OCR image's PGM header, as sharp's raw input. */
const pixelsOf = (img: OcrImage) =>
  sharp(img.image.subarray(img.image.length - img.ocrWidth * img.ocrHeight), {
    raw: { width: img.ocrWidth, height: img.ocrHeight, channels: 1 },
  });

/** The OCR image of a page, in memory; `plan` when planOcrImage already read the master's header. */
export async function prepareOcrImage(
  master: string | Buffer,
  o: { subpage?: number; maxPixels: number },
  plan?: OcrPlan,
): Promise<OcrImage> {
  plan ??= await planOcrImage(master, o);
  // Raw grey pixels behind a PGM header: the engine reads it once, in this process, so encoding
  // and decoding a PNG would only cost time (about 0.2 s a page at 300 dpi A4).
  const { data, info } = await ocrPixels(master, plan, o).raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected one grey channel, got ${info.channels}`);
  return {
    image: pgm(info.width, info.height, data),
    width: plan.width,
    height: plan.height,
    ocrWidth: info.width,
    ocrHeight: info.height,
    dpi: plan.dpi,
  };
}

/**
 * Above this many pixels of OCR image, a page is read in tiles. An A2 sheet at 300 dpi is 35
 * million; a 20000×25000 map scanned at 300 dpi is 500 million, 500 MB of grey in one buffer and
 * several times that inside Tesseract.
 */
export const TILE_ABOVE_PIXELS = 48_000_000;
/**
 * The OCR image of a very large page written once to `file` (an uncompressed tiled TIFF, which
 * libvips reads a region of without the rest), to be read a tile at a time: neither the decoded
 * master nor the whole OCR image is ever held in memory.
 */
export async function prepareOcrTiles(
  master: string,
  plan: OcrPlan,
  file: string,
  o: { subpage?: number; maxPixels: number },
): Promise<OcrTile[]> {
  await ocrPixels(master, plan, o).tiff({ tile: true, tileWidth: 512, tileHeight: 512, compression: 'none' }).toFile(file);
  return planTiles(plan.ocrWidth, plan.ocrHeight);
}

/** One tile of the file prepareOcrTiles wrote, as the engine reads it (PGM). */
export async function ocrTileImage(file: string, t: OcrTile): Promise<Buffer> {
  const { data, info } = await sharp(file, { limitInputPixels: false })
    .extract({ left: t.x, top: t.y, width: t.width, height: t.height })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected one grey channel, got ${info.channels}`);
  return pgm(info.width, info.height, data);
}

/**
 * The image as script and orientation detection takes it: a PNG (fast deflate), because
 * tesseract.js's detection reads the resolution from the file only, and from a PGM, which has
 * none, Tesseract assumed 70 dpi and said so on stderr for every page. About 50 ms a page.
 */
export async function detectionImage(img: OcrImage, dpi: number | null): Promise<Buffer> {
  return pixelsOf(img)
    .toColourspace('b-w')
    .withMetadata({ density: Math.round(dpi ?? 300) })
    .png({ compressionLevel: 1, adaptiveFiltering: false })
    .toBuffer();
}

/**
 * The same image turned clockwise by `turn` degrees (a page detection found scanned sideways or
 * upside down, read upright). The master grid turns with it: ALTO and hOCR coordinates are then
 * those of the upright page, as its derivatives show it.
 */
export async function turnOcrImage(img: OcrImage, turn: 0 | 90 | 180 | 270): Promise<OcrImage> {
  if (turn === 0) return img;
  const { data, info } = await pixelsOf(img)
    .rotate(turn)
    // (libvips takes one raw channel as grey, and would write it back as three)
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected one grey channel, got ${info.channels}`);
  const swap = turn !== 180;
  return {
    image: pgm(info.width, info.height, data),
    width: swap ? img.height : img.width,
    height: swap ? img.width : img.height,
    ocrWidth: info.width,
    ocrHeight: info.height,
    dpi: img.dpi,
  };
}
