// The `prepare` process. Scale it by running more of it (docker compose --scale prepare=N).
import { runRole } from '../src/process.js';

await runRole('prepare');
