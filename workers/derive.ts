// The `derive` process: thumbnails, access images and IIIF tiles, read from the preservation
// bucket only, so it can run on any machine with Redis and S3. Scale it: --scale derive=N.
import { runRole } from '../src/process.js';

await runRole('derive');
