/**
 * The pipeline, declared in one place: the registry from each stage's name to its contract
 * (stages/<name>/<name>.stage.ts) and its handler, and the steps of an ingest in order. An ingest
 * runs the steps one after another; each step fans out one job per file, per view or per item
 * into each of its stages' queues, and the ingest (a BullMQ flow parent, orchestrator.ts) resumes
 * when they are all done.
 *
 * Handlers are loaded when a process first needs one, so a process loads only the libraries of
 * the stage it runs (the console and announce never load sharp or tesseract.js).
 *
 * Adding a stage: its folder (contract with its state slice, processor), its entry in REGISTRY,
 * its place in STEPS, and its slice in IngestState; a process of its own is a line in workers/
 * and its concurrency a setting (app.ts, config/settings.ts).
 */
import { announceStage, type NotifyPayload } from '../stages/announce/announce.stage.js';
import type { AuditPayload, AuditReturn } from '../stages/audit/audit.stage.js';
import { commitStage } from '../stages/commit/commit.stage.js';
import { type DeriveSlice, deriveStage } from '../stages/derive/derive.stage.js';
import { type InspectSlice, inspectStage } from '../stages/inspect/inspect.stage.js';
import { type OcrSlice, ocrStage } from '../stages/ocr/ocr.stage.js';
import { type PdfSlice, pdfStage } from '../stages/pdf/pdf.stage.js';
import { type PrepareSlice, prepareStage } from '../stages/prepare/prepare.stage.js';
import { publishStage } from '../stages/publish/publish.stage.js';
import { type ReleaseSlice, releaseStage } from '../stages/release/release.stage.js';
import type { ReplicatePayload, ReplicateReturn } from '../stages/replicate/replicate.stage.js';
import type { HandlerFactory, IngestCore, JobRef, StageSpec } from '../stages/stage.js';
import { type StoreSlice, storeStage } from '../stages/store/store.stage.js';
import { type TextSlice, textStage } from '../stages/text/text.stage.js';

/** The ingest's running state, kept in the ingest job's data between steps: every stage's slice. */
export type IngestState = IngestCore &
  InspectSlice &
  PrepareSlice &
  StoreSlice &
  ReleaseSlice &
  DeriveSlice &
  OcrSlice &
  TextSlice &
  PdfSlice & {
    /** the step the ingest is at (an index into STEPS) */
    step: number;
    /** the current step's jobs were added (a restart must not add them again under new ids) */
    spawned: boolean;
    /** which STEPS `step` counts in (PLAN_VERSION); none: the plan before issue 14 */
    plan?: number;
  };

/** A stage in the registry: its contract over the whole state, and where its handler is. */
export interface StageEntry<N extends string, P extends JobRef, R> {
  spec: StageSpec<N, P, R, IngestState>;
  handler: () => Promise<HandlerFactory<P, R>>;
}

const entry = <N extends string, P extends JobRef, R>(
  spec: StageSpec<N, P, R, IngestState>,
  handler: () => Promise<HandlerFactory<P, R>>,
) => ({
  spec,
  handler,
});

const REGISTRY = {
  inspect: entry(inspectStage, async () => (await import('../stages/inspect/inspect.processor.js')).inspectHandler),
  prepare: entry(prepareStage, async () => (await import('../stages/prepare/prepare.processor.js')).prepareHandler),
  store: entry(storeStage, async () => (await import('../stages/store/store.processor.js')).storeHandler),
  commit: entry(commitStage, async () => (await import('../stages/commit/commit.processor.js')).commitHandler),
  release: entry(releaseStage, async () => (await import('../stages/release/release.processor.js')).releaseHandler),
  derive: entry(deriveStage, async () => (await import('../stages/derive/derive.processor.js')).deriveHandler),
  ocr: entry(ocrStage, async () => (await import('../stages/ocr/ocr.processor.js')).ocrHandler),
  text: entry(textStage, async () => (await import('../stages/text/text.processor.js')).textHandler),
  pdf: entry(pdfStage, async () => (await import('../stages/pdf/pdf.processor.js')).pdfHandler),
  publish: entry(publishStage, async () => (await import('../stages/publish/publish.processor.js')).publishHandler),
  announce: entry(announceStage, async () => (await import('../stages/announce/announce.processor.js')).announceHandler),
};

