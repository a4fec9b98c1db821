/**
 * The image OCR reads: the master upright (EXIF orientation) in greyscale, brought down to about
 * 300 dpi when it is scanned finer (Tesseract is trained on text of that size; more pixels only
 * cost time). Returned with the scale, so word boxes can be mapped back to the master's grid.
 */
import sharp from 'sharp';

export interface OcrImage {
  /** the image as a binary PGM (P5): no compression to make or undo, read directly by Leptonica */
  image: Buffer;
  /** the master's upright size: the grid ALTO and hOCR coordinates are given in */
  width: number;
  height: number;
  ocrWidth: number;
  ocrHeight: number;
  /** the master's resolution as recorded in it, when plausible */
  dpi: number | null;
}

/** Above this a scan is brought down to TARGET_DPI. */
const MAX_DPI = 330;
const TARGET_DPI = 300;
/** Without a plausible resolution: the long edge of an A4 page at 300 dpi, with some margin. */
const MAX_LONG_EDGE_UNKNOWN = 3600;

export async function prepareOcrImage(master: string | Buffer, o: { subpage?: number; maxPixels: number }): Promise<OcrImage> {
  const meta = await sharp(master, { limitInputPixels: o.maxPixels, page: o.subpage ?? 0 }).metadata();
  const swap = (meta.orientation ?? 1) >= 5;
  const width = swap ? meta.height! : meta.width!;
  const height = swap ? meta.width! : meta.height!;
  // Cameras write 72 dpi whatever they photographed: such values say nothing about text size.
  const dpi = meta.density && meta.density > 100 ? meta.density : null;
  let scale = 1;
  if (dpi && dpi > MAX_DPI) scale = TARGET_DPI / dpi;
  else if (!dpi && Math.max(width, height) > MAX_LONG_EDGE_UNKNOWN) scale = MAX_LONG_EDGE_UNKNOWN / Math.max(width, height);
  const ocrWidth = Math.max(1, Math.round(width * scale));
  const ocrHeight = Math.max(1, Math.round(height * scale));
  let img = sharp(master, { failOn: 'error', limitInputPixels: o.maxPixels, page: o.subpage ?? 0 })
    .autoOrient()
    .flatten({ background: '#ffffff' })
    .greyscale();
  if (scale !== 1) img = img.resize(ocrWidth, ocrHeight, { fit: 'fill', kernel: 'lanczos3' });
  // Raw grey pixels behind a PGM header: the engine reads it once, in this process, so encoding
  // and decoding a PNG would only cost time (about 0.2 s a page at 300 dpi A4).
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected one grey channel, got ${info.channels}`);
  const pgm = Buffer.concat([Buffer.from(`P5\n${info.width} ${info.height}\n255\n`, 'ascii'), data]);
  return { image: pgm, width, height, ocrWidth: info.width, ocrHeight: info.height, dpi };
}

/**
 * The same image turned clockwise by `turn` degrees (a page detection found scanned sideways or
 * upside down, read upright). The master grid turns with it: ALTO and hOCR coordinates are then
 * those of the upright page, as its derivatives show it.
 */
export async function turnOcrImage(img: OcrImage, turn: 0 | 90 | 180 | 270): Promise<OcrImage> {
  if (turn === 0) return img;
  const pixels = img.image.subarray(img.image.length - img.ocrWidth * img.ocrHeight);
  const { data, info } = await sharp(pixels, { raw: { width: img.ocrWidth, height: img.ocrHeight, channels: 1 } })
    .rotate(turn)
    // (libvips takes one raw channel as grey, and would write it back as three)
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected one grey channel, got ${info.channels}`);
  const pgm = Buffer.concat([Buffer.from(`P5\n${info.width} ${info.height}\n255\n`, 'ascii'), data]);
  const swap = turn !== 180;
  return {
    image: pgm,
    width: swap ? img.height : img.width,
    height: swap ? img.width : img.height,
    ocrWidth: info.width,
    ocrHeight: info.height,
    dpi: img.dpi,
  };
}
