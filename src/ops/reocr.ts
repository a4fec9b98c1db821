/**
 * OCR again from the preserved masters, through the queues (the OCR workers do the reading); the
 * result is a new OCFL version, and earlier OCR stays in the versions before it.
 */
import { type OcrChoice, ocrChoice } from '../domain/ocr-languages.js';
import { readHead, republish } from './operations.js';
import type { OpsPorts } from './ports.js';

/**
 * Which languages: those asked for, else the ones its last OCR used, else what metadata.json and
 * the configuration say. Asked for explicitly, a photograph is read too.
 */
export async function queueReocr(installation: OpsPorts, itemId: string, asked?: string): Promise<{ ingestId: string; languages: string }> {
  const app = installation.forItem(itemId);
  const { record } = await readHead(app, itemId);
  let choice: OcrChoice & { run: true };
  if (asked) choice = { run: true, languages: asked, from: 'ocrLanguages' };
  else if (record.ocr) choice = { run: true, languages: record.ocr.languages, from: 'ocrLanguages' };
  else {
    const c = ocrChoice(record.metadata, app.config.ocr.languages);
    choice = c.run ? c : { run: true, languages: app.config.ocr.languages, from: 'default' };
  }
  // The masters' pixels do not change: their derivatives stand unless OCR now finds a page turned otherwise.
  const ingestId = await republish(app, itemId, 'reocr', choice, { keepDerivatives: true });
  return { ingestId, languages: choice.languages };
}
