// The `store` process. Scale it by running more of it (docker compose --scale store=N).
import { runRole } from '../src/process.js';

await runRole('store');
