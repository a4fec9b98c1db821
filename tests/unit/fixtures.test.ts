/** The test helpers say what is missing when the shared sample data is not beside the checkout. */
import { describe, expect, it } from 'vitest';
import { readShared } from '../helpers/fixtures.js';

describe('shared sample data', () => {
  it('names the folder and how to point at it when a sample is missing, not just ENOENT', async () => {
    await expect(readShared('ocr-samples/phototest.tif', '/nowhere/shared/data')).rejects.toThrow(
      /ocr-samples\/phototest\.tif is missing from \/nowhere\/shared\/data.*\.\.\/shared\/data beside the checkout.*YADDAS_SHARED_DATA/,
    );
  });

  it('reads a sample that is there', async () => {
    expect((await readShared('ocr-samples/phototest.txt')).length).toBeGreaterThan(0);
  });
});
