// The `intake` process. Scale it by running more of it (docker compose --scale intake=N).
import { runRole } from '../src/process.js';

await runRole('intake');
