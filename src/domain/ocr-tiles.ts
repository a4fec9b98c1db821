/**
 * A page too large to read at once (a map) is read in tiles: where they are, and which words each
 * owns, as pure values (adapters/ocr-image.ts cuts them, stages/ocr/ocr.core.ts keeps the words).
 */
/**
 * Tiles of this edge, overlapping by OVERLAP so that a word cut by one tile's edge is whole in the
 * next: a word up to 1024 pixels wide or tall (87 mm at 300 dpi, a map's large lettering).
 */
const TILE = 4096;
const OVERLAP = 1024;

/** A tile of the OCR image: where it is, and the part of it whose words are its own (the rest is the overlap's). */
export interface OcrTile {
  x: number;
  y: number;
  width: number;
  height: number;
  /** [x0, y0, x1, y1] in the OCR image: a word whose centre lies here belongs to this tile */
  core: [number, number, number, number];
  /** which edges are inside the image (a word that touches one is cut there, and whole in the neighbour) */
  inner: { left: boolean; top: boolean; right: boolean; bottom: boolean };
}

/** Tiles covering an image, each word's centre in exactly one tile's core. */
export function planTiles(width: number, height: number, tile = TILE, overlap = OVERLAP): OcrTile[] {
  const starts = (n: number) => {
    const out = [0];
    while (out.at(-1)! + tile < n) out.push(out.at(-1)! + tile - overlap);
    return out;
  };
  const xs = starts(width);
  const ys = starts(height);
  const edges = (s: number[], n: number, i: number): [number, number] => [
    i === 0 ? 0 : s[i]! + overlap / 2,
    i === s.length - 1 ? n : s[i + 1]! + overlap / 2,
  ];
  return ys.flatMap((y, j) =>
    xs.map((x, i) => {
      const [x0, x1] = edges(xs, width, i);
      const [y0, y1] = edges(ys, height, j);
      return {
        x,
        y,
        width: Math.min(tile, width - x),
        height: Math.min(tile, height - y),
        core: [x0, y0, x1, y1] as [number, number, number, number],
        inner: { left: i > 0, top: j > 0, right: i < xs.length - 1, bottom: j < ys.length - 1 },
      };
    }),
  );
}
