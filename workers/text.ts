// The `text` process: keeps each item's OCR as a new OCFL version and publishes text, ALTO and
// hOCR to the access bucket.
import { runRole } from '../src/process.js';

await runRole('text');
