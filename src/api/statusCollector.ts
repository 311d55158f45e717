import type { ObjectMeta } from './meta.js';
import type { ObjectFilter } from './placement.js';

/**
 * `kind: StatusCollector` — programmed summarization of the status of a placement's objects across its
 * locations, in CEL. Modeled on KubeStellar's StatusCollector (an SQL `SELECT … WHERE … GROUP BY … LIMIT`).
 * Lives in `collectors/*.yaml` of the spec repo; placements name it in `spec.statusCollectors`.
 *
 * Every expression sees the variables `obj` (the object as reported: apiVersion, kind, metadata, spec, status),
 * `health` (its health: status, message), `location` (name, labels, annotations, params) and `report` (the
 * location's report: observedAt, state, consumer, applied). See docs/status.md.
 */
export interface StatusCollector {
  apiVersion: 'edgeplane.io/v1alpha1';
  kind: 'StatusCollector';
  metadata: ObjectMeta;
  spec: StatusCollectorSpec;
}

export interface StatusCollectorSpec {
  /** Which of the placement's objects the collector sees. Absent: every object. */
  objects?: ObjectFilter;
  /** CEL, must give a bool (or null, read as false): objects for which it is false are left out (SQL WHERE). */
  filter?: string;
  /** Groups for the aggregation (SQL GROUP BY). Each expression must give an atomic value. Needs `combinedFields`. */
  groupBy?: NamedExpression[];
  /** Aggregations computed per group. Not together with `select`. */
  combinedFields?: NamedAggregator[];
  /** One row per object with these values. Not together with `combinedFields` or `groupBy`. */
  select?: NamedExpression[];
  /** Most rows kept in the summary (the total is always reported). Default 20. */
  limit?: number;
}

/** A column name and the CEL expression that computes it. */
export interface NamedExpression {
  /** Column name: letters, digits, `_` and `-`, starting with a letter. */
  name: string;
  /** CEL expression. */
  expr: string;
}

/** The aggregations of `combinedFields`. */
export type AggregatorType = 'COUNT' | 'SUM' | 'AVG' | 'MIN' | 'MAX';

/** Every aggregation, in documentation order. */
export const AGGREGATOR_TYPES: readonly AggregatorType[] = ['COUNT', 'SUM', 'AVG', 'MIN', 'MAX'];

/**
 * A column computed over the objects of a group. `COUNT` counts the objects (or, with `expr`, those for which it
 * is not null); the others need `expr`, which must give a number (a numeric string is parsed).
 */
export interface NamedAggregator {
  name: string;
  type: AggregatorType;
  expr?: string;
}

/** `spec.limit` when absent. */
export const DEFAULT_COLLECTOR_LIMIT = 20;
