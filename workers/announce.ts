// The `announce` process: appends item.published to the event stream once a version is published, and queues its webhook deliveries.
import { runRole } from '../src/process.js';

await runRole('announce');
