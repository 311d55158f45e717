import type { LabelSelector, ObjectMeta } from './meta.js';
import type { RolloutSpec } from './rollout.js';

/**
 * `kind: EdgePlacement` — which workloads (what) go to which locations (where), and how they are customized.
 * Lives in `placements/*.yaml` of the spec repo.
 */
export interface EdgePlacement {
  apiVersion: 'edgeplane.io/v1alpha1';
  kind: 'EdgePlacement';
  metadata: ObjectMeta;
  spec: EdgePlacementSpec;
}

export interface EdgePlacementSpec {
  /**
   * A location is selected when ANY selector matches it (OR). `[{}]` selects every location; an empty or
   * absent list selects none.
   */
  locationSelectors?: LabelSelector[];
  /** The workloads every selected location runs. At least one. */
  workloads: WorkloadRef[];
  /** Names of `Customizer` objects applied, in order, to every object of this placement. */
  customizers?: string[];
  /**
   * What happens to this placement's objects at a location that stops matching:
   * `Delete` (default) removes them from the location's output, so the consumer prunes them;
   * `Orphan` removes them from the output too, but marks them so consumers leave them running
   * (see docs/publishing.md).
   */
  deletionPolicy?: DeletionPolicy;
  /** Create at the edge, never overwrite later edits made there. Default false. */
  createOnly?: boolean;
  /**
   * Names of `StatusCollector` objects run over this placement's objects at every location; their results are
   * part of the placement's summary on the `edgeplane-status` branch.
   */
  statusCollectors?: string[];
  /**
   * The placement is meant to run at exactly one location: its summary then carries that location's full
   * reported state of every object. With any other number of locations, the summary says how many. Default false.
   */
  wantSingletonReportedState?: boolean;
  /**
   * How a new revision of this placement reaches its locations: wave by wave, in batches, gated by health,
   * soak time, a maintenance window and review (see docs/rollout.md). Absent: every location at once.
   */
  rollout?: RolloutSpec;
}

export type DeletionPolicy = 'Delete' | 'Orphan';

/** A workload folder and an optional filter of the objects taken from it. */
export interface WorkloadRef {
  /** Folder of the spec repo, relative to its root, e.g. `workloads/telemetry`. Read recursively. */
  path: string;
  /** Optional: only objects matching ANY of these filters are taken. Absent: every object. */
  objects?: ObjectFilter[];
}

/**
 * Selects objects of a workload. Every field that is set must match (AND); within a list, any entry (OR).
 * Cluster-scoped objects match `namespaces` only when it is absent.
 */
export interface ObjectFilter {
  /** API group, '' for the core group. */
  apiGroup?: string;
  /** Kinds, e.g. `[Deployment, ConfigMap]`. */
  kinds?: string[];
  /** Namespaces of namespaced objects. */
  namespaces?: string[];
  /** Object names. */
  names?: string[];
  /** The object's labels must match ANY of these selectors. */
  labelSelectors?: LabelSelector[];
}
