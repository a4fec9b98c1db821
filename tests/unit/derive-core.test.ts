import { describe, expect, it } from 'vitest';
import { viewUnits } from '../../src/stages/derive/derive.core.js';
import { pageKeys } from '../../src/storage/access-layout.js';
import { fitInside, infoJson, planSizes, sizePath } from '../../src/storage/iiif-image.js';

describe('derivative plans', () => {
  it.each([
    [{ width: 5000, height: 7000 }, 320, { width: 229, height: 320 }],
    [{ width: 7000, height: 5000 }, 2000, { width: 2000, height: 1429 }],
    [{ width: 300, height: 200 }, 2000, { width: 300, height: 200 }], // never enlarged
  ])('fits %j inside %d px', (size, edge, expected) => {
    expect(fitInside(size, edge)).toEqual(expected);
  });

  it('offers one whole-image size per tile scale factor, up to the limit, rounding up as the tiler does', () => {
    const { sizes, max } = planSizes({ width: 5000, height: 7000 }, [1, 2, 4, 8, 16], 4096);
    expect(sizes).toEqual([
      { width: 313, height: 438 },
      { width: 625, height: 875 },
      { width: 1250, height: 1750 },
      { width: 2500, height: 3500 },
    ]);
    expect(max).toEqual({ width: 2500, height: 3500 });
  });

  it('still offers a size for a map larger than the limit at every tile level', () => {
    const { sizes } = planSizes({ width: 20000, height: 25000 }, [1], 4096);
    expect(sizes).toEqual([{ width: 3277, height: 4096 }]);
  });

  it('writes info.json with sizes, tiles and a max only when smaller than the full image', () => {
    const full = { width: 5000, height: 7000 };
    const { sizes, max } = planSizes(full, [1, 2, 4, 8, 16], 4096);
    const info = infoJson({
      id: 'https://x/items/a/pages/0001/iiif',
      full,
      tiles: [{ width: 512, scaleFactors: [1, 2, 4, 8, 16] }],
      sizes,
      max,
    });
    expect(info).toMatchObject({ profile: 'level0', type: 'ImageService3', width: 5000, height: 7000, maxWidth: 2500, maxHeight: 3500 });
    expect(info.tiles).toEqual([{ type: 'Tile', width: 512, scaleFactors: [1, 2, 4, 8, 16] }]);
    const small = infoJson({
      id: 'i',
      full: { width: 300, height: 200 },
      tiles: [{ width: 512, scaleFactors: [1] }],
      sizes: [{ width: 300, height: 200 }],
      max: { width: 300, height: 200 },
    });
    expect(small.maxWidth).toBeUndefined();
  });

  it('puts page derivatives at the paths of the access layout', () => {
    expect(pageKeys('kitab-1', 3)).toMatchObject({
      thumbnail: 'items/kitab-1/pages/0003/thumbnail.jpg',
      access: 'items/kitab-1/pages/0003/access.jpg',
      info: 'items/kitab-1/pages/0003/iiif/info.json',
    });
    expect(sizePath({ width: 625, height: 875 })).toBe('full/625,875/0/default.jpg');
  });

  it('gives each page of a multi-page TIFF a view, and every other master one', () => {
    expect(
      viewUnits([
        { page: 2, mime: 'image/jpeg' },
        { page: 1, mime: 'image/tiff', pages: 2 },
        { page: 3, mime: 'application/pdf' },
      ]),
    ).toEqual([
      { view: 1, masterPage: 1, subpage: 0 },
      { view: 2, masterPage: 1, subpage: 1 },
      { view: 3, masterPage: 2, subpage: 0 },
      { view: 4, masterPage: 3, subpage: 0 },
    ]);
  });
});
