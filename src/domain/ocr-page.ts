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
  /** `aze+rus` */
  languages: string;
  /** mean word confidence, 0–100; null when the page has no words */
  meanConfidence: number | null;
  words: number;
  blocks: OcrBlock[];
}
