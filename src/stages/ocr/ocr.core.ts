/**
 * OCR results as pure values: the page model Yaddaş keeps (blocks → paragraphs → lines → words,
 * in the master's upright pixel grid, with confidences), and what is made from it: plain text,
 * ALTO 4 and hOCR. Both XML formats are built from the same model, so they always agree, and the
 * model can be read back from our ALTO (for rebuilding the PDF from the preservation bucket).
 */
import { XMLParser } from 'fast-xml-parser';
import { create } from 'xmlbuilder2';
import type { Box, OcrBlock, OcrLine, OcrPage, OcrParagraph } from '../../domain/ocr-page.js';
import type { OcrTile } from '../../domain/ocr-tiles.js';

/** What tesseract.js gives for a page (only what is used). */
export interface TesseractBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
export interface TesseractPage {
  blocks: Array<{
    bbox: TesseractBox;
    paragraphs: Array<{
      bbox: TesseractBox;
      lines: Array<{ bbox: TesseractBox; baseline?: TesseractBox; words: Array<{ text: string; bbox: TesseractBox; confidence: number }> }>;
    }>;
  }> | null;
}

/**
 * Our page model from tesseract.js's, scaled from the OCR image (which may be smaller than the
 * master: scans above ~300 dpi are brought down for OCR) to the master's upright grid.
 */
