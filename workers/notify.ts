// The `notify` process: delivers events to the configured webhooks, signed, retried with backoff.
import { runRole } from '../src/process.js';

await runRole('notify');
