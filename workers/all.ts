// `npm start`: the embedded services when needed, then every stage as its own process.
import { runSupervisor } from '../src/supervisor.js';

await runSupervisor();
