// The `replicate` process: copies each new version of an object to every replica store, each file
// read back there (started by `npm start` only when replicas are configured; docs/copies.md).
import { runRole } from '../src/process.js';

await runRole('replicate');
