/**
 * `/metrics`: the Prometheus text format, through prom-client. Everything is read at scrape time
 * from Redis, where every process of every machine records: queue depths from BullMQ, counters
 * and histograms from the MetricsStore, in-flight and stuck items from the status store.
 * prom-client's own Histogram cannot be given bucket counts made elsewhere, so the histograms
 * are registered as objects that give prom-client their values in its own shape.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { CONFIDENCE_BUCKETS, DURATION_BUCKETS, type MetricsStore } from '../adapters/redis/metrics-store.js';
import type { StatusStore } from '../adapters/redis/status-store.js';
import { QUEUE_NAMES } from '../pipeline/plan.js';
import { JOB_STATES, type Queues } from '../pipeline/queues.js';
import type { PreservationSummary } from '../ops/keeping.js';

export interface PrometheusDeps {
  queues: Queues;
  status: StatusStore;
  metrics: MetricsStore;
  stuckAfterMs: number;
  /** copies and audits (ops/keeping.ts), read once per scrape */
  preservation?: () => Promise<PreservationSummary>;
}

function histogram(registry: Registry, name: string, help: string, read: () => ReturnType<MetricsStore['histogram']>): void {
  registry.registerMetric({
    name,
    help,
    type: 'histogram',
    async get() {
      const h = await read();
      const values = h.series.flatMap((s) => [
        ...h.buckets.map((le, i) => ({ metricName: `${name}_bucket`, labels: { ...s.labels, le }, value: s.counts[i]! })),
        { metricName: `${name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: s.count },
        { metricName: `${name}_sum`, labels: s.labels, value: s.sum },
        { metricName: `${name}_count`, labels: s.labels, value: s.count },
      ]);
      return { name, help, type: 'histogram', values, aggregator: 'sum' };
    },
  } as never);
}

export function createRegistry(deps: PrometheusDeps): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'yaddas_console_' });

  new Gauge({
    name: 'yaddas_queue_jobs',
    help: 'Jobs in each queue, by state (BullMQ).',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        QUEUE_NAMES.map(async (q) => {
          const { counts } = await deps.queues.state(q, JOB_STATES);
          for (const state of JOB_STATES) this.set({ queue: q, state }, counts[state] ?? 0);
        }),
      );
    },
  });

  const counter = (name: string, help: string, source: string, labelNames: string[] = []) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        for (const c of await deps.metrics.counters(source)) this.inc(c.labels, c.value);
      },
    });
  // `institution` is set only where an installation serves several (config/institutions.json).
  counter('yaddas_items_total', 'Ingests ended, by status (preserved, rejected, failed), failure code and institution.', 'items_total', [
    'status',
    'code',
    'institution',
  ]);
  counter('yaddas_pages_preserved_total', 'Pages (masters) stored and verified in new versions, by institution.', 'pages_preserved_total', [
    'institution',
  ]);
  counter(
    'yaddas_bytes_preserved_total',
    'Bytes of masters stored and verified in new versions, by institution.',
    'bytes_preserved_total',
    ['institution'],
  );
  counter(
    'yaddas_failures_total',
    'Jobs that failed for good (permanent, or out of attempts), by stage, code and institution.',
    'failures_total',
    ['stage', 'code', 'institution'],
  );

  new Gauge({
    name: 'yaddas_items_in_flight',
    help: 'Ingests taken and not yet ended.',
    registers: [registry],
    async collect() {
      this.set((await deps.status.inflight()).length);
    },
  });
  new Gauge({
    name: 'yaddas_items_stuck',
    help: 'Ingests in flight that have not moved for YADDAS_STUCK_MINUTES.',
    registers: [registry],
    async collect() {
      this.set((await deps.status.stuck(deps.stuckAfterMs)).length);
    },
  });

  if (deps.preservation) {
    // One summary per scrape, however many gauges read it.
    let cached: { at: number; value: Promise<PreservationSummary> } | null = null;
    const summary = () => {
      if (!cached || Date.now() - cached.at > 1000) cached = { at: Date.now(), value: deps.preservation!() };
      return cached.value;
    };
    const perCopy = (name: string, help: string, pick: (c: PreservationSummary['copies'][number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['copy'],
        registers: [registry],
        async collect() {
          this.reset();
          for (const c of (await summary()).copies) this.set({ copy: c.name }, pick(c));
        },
      });
    perCopy('yaddas_copy_reachable', 'Whether each copy (primary, replicas) answers: 1 or 0.', (c) => (c.reachable === 'ok' ? 1 : 0));
    perCopy('yaddas_copy_objects', 'Objects each copy should hold (those the audit scheduler keeps for it).', (c) => c.objects);
    perCopy(
      'yaddas_copy_audited_within_policy_ratio',
      'Share of each copy’s objects audited within YADDAS_AUDIT_DAYS (0–1).',
      (c) => c.share,
    );
    perCopy('yaddas_copy_objects_overdue', 'Objects of each copy whose last audit is older than YADDAS_AUDIT_DAYS.', (c) => c.overdue);
    perCopy('yaddas_copy_objects_not_yet_audited', 'Objects of each copy with new content not audited yet.', (c) => c.notYetAudited);
    new Gauge({
      name: 'yaddas_items_damaged',
      help: 'Items with a file that no copy holds good (found by an audit): a person must act.',
      registers: [registry],
      async collect() {
        this.set((await summary()).damaged);
      },
    });
    new Gauge({
      name: 'yaddas_items_copies_incomplete',
      help: 'Items whose copies are not all complete yet (a replica behind or down).',
      registers: [registry],
      async collect() {
        this.set((await summary()).incomplete);
      },
    });
  }
  counter(
    'yaddas_audits_total',
    'Audits of an object in a copy, by copy and status (ok, damaged, repaired, missing, unreachable).',
    'audits_total',
    ['copy', 'status'],
  );
  counter('yaddas_audit_bytes_total', 'Bytes of content read and checked by audits, by copy.', 'audit_bytes_total', ['copy']);
  counter('yaddas_repairs_total', 'Files acted on by repairs, by copy and outcome.', 'repairs_total', ['copy', 'outcome']);

  histogram(registry, 'yaddas_stage_duration_seconds', 'How long stage jobs took, by stage and outcome (success, retry, failure).', () =>
    deps.metrics.histogram('stage_duration_seconds', DURATION_BUCKETS),
  );
  histogram(registry, 'yaddas_ocr_page_confidence', 'Mean word confidence (0–100) of each page read, by languages.', () =>
    deps.metrics.histogram('ocr_page_confidence', CONFIDENCE_BUCKETS),
  );
  return registry;
}
