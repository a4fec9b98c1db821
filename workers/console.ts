// The `console` process: the dashboard, /metrics, /health and /ready, on YADDAS_CONSOLE_HOST:PORT.
import { runRole } from '../src/process.js';

await runRole('console');
