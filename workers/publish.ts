// The `publish` process: item.json and the IIIF manifest in the access bucket (runs anywhere).
import { runRole } from '../src/process.js';

await runRole('publish');
