// The embedded S3 server (s3rver) as a process of its own, started and restarted by `npm start`
// when no S3 endpoint is configured. It needs no Redis.
import { runS3Process } from '../src/process.js';

await runS3Process();
