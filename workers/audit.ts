// The `audit` process: fixity audits of every object in every copy on the installation's one
// schedule, repairs from a good copy, and the audit history kept in every copy (docs/copies.md).
import { runRole } from '../src/process.js';

await runRole('audit');
