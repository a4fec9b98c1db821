// The `pdf` process: assembles each item's searchable PDF from its access images and ALTO.
import { runRole } from '../src/process.js';

await runRole('pdf');
