import fs from 'node:fs/promises';
import path from 'node:path';
import { writeBigPdf } from '../../tests/helpers/big-pdf.js';
import { scanLikePage } from './page.js';

/**
 * A big master that inspection accepts without decoding gigabytes: a real PDF whose one page shows
 * an image of random pixels (incompressible, so nothing downstream can take a shortcut). The tests
 * make theirs the same way. Returns its size in bytes.
 */
export async function writeRandomPdf(file: string, bodyBytes: number): Promise<number> {
  return (await writeBigPdf(file, bodyBytes)).size;
}

/** Makes `dir` a folder item: its metadata.json says which item it is. */
export async function writeMetadata(dir: string, metadata: { identifier: string; type: string }): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
}

/**
 * `n` pages of 300-dpi A4 (2480×3508, 8-bit RGB, LZW) that compress like scans: paper grain and
 * lines of dark "words" that differ per page. Returns the total size in bytes.
 */
export async function writePages(dir: string, n: number, progress?: (done: number) => void): Promise<number> {
  await fs.mkdir(dir, { recursive: true });
  let total = 0;
  for (let i = 1; i <= n; i++) {
    const file = path.join(dir, `${String(i).padStart(4, '0')}.tif`);
    await scanLikePage({ width: 2480, height: 3508, seed: i, dpi: 300, file });
    total += (await fs.stat(file)).size;
    progress?.(i);
  }
  return total;
}