export function fromTesseract(
  t: TesseractPage,
  at: {
    page: number;
    source: string;
    subpage: number;
    languages: string;
    width: number;
    height: number;
    ocrWidth: number;
    ocrHeight: number;
    /**
     * A tile of the OCR image (a very large page read in parts): where it is, and its core, the
     * region whose words are its own; words centred in the overlap are the neighbour's.
     */
    tile?: OcrTile;
  },
): OcrPage {
  const sx = at.width / at.ocrWidth;
  const sy = at.height / at.ocrHeight;
  const dx = at.tile?.x ?? 0;
  const dy = at.tile?.y ?? 0;
  const box = (b: TesseractBox): Box => [
    clamp(Math.floor((b.x0 + dx) * sx), 0, at.width),
    clamp(Math.floor((b.y0 + dy) * sy), 0, at.height),
    clamp(Math.ceil((b.x1 + dx) * sx), 0, at.width),
    clamp(Math.ceil((b.y1 + dy) * sy), 0, at.height),
  ];
  const tile = at.tile;
  const core = tile?.core;
  // A word is this tile's when its centre is in the tile's core and no inner edge cuts it (cut
  // there, it is whole in the neighbour, whose core then holds its centre).
  const own = (b: TesseractBox) => {
    if (!core || !tile) return true;
    const edge = 2;
    if (
      (tile.inner.left && b.x0 <= edge) ||
      (tile.inner.top && b.y0 <= edge) ||
      (tile.inner.right && b.x1 >= tile.width - edge) ||
      (tile.inner.bottom && b.y1 >= tile.height - edge)
    )
      return false;
    const cx = dx + (b.x0 + b.x1) / 2;
    const cy = dy + (b.y0 + b.y1) / 2;
    return cx >= core[0] && cx < core[2] && cy >= core[1] && cy < core[3];
  };
  let sum = 0;
  let n = 0;
  const blocks: OcrBlock[] = [];
  for (const b of t.blocks ?? []) {
    const paragraphs: OcrParagraph[] = [];
    for (const p of b.paragraphs) {
      const lines: OcrLine[] = [];
      for (const l of p.lines) {
        const words = l.words
          .filter((w) => own(w.bbox))
          .map((w) => ({ text: w.text.trim(), box: box(w.bbox), conf: Math.round(clamp(w.confidence, 0, 100) * 100) / 100 }))
          .filter((w) => w.text !== '');
        if (words.length === 0) continue;
        for (const w of words) {
          sum += w.conf;
          n++;
        }
        const line: OcrLine = { box: box(l.bbox), words };
        if (l.baseline && l.baseline.x1 > l.baseline.x0) line.baseline = box(l.baseline);
        lines.push(line);
      }
      if (lines.length > 0) paragraphs.push({ box: box(p.bbox), lines });
    }
    if (paragraphs.length > 0) blocks.push({ box: box(b.bbox), paragraphs });
  }
  return {
    page: at.page,
    source: at.source,
    subpage: at.subpage,
    width: at.width,
    height: at.height,
    languages: at.languages,
    meanConfidence: n ? Math.round((sum / n) * 100) / 100 : null,
    words: n,
    blocks,
  };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** A page read in tiles as one page: the tiles' blocks in reading order of the tiles (rows, then columns). */
export function joinTiles(tiles: OcrPage[]): OcrPage {
  const first = tiles[0]!;
  const words = tiles.reduce((n, t) => n + t.words, 0);
  const confSum = tiles.reduce((s, t) => s + (t.meanConfidence ?? 0) * t.words, 0);
  return {
    ...first,
    blocks: tiles.flatMap((t) => t.blocks),
    words,
    meanConfidence: words ? Math.round((confSum / words) * 100) / 100 : null,
  };
}

/** Plain text: words of a line joined by spaces, lines by newlines, paragraphs by a blank line. */
export function pageText(p: OcrPage): string {
  const paras = p.blocks.flatMap((b) => b.paragraphs.map((par) => par.lines.map((l) => l.words.map((w) => w.text).join(' ')).join('\n')));
  return paras.length ? `${paras.join('\n\n')}\n` : '';
}

/** The item's full text: pages in order, separated by form feeds (product.md). */
export function fullText(pages: OcrPage[]): string {
  return [...pages]
    .sort((a, b) => a.page - b.page)
    .map(pageText)
    .join('\f');
}

export interface OcrSoftware {
  name: string;
  version: string;
  /** when the OCR was made, ISO 8601 */
  at: string;
  agency?: string;
}

const ALTO_NS = 'http://www.loc.gov/standards/alto/ns-v4#';
export const ALTO_SCHEMA_LOCATION = 'http://www.loc.gov/standards/alto/v4/alto-4-4.xsd';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

const dims = (b: Box) => ({ HPOS: String(b[0]), VPOS: String(b[1]), WIDTH: String(b[2] - b[0]), HEIGHT: String(b[3] - b[1]) });
const union = (boxes: Box[]): Box => [
  Math.min(...boxes.map((b) => b[0])),
  Math.min(...boxes.map((b) => b[1])),
  Math.max(...boxes.map((b) => b[2])),
  Math.max(...boxes.map((b) => b[3])),
];

/** How the page was read, in ALTO's processingStepSettings (parseAlto reads the languages back). */
export function stepSettings(p: Pick<OcrPage, 'languages' | 'detected' | 'tiles'>): string {
  const d = p.detected;
  const parts = [`languages: ${p.languages}`];
  if (p.tiles) parts.push(`read in ${p.tiles} tiles (squares of up to 4096 pixels, overlapping by 1024), in every language, as scanned`);
  if (d) {
    parts.push(d.script ? `script: ${d.script} (confidence ${d.scriptConfidence})` : 'script: not detected');
    if (d.orientation !== null) parts.push(`orientation: ${d.orientation} (confidence ${d.orientationConfidence})`);
    parts.push(
      d.languagesFrom === 'script' ? "languages chosen: the item's of that script" : `languages chosen: all the item's (${d.why ?? ''})`,
    );
  }
  parts.push(
    d?.turned
      ? `coordinates: pixels of the upright master image turned ${d.turned} degrees clockwise, as its derivatives show it`
      : 'coordinates: pixels of the upright master image',
  );
  return parts.join('; ');
}

/** ALTO 4.4: one TextBlock per paragraph, String per word with WC (confidence 0–1), SP between. */
export function altoXml(p: OcrPage, sw: OcrSoftware): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const alto = doc.ele(ALTO_NS, 'alto', {
    'xmlns:xsi': XSI,
    'xsi:schemaLocation': `${ALTO_NS} ${ALTO_SCHEMA_LOCATION}`,
    SCHEMAVERSION: '4.4',
  });
  const desc = alto.ele('Description');
  desc.ele('MeasurementUnit').txt('pixel');
  desc
    .ele('sourceImageInformation')
    .ele('fileName')
    .txt(p.subpage > 0 ? `${p.source}[${p.subpage}]` : p.source);
  const proc = desc.ele('Processing', { ID: 'OCR_0' });
  proc.ele('processingCategory').txt('contentGeneration');
  proc.ele('processingDateTime').txt(sw.at);
  if (sw.agency) proc.ele('processingAgency').txt(sw.agency);
  proc.ele('processingStepSettings').txt(stepSettings(p));
  const soft = proc.ele('processingSoftware');
  soft.ele('softwareName').txt(sw.name);
  soft.ele('softwareVersion').txt(sw.version);
  const pageAttrs: Record<string, string> = {
    ID: `P${p.page}`,
    PHYSICAL_IMG_NR: String(p.page),
    WIDTH: String(p.width),
    HEIGHT: String(p.height),
    PROCESSINGREFS: 'OCR_0',
  };
  if (p.meanConfidence !== null) pageAttrs.PC = (p.meanConfidence / 100).toFixed(4);
  const page = alto.ele('Layout').ele('Page', pageAttrs);
  const allBoxes = p.blocks.map((b) => b.box);
  const space = page.ele(
    'PrintSpace',
    allBoxes.length ? dims(union(allBoxes)) : { HPOS: '0', VPOS: '0', WIDTH: String(p.width), HEIGHT: String(p.height) },
  );
  let b = 0;
  let l = 0;
  let w = 0;
  for (const block of p.blocks) {
    for (const par of block.paragraphs) {
      const tb = space.ele('TextBlock', { ID: `P${p.page}_B${++b}`, ...dims(par.box) });
      for (const line of par.lines) {
        const attrs: Record<string, string> = { ID: `P${p.page}_L${++l}`, ...dims(line.box) };
        if (line.baseline) attrs.BASELINE = `${line.baseline[0]},${line.baseline[1]} ${line.baseline[2]},${line.baseline[3]}`;
        const tl = tb.ele('TextLine', attrs);
        line.words.forEach((word, i) => {
          if (i > 0) {
            const prev = line.words[i - 1]!.box;
            tl.ele('SP', {
              HPOS: String(prev[2]),
              VPOS: String(Math.min(prev[1], word.box[1])),
              WIDTH: String(Math.max(0, word.box[0] - prev[2])),
            });
          }
          tl.ele('String', { ID: `P${p.page}_W${++w}`, CONTENT: word.text, ...dims(word.box), WC: (word.conf / 100).toFixed(4) });
        });
      }
    }
  }
  return doc.end({ prettyPrint: true });
}

