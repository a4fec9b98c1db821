/**
 * A IIIF Image API 3 level-0 image as pure values: which whole-image sizes it offers, their paths,
 * and its info.json. A level-0 server (the access bucket behind any static web server) can only
 * answer requests for files that exist, so everything info.json promises is written as a file.
 * The pixels are made by adapters/derivatives.ts.
 */
export interface Size {
  width: number;
  height: number;
}

/** Fits a size inside a square of `edge` pixels, keeping the aspect ratio; never enlarges. */
export function fitInside(s: Size, edge: number): Size {
  const scale = Math.min(1, edge / Math.max(s.width, s.height));
  return { width: Math.max(1, Math.round(s.width * scale)), height: Math.max(1, Math.round(s.height * scale)) };
}

/**
 * The whole-image renditions of a level-0 image: one per tile scale factor (as the IIIF tiler
 * computes them, rounding up), none larger than `maxEdge` on the long edge. Viewers use `sizes`
 * for thumbnails and overviews, and `full/max` for the whole image; a level-0 server can only
 * answer what exists as a file, so each must be written.
 */
export function planSizes(full: Size, scaleFactors: number[], maxEdge: number): { sizes: Size[]; max: Size } {
  const sizes = [...new Set(scaleFactors)]
    .sort((a, b) => b - a)
    .map((f) => ({ width: Math.ceil(full.width / f), height: Math.ceil(full.height / f) }))
    .filter((s) => Math.max(s.width, s.height) <= maxEdge);
  // A very large image whose smallest level is still over the limit gets one fitted size.
  if (sizes.length === 0) sizes.push(fitInside(full, maxEdge));
  return { sizes, max: sizes[sizes.length - 1]! };
}

/** The IIIF size path segment (canonical form in Image API 3 is "w,h"). */
export const sizePath = (s: Size) => `full/${s.width},${s.height}/0/default.jpg`;
export const MAX_PATH = 'full/max/0/default.jpg';

/**
 * info.json for a level-0 image: the tiler's tiles, plus the sizes we wrote, and the largest
 * whole image we serve as `max` when that is smaller than the full resolution.
 */
export function infoJson(input: {
  id: string;
  full: Size;
  tiles: Array<{ width: number; height?: number; scaleFactors: number[] }>;
  sizes: Size[];
  max: Size;
}): Record<string, unknown> {
  const info: Record<string, unknown> = {
    '@context': 'http://iiif.io/api/image/3/context.json',
    id: input.id,
    type: 'ImageService3',
    protocol: 'http://iiif.io/api/image',
    profile: 'level0',
    width: input.full.width,
    height: input.full.height,
  };
  if (input.max.width < input.full.width || input.max.height < input.full.height) {
    info.maxWidth = input.max.width;
    info.maxHeight = input.max.height;
  }
  info.sizes = input.sizes.map((s) => ({ type: 'Size', width: s.width, height: s.height }));
  info.tiles = input.tiles.map((t) => ({
    type: 'Tile',
    width: t.width,
    ...(t.height && t.height !== t.width ? { height: t.height } : {}),
    scaleFactors: t.scaleFactors,
  }));
  return info;
}
