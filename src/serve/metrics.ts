/**
 * The service's Prometheus metrics (prom-client), on a registry of their own so that several services in one
 * process (tests, benchmarks) do not collide. Gauges that mirror state read it when scraped (`collect`), so the
 * values are never stale.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueState } from './triggerQueue.js';

/** What the gauges read when scraped. */
export interface MetricsState {
  queue(): QueueState;
  /** Shards owned now, and whether this replica is the elected one; undefined without sharding. */
  shards(): { owned: number; leader: boolean } | undefined;
  /** Ages in seconds of the newest report of every location that has one. */
  reportAges(): readonly number[];
}

/** The metrics a service updates. */
export interface ServiceMetrics {
  registry: Registry;
  reconcileDuration: Histogram<'outcome'>;
  reconciles: Counter<'outcome'>;
  locationsRendered: Counter;
  locationsChanged: Counter<'change'>;
  heldPlacements: Gauge;
  pushFailures: Counter;
  pushRetries: Counter;
  statusFailures: Counter;
  webhooks: Counter<'forge' | 'result'>;
  triggers: Counter<'source'>;
}

/** Creates the metrics on a fresh registry, with Node's default process metrics. */
export function createMetrics(state: MetricsState): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'edgeplane_' });
  const registers = [registry];
  const metrics: ServiceMetrics = {
    registry,
    reconcileDuration: new Histogram({
      name: 'edgeplane_reconcile_duration_seconds',
      help: 'Duration of reconciles, from loading the spec to the end of the push.',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    reconciles: new Counter({ name: 'edgeplane_reconciles_total', help: 'Reconciles by outcome (success, failure, skipped).', labelNames: ['outcome'], registers }),
    locationsRendered: new Counter({ name: 'edgeplane_locations_rendered_total', help: 'Locations rendered, changed or not.', registers }),
    locationsChanged: new Counter({
      name: 'edgeplane_locations_changed_total',
      help: 'Locations whose output got a new commit, by change (created, updated, retired).',
      labelNames: ['change'],
      registers,
    }),
    heldPlacements: new Gauge({ name: 'edgeplane_held_placements', help: 'Placements that failed to render in the last reconcile and kept their last good output.', registers }),
    pushFailures: new Counter({ name: 'edgeplane_push_failures_total', help: 'Reconciles whose push to the output repo failed.', registers }),
    statusFailures: new Counter({ name: 'edgeplane_status_write_failures_total', help: 'Failed attempts to compute and commit the status summary.', registers }),
    pushRetries: new Counter({ name: 'edgeplane_push_retries_total', help: 'Refs re-committed on top of a remote that moved during a push.', registers }),
    webhooks: new Counter({
      name: 'edgeplane_webhooks_total',
      help: 'Webhook requests by forge and result (triggered, ignored, unauthorized, bad-request).',
      labelNames: ['forge', 'result'],
      registers,
    }),
    triggers: new Counter({ name: 'edgeplane_triggers_total', help: 'Reconcile requests by source, before coalescing.', labelNames: ['source'], registers }),
  };
  new Gauge({
    name: 'edgeplane_queue_depth',
    help: 'Reconcile requests waiting for the next run (they are served together).',
    registers,
    collect() {
      this.set(state.queue().waiting);
    },
  });
  new Gauge({
    name: 'edgeplane_reconcile_running',
    help: '1 while a reconcile runs.',
    registers,
    collect() {
      this.set(state.queue().running ? 1 : 0);
    },
  });
  new Gauge({
    name: 'edgeplane_reconcile_consecutive_failures',
    help: 'Failed reconciles since the last success; above 0, the service is backing off.',
    registers,
    collect() {
      this.set(state.queue().consecutiveFailures);
    },
  });
  new Gauge({
    name: 'edgeplane_last_successful_reconcile_timestamp_seconds',
    help: 'When the last reconcile succeeded (Unix time); 0 before the first.',
    registers,
    collect() {
      this.set((state.queue().lastSuccessAt ?? 0) / 1000);
    },
  });
  new Gauge({
    name: 'edgeplane_report_age_seconds',
    help: 'Age of the locations\' newest reports: quantile 0 is the freshest location, 1 the stalest.',
    labelNames: ['quantile'],
    registers,
    collect() {
      this.reset();
      const ages = [...state.reportAges()].sort((a, b) => a - b);
      if (ages.length === 0) return;
      for (const q of [0, 0.5, 0.9, 0.99, 1]) this.set({ quantile: String(q) }, ages[Math.min(ages.length - 1, Math.floor(q * ages.length))]!);
    },
  });
  new Gauge({
    name: 'edgeplane_location_reports',
    help: 'Locations that have a report.',
    registers,
    collect() {
      this.set(state.reportAges().length);
    },
  });
  new Gauge({
    name: 'edgeplane_owned_shards',
    help: 'Shards this replica owns (all of them without sharding: reported as 1 shard).',
    registers,
    collect() {
      this.set(state.shards()?.owned ?? 1);
    },
  });
  new Gauge({
    name: 'edgeplane_leader',
    help: '1 on the replica elected to write the status summary.',
    registers,
    collect() {
      this.set((state.shards()?.leader ?? true) ? 1 : 0);
    },
  });
  return metrics;
}