/** hOCR 1.2 (an XHTML page): ocr_page, ocr_carea, ocr_par, ocr_line, ocrx_word with x_wconf. */
export function hocrXhtml(p: OcrPage, sw: OcrSoftware, lang?: string): string {
  const bbox = (b: Box) => `bbox ${b[0]} ${b[1]} ${b[2]} ${b[3]}`;
  const doc = create({ version: '1.0', encoding: 'UTF-8' }).dtd({
    pubID: '-//W3C//DTD XHTML 1.0 Transitional//EN',
    sysID: 'http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd',
  });
  const html = doc.ele('http://www.w3.org/1999/xhtml', 'html', lang ? { 'xml:lang': lang, lang } : {});
  const head = html.ele('head');
  head.ele('title').txt(`OCR of page ${p.page}`);
  head.ele('meta', { 'http-equiv': 'Content-Type', content: 'text/html;charset=utf-8' });
  head.ele('meta', { name: 'ocr-system', content: `${sw.name} ${sw.version}` });
  head.ele('meta', { name: 'ocr-capabilities', content: 'ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf' });
  head.ele('meta', { name: 'ocr-langs', content: p.languages.replace(/\+/g, ' ') });
  const page = html.ele('body').ele('div', {
    class: 'ocr_page',
    id: `page_${p.page}`,
    title: `image "${p.source.replace(/"/g, '')}"; ${bbox([0, 0, p.width, p.height])}; ppageno ${p.page - 1}`,
  });
  let b = 0;
  let par = 0;
  let l = 0;
  let w = 0;
  for (const block of p.blocks) {
    const area = page.ele('div', { class: 'ocr_carea', id: `block_${p.page}_${++b}`, title: bbox(block.box) });
    for (const pa of block.paragraphs) {
      const pe = area.ele('p', { class: 'ocr_par', id: `par_${p.page}_${++par}`, title: bbox(pa.box) });
      for (const line of pa.lines) {
        let title = bbox(line.box);
        if (line.baseline) {
          // hOCR's baseline: slope and the offset of its left end from the line box's bottom.
          const [x0, y0, x1, y1] = line.baseline;
          const slope = x1 > x0 ? (y1 - y0) / (x1 - x0) : 0;
          const offset = Math.round(y0 + slope * (line.box[0] - x0) - line.box[3]);
          title += `; baseline ${slope.toFixed(4)} ${offset}`;
        }
        const le = pe.ele('span', { class: 'ocr_line', id: `line_${p.page}_${++l}`, title });
        line.words.forEach((word, i) => {
          if (i > 0) le.txt(' ');
          le.ele('span', {
            class: 'ocrx_word',
            id: `word_${p.page}_${++w}`,
            title: `${bbox(word.box)}; x_wconf ${Math.round(word.conf)}`,
          }).txt(word.text);
        });
      }
    }
  }
  // No self-closing elements: a reader that parses hOCR as HTML would take <div/> as an opening tag.
  return doc.end({ prettyPrint: true, allowEmptyTags: true });
}

