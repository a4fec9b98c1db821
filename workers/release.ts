// The `release` process. Scale it by running more of it (docker compose --scale release=N).
import { runRole } from '../src/process.js';

await runRole('release');
