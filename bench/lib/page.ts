import sharp from 'sharp';

/**
 * A colour page that compresses like a scan: paper grain (gaussian noise) and lines of dark
 * "words" whose widths vary with `seed`, as an LZW TIFF at the given density.
 */
export async function scanLikePage(o: {
  width: number;
  height: number;
  seed: number;
  dpi: number;
  file?: string;
}): Promise<Buffer | undefined> {
  const { width, height } = o;
  const k = o.dpi / 300; // line spacing and word size scale with resolution
  const lines: string[] = [];
  for (let y = Math.round(300 * k); y < height - 300 * k; y += Math.round(70 * k)) {
    for (let x = Math.round(250 * k); x < width - 300 * k; ) {
      const w = Math.round((40 + ((o.seed * 7 + x * 3 + y) % 160)) * k);
      lines.push(`<rect x="${x}" y="${y}" width="${w}" height="${Math.round(34 * k)}" fill="#2a2520"/>`);
      x += w + Math.round(25 * k);
    }
  }
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${lines.join('')}</svg>`);
  const img = sharp({ create: { width, height, channels: 3, background: '#efe6d2', noise: { type: 'gaussian', mean: 228, sigma: 10 } } })
    .composite([{ input: svg }])
    .withMetadata({ density: o.dpi })
    .tiff({ compression: 'lzw' });
  if (o.file) {
    await img.toFile(o.file);
    return undefined;
  }
  return img.toBuffer();
}