type Attrs = Record<string, string>;
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Reads our own ALTO back into the page model (paragraph structure is one TextBlock per
 * paragraph, so blocks come back as one paragraph each). Used to rebuild access copies, the PDF
 * among them, from what is preserved.
 */
export function parseAlto(xml: string, at: { page: number; languages?: string }): OcrPage {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    isArray: (name) => ['TextBlock', 'TextLine', 'String'].includes(name),
  });
  const doc = parser.parse(xml) as {
    alto?: {
      Description?: { sourceImageInformation?: { fileName?: string }; Processing?: { processingStepSettings?: string } };
      Layout?: { Page?: Attrs & { PrintSpace?: { TextBlock?: unknown[] } } };
    };
  };
  const page = doc.alto?.Layout?.Page;
  if (!page) throw new Error('not an ALTO document with a Page');
  const n = (a: Attrs, k: string) => Number(a[k] ?? 0);
  const boxOf = (a: Attrs): Box => [n(a, 'HPOS'), n(a, 'VPOS'), n(a, 'HPOS') + n(a, 'WIDTH'), n(a, 'VPOS') + n(a, 'HEIGHT')];
  let sum = 0;
  let count = 0;
  const blocks: OcrBlock[] = asArray(page.PrintSpace?.TextBlock as Array<Attrs & { TextLine?: unknown }>).map((tb) => {
    const lines: OcrLine[] = asArray(tb.TextLine as Array<Attrs & { String?: unknown }>).map((tl) => {
      const words = asArray(tl.String as Attrs[]).map((s) => {
        const conf = s.WC !== undefined ? Math.round(Number(s.WC) * 10000) / 100 : 0;
        sum += conf;
        count++;
        return { text: s.CONTENT ?? '', box: boxOf(s), conf };
      });
      const line: OcrLine = { box: boxOf(tl), words };
      const bl = /^(-?[\d.]+),(-?[\d.]+) (-?[\d.]+),(-?[\d.]+)$/.exec(tl.BASELINE ?? '');
      if (bl) line.baseline = [Number(bl[1]), Number(bl[2]), Number(bl[3]), Number(bl[4])];
      return line;
    });
    return { box: boxOf(tb), paragraphs: [{ box: boxOf(tb), lines }] };
  });
  const fileName = String(doc.alto?.Description?.sourceImageInformation?.fileName ?? '');
  const sub = /^(.*)\[(\d+)\]$/.exec(fileName);
  const settings = String(doc.alto?.Description?.Processing?.processingStepSettings ?? '');
  return {
    page: at.page,
    source: sub ? sub[1]! : fileName,
    subpage: sub ? Number(sub[2]) : 0,
    width: n(page, 'WIDTH'),
    height: n(page, 'HEIGHT'),
    languages: at.languages ?? /languages: ([^;]+)/.exec(settings)?.[1] ?? '',
    meanConfidence: count ? Math.round((sum / count) * 100) / 100 : null,
    words: count,
    blocks,
  };
}
