/**
 * The searchable PDF, with pdf-lib: one page per view at its physical size, the access JPEG as
 * it is (no re-encoding), and over it an invisible text layer (rendering mode 3) with each word
 * placed and stretched onto its box, in DejaVu Sans embedded as a subset (pdf-lib's standard
 * fonts are WinAnsi only: ə, ş, ğ, İ and Cyrillic would not encode). Marked PDF/A-2b: XMP
 * metadata matching the document information, an sRGB output intent, a document ID.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import fontkit from '@pdf-lib/fontkit';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFString,
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

export interface PdfPageInput {
  /** the access JPEG */
  jpeg: Buffer;
  /** the view's full upright size in pixels (the grid OCR coordinates are in) */
  width: number;
  height: number;
  /** the master's resolution; pages without a plausible one are laid out at 300 dpi */
  dpi: number | null;
  ocr: OcrPage | null;
}

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

export async function buildSearchablePdf(pages: PdfPageInput[], meta: PdfMeta): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(fontkit);
  const hasText = pages.some((p) => p.ocr && p.ocr.words > 0);
  const font = hasText ? await doc.embedFont(dejaVuSans(), { subset: true }) : undefined;

  for (const p of pages) {
    const dpi = p.dpi && p.dpi > 100 ? p.dpi : 300;
    const k = 72 / dpi;
    const w = p.width * k;
    const h = p.height * k;
    const page = doc.addPage([w, h]);
    // A copy with its own ArrayBuffer: pdf-lib reads JPEG markers through `.buffer` from offset 0,
    // and small Node Buffers are slices of a shared pool (found with a 100×100 page).
    const img = await doc.embedJpg(new Uint8Array(p.jpeg));
    page.drawImage(img, { x: 0, y: 0, width: w, height: h });
    if (font && p.ocr && p.ocr.words > 0) {
      const fontKey = page.node.newFontDictionary(font.name, font.ref);
      // OCR coordinates are in the view's full-size grid, whatever the access image's size.
      const sx = p.width / p.ocr.width;
      page.pushOperators(...textLayer(font, fontKey, p.ocr, k * sx, h));
    }
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
  return doc.save({ useObjectStreams: false });
}
