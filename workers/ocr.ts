// The `ocr` process: a pool of tesseract.js engines (one per core by default) reading page images
// from the preservation bucket. Runs on any machine with Redis, S3 and the language data.
import { runRole } from '../src/process.js';

await runRole('ocr');
