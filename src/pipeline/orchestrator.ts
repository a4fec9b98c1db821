/**
 * The ingest job: a BullMQ flow parent that walks the STEPS. For each step it adds the step's
 * jobs as its children (deterministic ids, so a restart adds nothing twice), waits for them
 * (moveToWaitingChildren), folds their results into its state, and moves on. Its own work is
 * bookkeeping, so it can run anywhere.
 */
import { type Job, WaitingChildrenError } from 'bullmq';
import type { MetricsStore } from '../adapters/redis/metrics-store.js';
import type { StatusStore } from '../adapters/redis/status-store.js';
import type { Logger } from '../log.js';
import type { TextReturn } from '../stages/text/text.stage.js';
import { childJobId, fanOut, fold, type IngestState, PLAN_VERSION, STAGES, STEPS, type StageName, stepRuns } from './plan.js';
import type { Queues } from './queues.js';

export interface OrchestratorDeps {
  queues: Queues;
  status: StatusStore;
  log: Logger;
  metrics?: MetricsStore;
  /** the institution of an item id, with several institutions (logs and metrics name it) */
  institutionOf?: (itemId: string) => string | undefined;
}

/** Children of this step only: the parent's results hash holds every step's children. */
function forStep<V>(all: Record<string, V>, stage: StageName, ingestId: string): Record<string, V> {
  const out: Record<string, V> = {};
  const marker = `:${stage}:${childJobId(stage, ingestId, '')}`;
  for (const [k, v] of Object.entries(all)) {
    const i = k.indexOf(marker);
    if (i >= 0) out[k.slice(i + marker.length)] = v;
  }
  return out;
}

/**
 * An ingest queued by an earlier release of Yaddaş:
 *  - its text step's result was kept under `ocr.text` before the text stage had a slice of its own;
 *  - its step counted the plan of before issue 14, when derive and OCR were one step (5): a later
 *    step is one further now. (An ingest at that step waits for both stages' jobs, folds OCR's,
 *    then derive's step takes the jobs already made, or makes turned views again: derive.stage.ts.)
 */
export function fromEarlierRelease(s: IngestState): IngestState {
  const earlier = (s.ocr as { text?: TextReturn } | undefined)?.text;
  let out = earlier && !s.text ? { ...s, text: earlier } : s;
  if (out.plan === undefined) out = { ...out, plan: PLAN_VERSION, ...(out.step > 5 ? { step: out.step + 1 } : {}) };
  return out;
}

export function createOrchestrator(deps: OrchestratorDeps) {
  return async (job: Job<IngestState>, token?: string): Promise<IngestState['outcome']> => {
    let s = fromEarlierRelease(job.data);
    const { ingestId, itemId } = s.manifest;
    const institution = deps.institutionOf?.(itemId);
    const inst: Record<string, string> = institution ? { institution } : {};
    const log = deps.log.child({ stage: 'ingest', jobId: job.id, ...inst, ingestId, itemId });

    for (let step = STEPS[s.step]; step; step = STEPS[s.step]) {
      const name = step.join('+');
      if (!stepRuns(step, s)) {
        s = { ...s, step: s.step + 1, spawned: false };
        continue;
      }
      if (!s.spawned) {
        const counts: number[] = [];
        for (const stage of step) {
          const children = fanOut(stage, s);
          counts.push(children.length);
          if (children.length === 0) continue;
          const parent = { id: job.id ?? '', queue: job.queueQualifiedName };
          await deps.queues.bullQueue(stage).addBulk(
            children.map((c, i) => ({
              name: stage,
              data: c.data,
              opts: deps.queues.childOptions(childJobId(stage, ingestId, c.key), parent, i + 1),
            })),
          );
        }
        s = { ...s, spawned: true };
        await job.updateData(s);
        // Once the item's status is final (preserved), later steps only say where it stands.
        const statusFinal = STEPS.slice(0, s.step).some((g) => g.some((p) => STAGES[p].spec.endsPreservation));
        await deps.status.update(ingestId, statusFinal ? { stage: name } : { status: 'in-progress', stage: name });
        log.info({ step: name, jobs: counts.reduce((a, b) => a + b, 0) }, step.map((st) => STAGES[st].spec.label).join('; '));
      }
      if (await job.moveToWaitingChildren(token ?? '')) throw new WaitingChildrenError();

      const all = await job.getChildrenValues();
      const ignored = await job.getIgnoredChildrenFailures();
      for (const stage of step) s = fold(stage, s, forStep(all, stage, ingestId), forStep(ignored, stage, ingestId));
      s = { ...s, step: s.step + 1, spawned: false };
      await job.updateData(s);
      if (step.some((st) => STAGES[st].spec.endsPreservation)) await finish(s);
    }
    if (s.publication) {
      // The OCR's own OCFL version, when it wrote one, is the item's newest.
      const ocrVersion = s.text?.version;
      await deps.status.update(ingestId, {
        stage: '',
        publication: s.publication.status,
        ...(s.publication.reason ? { publicationReason: s.publication.reason } : {}),
        ...(ocrVersion ? { version: ocrVersion } : {}),
      });
      log.info(
        { publication: s.publication.status },
        `access copies ${s.publication.status}${s.publication.reason ? `: ${s.publication.reason}` : ''}`,
      );
    }
    return s.outcome;

    async function finish(state: IngestState) {
      const outcome = state.outcome ?? { status: 'failed' as const, reason: 'the pipeline ended without an outcome' };
      await deps.status.finish(ingestId, itemId, outcome, state.location);
      if (deps.metrics) {
        const m = deps.metrics;
        const bytes = Object.values(state.stored).reduce((a, f) => a + f.size, 0);
        const pages = state.manifest.files.filter((f) => f.role === 'page').length;
        await Promise.all([
          m.inc('items_total', { status: outcome.status, ...(outcome.code ? { code: outcome.code } : {}), ...inst }),
          // A new version only: an identical re-scan preserved nothing new.
          ...(outcome.status === 'preserved' && !outcome.unchanged
            ? [m.inc('pages_preserved_total', inst, pages), m.inc('bytes_preserved_total', inst, bytes)]
            : []),
        ]).catch((err: Error) => log.warn({ err: { message: err.message } }, 'could not record item metrics'));
      }
      log.info(
        { status: outcome.status, version: outcome.version, code: outcome.code },
        `item ${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ''}`,
      );
    }
  };
}
