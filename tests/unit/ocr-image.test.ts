import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { prepareOcrImage, turnOcrImage } from '../../src/adapters/ocr-image.js';

const page = (width: number, height: number, dpi?: number, orientation?: number) => {
  let img = sharp({ create: { width, height, channels: 3, background: '#f0e0d0' } });
  if (dpi) img = img.withMetadata({ density: dpi });
  if (orientation) img = img.withMetadata({ orientation, ...(dpi ? { density: dpi } : {}) });
  return img.jpeg().toBuffer();
};

describe('the image OCR reads', () => {
  it('brings a 600-dpi scan down to 300 dpi, and says by how much', async () => {
    const img = await prepareOcrImage(await page(4960, 7016, 600), { maxPixels: 1e9 });
    expect(img).toMatchObject({ width: 4960, height: 7016, ocrWidth: 2480, ocrHeight: 3508, dpi: 600 });
    expect(img.image.subarray(0, 17).toString('ascii')).toBe('P5\n2480 3508\n255\n');
    expect(img.image.length).toBe(17 + 2480 * 3508);
  });

  it('leaves a 300-dpi scan as it is, in one grey channel', async () => {
    const img = await prepareOcrImage(await page(2480, 3508, 300), { maxPixels: 1e9 });
    expect(img).toMatchObject({ ocrWidth: 2480, ocrHeight: 3508, dpi: 300 });
  });

  it("treats a camera's 72 dpi as unknown, and only brings very large images down", async () => {
    expect(await prepareOcrImage(await page(3000, 2000, 72), { maxPixels: 1e9 })).toMatchObject({ dpi: null, ocrWidth: 3000 });
    expect(await prepareOcrImage(await page(7200, 4800), { maxPixels: 1e9 })).toMatchObject({ dpi: null, ocrWidth: 3600, ocrHeight: 2400 });
  });

  it('is upright: a page stored on its side (EXIF orientation 6) is read in the grid a viewer shows', async () => {
    const img = await prepareOcrImage(await page(3508, 2480, 300, 6), { maxPixels: 1e9 });
    expect(img).toMatchObject({ width: 2480, height: 3508, ocrWidth: 2480, ocrHeight: 3508 });
  });

  it('turns a page found sideways: one grey channel still, the master grid turned with it', async () => {
    // A 600-dpi page, dark in its top left corner, stored a quarter turn clockwise.
    const master = await sharp({ create: { width: 7016, height: 4960, channels: 3, background: '#ffffff' } })
      .composite([{ input: { create: { width: 400, height: 400, channels: 3, background: '#000000' } }, left: 6616, top: 0 }])
      .withMetadata({ density: 600 })
      .jpeg()
      .toBuffer();
    const img = await prepareOcrImage(master, { maxPixels: 1e9 });
    const upright = await turnOcrImage(img, 270);
    expect(upright).toMatchObject({ width: 4960, height: 7016, ocrWidth: 2480, ocrHeight: 3508, dpi: 600 });
    expect(upright.image.subarray(0, 17).toString('ascii')).toBe('P5\n2480 3508\n255\n');
    expect(upright.image.length).toBe(17 + 2480 * 3508);
    const px = (x: number, y: number) => upright.image[17 + y * 2480 + x]!;
    expect(px(50, 50), 'the dark corner is at the top left once upright').toBeLessThan(40);
    expect(px(2400, 3400)).toBeGreaterThan(200);
    expect(await turnOcrImage(img, 0)).toBe(img);
  });
});
