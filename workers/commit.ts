// The `commit` process. Scale it by running more of it (docker compose --scale commit=N).
import { runRole } from '../src/process.js';

await runRole('commit');
