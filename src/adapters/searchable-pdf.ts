/**
 * The searchable PDF, with pdf-lib: one page per view at its physical size, the access JPEG as
 * it is (no re-encoding), and over it an invisible text layer (rendering mode 3) with each word
 * placed and stretched onto its box, in DejaVu Sans embedded as a subset (pdf-lib's standard
 * fonts are WinAnsi only: ə, ş, ğ, İ and Cyrillic would not encode). Marked PDF/A-2b: XMP
 * metadata matching the document information, an sRGB output intent, a document ID.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import fontkit from '@pdf-lib/fontkit';
import {
  JpegEmbedder,
  PDFArray,
  PDFCrossRefSection,
  PDFDict,
  PDFDocument,
  PDFHeader,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRawStream,
  PDFString,
  PDFTrailer,
  PDFTrailerDict,
  degrees,
  drawImage,
  TextRenderingMode,
  beginText,
  endText,
  popGraphicsState,
  pushGraphicsState,
  setCharacterSqueeze,
  setFontAndSize,
  setTextMatrix,
  setTextRenderingMode,
  showText,
  type PDFFont,
} from 'pdf-lib';
import sharp from 'sharp';
import type { OcrPage } from '../domain/ocr-page.js';
import { isoSeconds } from '../domain/time.js';

export interface PdfMeta {
  title: string;
  /** BCP 47, for the catalog's /Lang */
  lang?: string;
  created: Date;
  producer: string;
}

