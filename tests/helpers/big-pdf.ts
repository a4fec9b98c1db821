/**
 * A big PDF master that is real (pdf.js opens it, as inspection does) yet quick to inspect: one
 * page showing one uncompressed RGB image of random pixels. Random bytes do not compress, so
 * nothing downstream can take a shortcut; inspection reads the cross-reference table and the page
 * tree at the end and start of the file, never the image. Written in 1 MiB chunks, hashed as it
 * goes. The integration tests and the benchmark both make their big masters with it.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

const MiB = 1024 * 1024;
const WIDTH = 4096; // pixels; a row is 12 KiB of RGB

/** Writes the PDF with an image of at least `imageBytes` bytes; its size and SHA-512. */
export async function writeBigPdf(file: string, imageBytes: number): Promise<{ size: number; sha512: string }> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const rows = Math.max(1, Math.ceil(imageBytes / (WIDTH * 3)));
  const length = rows * WIDTH * 3;
  const hash = createHash('sha512');
  const fh = await fs.open(file, 'w');
  let at = 0;
  const offsets: number[] = [];
  const write = async (b: Buffer) => {
    hash.update(b);
    await fh.write(b);
    at += b.length;
  };
  const text = (s: string) => write(Buffer.from(s, 'latin1'));
  const obj = async (n: number, body: string) => {
    offsets[n] = at;
    await text(`${n} 0 obj\n${body}\nendobj\n`);
  };
  try {
    await text('%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n');
    await obj(1, '<< /Type /Catalog /Pages 2 0 R >>');
    await obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
    await obj(
      3,
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${WIDTH} ${rows}] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>`,
    );
    offsets[4] = at;
    await text(
      `4 0 obj\n<< /Type /XObject /Subtype /Image /Width ${WIDTH} /Height ${rows} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length ${length} >>\nstream\n`,
    );
    for (let done = 0; done < length; done += MiB) await write(randomBytes(Math.min(MiB, length - done)));
    await text('\nendstream\nendobj\n');
    const content = `q ${WIDTH} 0 0 ${rows} 0 0 cm /Im0 Do Q`;
    await obj(5, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
    const xref = at;
    const entries = offsets.slice(1).map((o) => `${String(o).padStart(10, '0')} 00000 n \n`);
    await text(`xref\n0 6\n0000000000 65535 f \n${entries.join('')}trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  } finally {
    await fh.close();
  }
  return { size: at, sha512: hash.digest('hex') };
}
