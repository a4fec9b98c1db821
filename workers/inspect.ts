// The `inspect` process. Scale it by running more of it (docker compose --scale inspect=N).
import { runRole } from '../src/process.js';

await runRole('inspect');
