/**
 * The OCR page model Yaddaş keeps: blocks → paragraphs → lines → words, in the master's upright
 * pixel grid (the IIIF canvas), with Tesseract's confidences. ALTO, hOCR, plain text and the PDF's
 * text layer are all made from it (stages/ocr/ocr.core.ts), and our ALTO reads back into it.
 */
/** [x0, y0, x1, y1]: left, top, right (exclusive), bottom (exclusive), in pixels */
export type Box = [number, number, number, number];

export interface OcrWord {
  text: string;
  box: Box;
  /** Tesseract's confidence, 0–100 */
  conf: number;
}
export interface OcrLine {
  box: Box;
  /** the line's baseline as two points [x0, y0, x1, y1], when Tesseract gave one */
  baseline?: Box;
  words: OcrWord[];
}
export interface OcrParagraph {
  box: Box;
  lines: OcrLine[];
}
export interface OcrBlock {
  box: Box;
  paragraphs: OcrParagraph[];
}

/** One page's OCR, in the coordinates of the master image as a viewer shows it (upright). */
export interface OcrPage {
  /** the view number ({nnnn}) */
  page: number;
  /** the master's file name, and the page inside it for multi-page TIFFs (0-based) */
  source: string;
  subpage: number;
  width: number;
  height: number;
  /** `aze+rus`: the languages this page was read in */
  languages: string;
  /** what script and orientation detection found, and how that decided the page's reading (where it ran) */
  detected?: PageDetected;
  /** a very large sheet (a map) is read in this many tiles, in every language, as scanned */
  tiles?: number;
  /** mean word confidence, 0–100; null when the page has no words */
  meanConfidence: number | null;
  words: number;
  blocks: OcrBlock[];
}

/**
 * One page's script and orientation detection (Tesseract's OSD) and what came of it. Recorded
 * in the text record, item.json, ALTO's processing step and the OCR's PREMIS event.
 */
export interface PageDetected {
  /** null: detection found nothing to go by (a blank page, too little text) */
  script: string | null;
  scriptConfidence: number | null;
  /** the page's language among those it was read in, told from the words read; when it was not first, the page was read again with it first and the better reading kept */
  language?: string;
  /** the page's orientation as Tesseract's OSD gives it: the degrees clockwise that turn it upright (a page scanned a quarter turn clockwise is 270) */
  orientation: 0 | 90 | 180 | 270 | null;
  orientationConfidence: number | null;
  /** degrees clockwise the page was turned before it was read; its derivatives are shown turned the same */
  turned: 0 | 90 | 180 | 270;
  /** `script`: the item's languages of the page's script; `all`: every language of the item */
  languagesFrom: 'script' | 'all';
  /** why every language was used, when it was */
  why?: string;
  /** read again in every language because the script's languages read it poorly (mean confidence then and now) */
  reread?: { languages: string; meanConfidence: number | null };
}
