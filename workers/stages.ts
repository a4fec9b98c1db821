// Every stage, the inbox watcher and the console in one process (YADDAS_PROCESSES=one, the
// default of `npm start` on one machine): the same code as one process per stage, less memory.
import { runEveryRole } from '../src/process.js';

await runEveryRole();
