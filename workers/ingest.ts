// The `ingest` process. Scale it by running more of it (docker compose --scale ingest=N).
import { runRole } from '../src/process.js';

await runRole('ingest');