export type StageName = keyof typeof REGISTRY;
type TypesOf<E> = E extends StageEntry<string, infer P, infer R> ? { payload: P; result: R } : never;
/** The payload of a stage's jobs. */
export type Payload<N extends StageName> = TypesOf<(typeof REGISTRY)[N]>['payload'];
/** What a stage's jobs return. */
export type Result<N extends StageName> = TypesOf<(typeof REGISTRY)[N]>['result'];

/** Every stage by name, each typed with its own payload and result. */
export const STAGES: { [N in StageName]: StageEntry<N, Payload<N>, Result<N>> } = REGISTRY;

/**
 * The steps of an ingest, in order. The stages of one step run at the same time. OCR comes
 * before derive: it finds pages scanned sideways or upside down, and their derivatives are made
 * upright (the master stays as scanned). On a busy machine the two stages of different items
 * still overlap (each stage has its own queue); measured in docs/benchmarks.md.
 */
export const STEPS: readonly (readonly StageName[])[] = [
  ['inspect'],
  ['prepare'],
  ['store'],
  ['commit'],
  ['release'],
  ['ocr'],
  ['derive'],
  ['text'],
  ['pdf'],
  ['publish'],
  ['announce'],
];

/** Changes when steps move: 2 since issue 14 put OCR before derive (orchestrator.ts fromEarlierRelease). */
export const PLAN_VERSION = 2;

/** Every stage, in plan order. */
export const PLAN: readonly StageName[] = STEPS.flat();

/** The step a stage is in. */
export const stepOf = (stage: StageName): number => STEPS.findIndex((g) => g.includes(stage));

/** Whether a step runs for this state: once an item is rejected or failed, only the clean-up steps do. */
export const stepRuns = (step: readonly StageName[], s: IngestState): boolean =>
  !s.outcome || s.outcome.status === 'preserved' || step.some((st) => STAGES[st].spec.always);

/** A stage's jobs for the state (the registry types their payloads). */
export const fanOut = <N extends StageName>(stage: N, s: IngestState) => STAGES[stage].spec.fanOut(s);

/**
 * Folds a stage's results into the state. BullMQ hands back, as JSON, what the stage's handler
 * returned; the registry types that handler's result, so the values are taken as that type here.
 */
export const fold = <N extends StageName>(
  stage: N,
  s: IngestState,
  results: Record<string, unknown>,
  failures: Record<string, string>,
): IngestState => STAGES[stage].spec.fold(s, results as Record<string, Result<N>>, failures);

/** The orchestrating queue: one job per ingest. */
export const INGEST_QUEUE = 'ingest';
/** Webhook deliveries: not a step of an ingest, but a queue with a worker of its own. */
export const NOTIFY_QUEUE = 'notify';
export const NOTIFY = {
  handler: async (): Promise<HandlerFactory<NotifyPayload, { status: number }>> =>
    (await import('../stages/announce/notify.processor.js')).notifyHandler,
};
/**
 * Keeping the objects over time (issue 11): copies to the replicas, and fixity audits with their
 * repairs and the scheduler's sweeps. Queues with workers of their own, outside any ingest.
 */
export const REPLICATE_QUEUE = 'replicate';
export const AUDIT_QUEUE = 'audit';
export const KEEPING = {
  replicate: async (): Promise<HandlerFactory<ReplicatePayload, ReplicateReturn>> =>
    (await import('../stages/replicate/replicate.processor.js')).replicateHandler,
  audit: async (): Promise<HandlerFactory<AuditPayload, AuditReturn>> => (await import('../stages/audit/audit.processor.js')).auditHandler,
};
export const QUEUE_NAMES = [INGEST_QUEUE, ...PLAN, NOTIFY_QUEUE, REPLICATE_QUEUE, AUDIT_QUEUE] as const;

export const childJobId = (stage: StageName, ingestId: string, key: string): string => `${stage}-${ingestId}-${key}`;
export const ingestJobId = (ingestId: string): string => `ingest-${ingestId}`;