let fontBytes: Buffer | undefined;
function dejaVuSans(): Buffer {
  if (!fontBytes) {
    const require = createRequire(import.meta.url);
    fontBytes = readFileSync(path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans.ttf'));
  }
  return fontBytes;
}

let srgb: Buffer | undefined;
/** libvips's built-in sRGB profile, taken from an image sharp tags with it. */
async function srgbProfile(): Promise<Buffer> {
  if (!srgb) {
    const tagged = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#ffffff' } })
      .withIccProfile('srgb')
      .png()
      .toBuffer();
    srgb = (await sharp(tagged).metadata()).icc!;
  }
  return srgb;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function xmp(meta: PdfMeta): string {
  const date = isoSeconds(meta.created);
  return `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">${xmlEscape(meta.title)}</rdf:li></rdf:Alt></dc:title>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreateDate>${date}</xmp:CreateDate>
   <xmp:ModifyDate>${date}</xmp:ModifyDate>
   <xmp:MetadataDate>${date}</xmp:MetadataDate>
   <xmp:CreatorTool>${xmlEscape(meta.producer)}</xmp:CreatorTool>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>${xmlEscape(meta.producer)}</pdf:Producer>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
}

/** Draws the invisible words of one page. `k` converts pixels of the view to points. */
function textLayer(font: PDFFont, fontKey: PDFName, ocr: OcrPage, k: number, pageHeight: number) {
  const ops = [pushGraphicsState(), beginText(), setTextRenderingMode(TextRenderingMode.Invisible)];
  for (const block of ocr.blocks) {
    for (const par of block.paragraphs) {
      for (const line of par.lines) {
        const lineH = Math.max(1, line.box[3] - line.box[1]);
        const size = Math.max(1, lineH * k * 0.8);
        ops.push(setFontAndSize(fontKey, size));
        line.words.forEach((w, i) => {
          const next = line.words[i + 1];
          // A word and the space after it span to the next word, so text extraction finds the
          // space between them; the last word of a line spans its own box.
          const text = next ? `${w.text} ` : w.text;
          const right = next ? next.box[0] : w.box[2];
          const widthPt = Math.max(0.5, (right - w.box[0]) * k);
          const natural = font.widthOfTextAtSize(text, size);
          const squeeze = natural > 0 ? (100 * widthPt) / natural : 100;
          let baseY = line.box[3] - lineH * 0.2;
          if (line.baseline) {
            const [x0, y0, x1, y1] = line.baseline;
            baseY = x1 > x0 ? y0 + ((y1 - y0) * (w.box[0] - x0)) / (x1 - x0) : y0;
          }
          ops.push(
            setCharacterSqueeze(squeeze),
            setTextMatrix(1, 0, 0, 1, w.box[0] * k, pageHeight - baseY * k),
            showText(font.encodeText(text) as PDFHexString),
          );
        });
      }
    }
  }
  ops.push(endText(), popGraphicsState());
  return ops;
}

/** One page as the writer reads it: each part fetched when it is needed, and let go after. */
export interface PdfPageSource {
  /** the access JPEG; read twice, once for its size and colours and once to copy it into the file */
  jpeg: () => Promise<Buffer>;
  /** the view's full upright size in pixels (the grid OCR coordinates are in) */
  width: number;
  height: number;
  /** the master's resolution; pages without a plausible one are laid out at 300 dpi */
  dpi: number | null;
  ocr: () => Promise<OcrPage | null>;
}

/**
 * Writes the searchable PDF to `file`, holding one page's image and words at a time: the
 * document's structure (pages, fonts, text layers, compressed) is built with pdf-lib, but each
 * page's image stands in it as an empty stream, and the file is written object by object with
 * the JPEG copied in where its stream is. pdf-lib alone keeps every image of the document in
 * memory until it saves, and then the whole file once more (a 1,000-page book ran past 1 GB).
 */
export async function writeSearchablePdf(
  pages: readonly PdfPageSource[],
  meta: PdfMeta,
  file: string,
): Promise<{ bytes: number; pages: number; withText: number }> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(fontkit);
  let font: PDFFont | undefined;
  // Which page's JPEG each image stream is, and its length.
  const images = new Map<number, { page: number; length: number; sha256: string }>();
  let withText = 0;
  for (const [i, p] of pages.entries()) {
    const dpi = p.dpi && p.dpi > 100 ? p.dpi : 300;
    const k = 72 / dpi;
    const w = p.width * k;
    const h = p.height * k;
    const page = doc.addPage([w, h]);
    const jpeg = new Uint8Array(await p.jpeg());
    const facts = await JpegEmbedder.for(jpeg);
    const xobject = doc.context.stream(new Uint8Array(0), {
      Type: 'XObject',
      Subtype: 'Image',
      BitsPerComponent: facts.bitsPerComponent,
      Width: facts.width,
      Height: facts.height,
      ColorSpace: facts.colorSpace,
      Filter: 'DCTDecode',
      // as pdf-lib embeds CMYK JPEGs (complemented, PDF 32000-1 8.6.4.4)
      ...(facts.colorSpace === 'DeviceCMYK' ? { Decode: [1, 0, 1, 0, 1, 0, 1, 0] } : {}),
    });
    const ref = doc.context.register(xobject);
    images.set(ref.objectNumber, { page: i, length: jpeg.length, sha256: createHash('sha256').update(jpeg).digest('hex') });
    const name = page.node.newXObject('Image', ref);
    const ops = [
      pushGraphicsState(),
      ...drawImage(name, { x: 0, y: 0, width: w, height: h, rotate: degrees(0), xSkew: degrees(0), ySkew: degrees(0) }),
      popGraphicsState(),
    ];
    const ocr = await p.ocr();
    if (ocr && ocr.words > 0) {
      withText++;
      font ??= await doc.embedFont(dejaVuSans(), { subset: true });
      const fontKey = page.node.newFontDictionary(font.name, font.ref);
      // OCR coordinates are in the view's full-size grid, whatever the access image's size.
      ops.push(...textLayer(font, fontKey, ocr, k * (p.width / ocr.width), h));
    }
    // The page's drawing, compressed now, so that only its bytes stay until the file is written.
    const contents = doc.context.contentStream(ops).getUnencodedContents();
    page.node.set(PDFName.of('Contents'), doc.context.register(doc.context.flateStream(contents)));
  }

  if (font) {
    // Embed the subset now, then name it as a subset must be named (ISO 32000-1, 9.6.4: a tag of
    // six capitals and "+"), which pdf-lib does not do and PDF/A validators check.
    await font.embed();
    const tag = [...createHash('sha256').update(meta.title).update(isoSeconds(meta.created)).digest()]
      .slice(0, 6)
      .map((b) => String.fromCharCode(65 + (b % 26)))
      .join('');
    const name = PDFName.of(`${tag}+DejaVuSans`);
    const type0 = doc.context.lookup(font.ref, PDFDict);
    type0.set(PDFName.of('BaseFont'), name);
    const cid = doc.context.lookup(type0.lookup(PDFName.of('DescendantFonts'), PDFArray).get(0), PDFDict);
    cid.set(PDFName.of('BaseFont'), name);
    cid.lookup(PDFName.of('FontDescriptor'), PDFDict).set(PDFName.of('FontName'), name);
  }

  doc.setTitle(meta.title, { showInWindowTitleBar: true });
  doc.setProducer(meta.producer);
  doc.setCreator(meta.producer);
  doc.setCreationDate(meta.created);
  doc.setModificationDate(meta.created);
  if (meta.lang) doc.catalog.set(PDFName.of('Lang'), PDFString.of(meta.lang));

  const metadata = doc.context.stream(Buffer.from(xmp(meta), 'utf8'), { Type: 'Metadata', Subtype: 'XML' });
  doc.catalog.set(PDFName.of('Metadata'), doc.context.register(metadata));
  const icc = await srgbProfile();
  const profile = doc.context.register(doc.context.flateStream(icc, { N: 3 }));
  const intent = doc.context.obj({
    Type: 'OutputIntent',
    S: 'GTS_PDFA1',
    OutputConditionIdentifier: PDFString.of('sRGB IEC61966-2.1'),
    Info: PDFString.of('sRGB IEC61966-2.1'),
    DestOutputProfile: profile,
  });
  doc.catalog.set(PDFName.of('OutputIntents'), doc.context.obj([intent]));
  // PDF/A wants a document ID; derived from the content's identity so that the same input gives
  // the same file.
  const id = createHash('md5').update(meta.title).update(isoSeconds(meta.created)).update(String(pages.length)).digest('hex');
  doc.context.trailerInfo.ID = doc.context.obj([PDFHexString.of(id), PDFHexString.of(id)]);

  const bytes = await writeObjects(doc, file, async (objectNumber) => {
    const image = images.get(objectNumber);
    if (!image) return undefined;
    const jpeg = await pages[image.page]!.jpeg();
    // (the size and colours written for it came from the first read)
    if (jpeg.length !== image.length || createHash('sha256').update(jpeg).digest('hex') !== image.sha256)
      throw new Error(`the access image of page ${image.page + 1} changed while its PDF was written; the PDF is made again`);
    return jpeg;
  });
  return { bytes, pages: pages.length, withText };
}

/**
 * The classic file structure (header, objects, cross-reference table, trailer), as pdf-lib's
 * own writer lays it out with object streams off, written object by object. `streamData` gives
 * the bytes of the streams that stand empty in the document (the page images).
 */
async function writeObjects(
  doc: PDFDocument,
  file: string,
  streamData: (objectNumber: number) => Promise<Buffer | undefined>,
): Promise<number> {
  const fh = await fs.open(file, 'w');
  let at = 0;
  const write = async (b: Uint8Array | string) => {
    const buf = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
    await fh.write(buf);
    at += buf.length;
  };
  const bytesOf = (o: { sizeInBytes(): number; copyBytesInto(b: Uint8Array, offset: number): number }) => {
    const b = new Uint8Array(o.sizeInBytes());
    o.copyBytesInto(b, 0);
    return b;
  };
  try {
    // PDF/A: a comment of four bytes above 127 on the second line says the file is binary.
    await write(bytesOf(PDFHeader.forVersion(1, 7)));
    await write('\n\n');
    const xref = PDFCrossRefSection.create();
    const objects = doc.context.enumerateIndirectObjects().sort((a, b) => a[0].objectNumber - b[0].objectNumber);
    for (const [ref, object] of objects) {
      xref.addEntry(ref, at);
      await write(`${ref.objectNumber} ${ref.generationNumber} obj\n`);
      const data = object instanceof PDFRawStream ? await streamData(ref.objectNumber) : undefined;
      if (data && object instanceof PDFRawStream) {
        object.dict.set(PDFName.of('Length'), PDFNumber.of(data.length));
        await write(bytesOf(object.dict));
        await write('\nstream\n');
        await write(data);
        await write('\nendstream');
      } else await write(bytesOf(object));
      await write('\nendobj\n\n');
    }
    const xrefAt = at;
    await write(bytesOf(xref));
    await write('\n');
    const trailerDict = doc.context.obj({
      Size: doc.context.largestObjectNumber + 1,
      Root: doc.context.trailerInfo.Root,
      Info: doc.context.trailerInfo.Info,
      ID: doc.context.trailerInfo.ID,
    });
    await write(bytesOf(PDFTrailerDict.of(trailerDict)));
    await write('\n\n');
    await write(bytesOf(PDFTrailer.forLastCrossRefSectionOffset(xrefAt)));
    return at;
  } finally {
    await fh.close();
  }
}
