/**
 * What operations work with: the ports the composition root hands out (app.ts's App has them all).
 * Operations are for the CLI, the console and tests alike; none of them holds a raw client.
 */
import type { StatusStore } from '../adapters/redis/status-store.js';
import type { Config } from '../config/load.js';
import type { Intake } from '../intake/intake.js';
import type { Logger } from '../log.js';
import type { Payload, Result, StageName } from '../pipeline/plan.js';
import type { Queues } from '../pipeline/queues.js';
import type { StageHandler, StagePorts } from '../stages/stage.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { OcflStore } from '../storage/ocfl-store.js';

export interface OpsPorts extends StagePorts {
  config: Config;
  log: Logger;
  queues: Queues;
  status: StatusStore;
  preservation: OcflStore;
  access: ObjectStore;
  intake: Intake;
  /** another bucket on the S3 service Yaddaş uses (yaddas export --to), with the same client */
  bucketStore(bucket: string): ObjectStore;
  /** the ports of the institution an item belongs to (its id's namespace); a permanent error for no institution's */
  forItem(itemId: string): OpsPorts;
  /** every institution's ports, these among them */
  tenants: OpsPorts[];
  /** a stage's handler, to run a step in this process (rederive) */
  handler<N extends StageName>(stage: N): Promise<StageHandler<Payload<N>, Result<N>>>;
}
