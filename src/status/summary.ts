/**
 * The shapes of a fleet status summary: what `summarize` returns, what `edgeplane status` prints and what the
 * `edgeplane-status` branch holds (`summary/<placement>.yaml` is one `PlacementSummary`). Only data that changes
 * when the fleet changes is here: no generation time, no report timestamps of fresh reports, so an unchanged
 * fleet gives byte-identical files and no commit.
 */
import type { HealthStatus, ObjectReport } from '../api/locationReport.js';
import type { Json } from '../api/kube.js';

/**
 * Where one placement stands at one location. Exactly one applies, checked in this order (docs/status.md):
 * `unknown` no usable report; `stale` the report is older than the bound; `pending` the location does not run
 * the placement's published revision yet; `degraded` an object is Degraded or Missing; `progressing` an object is
 * Progressing, Suspended or OutOfSync; `healthy` otherwise.
 */
export type LocationState = 'pending' | 'progressing' | 'healthy' | 'degraded' | 'stale' | 'unknown';

/** Every state, in the order summaries list them. */
export const LOCATION_STATES: readonly LocationState[] = ['healthy', 'progressing', 'pending', 'degraded', 'stale', 'unknown'];

/** Locations per state. */
export type StateCounts = Record<LocationState, number>;

/** One location of a placement. */
export interface LocationStatus {
  name: string;
  state: LocationState;
  /** The output commit the location reports it applied (branch commit, or folder-branch commit). */
  commit?: string;
  /** The spec commit that output was rendered from. */
  sourceCommit?: string;
  /** Why the location is not healthy, in a few words. */
  reason?: string;
  /** Stale locations only: when their last report was made. */
  lastReport?: string;
}

/** How many fresh locations run one spec revision of the placement. */
export interface RevisionCount {
  /** The spec commit, or `unknown` when the report's revision could not be resolved. */
  sourceCommit: string;
  /** true for the revision published now. */
  current: boolean;
  locations: number;
}

/** An object that is Degraded or Missing at a location: its report, and where. */
export interface BrokenObject extends Pick<ObjectReport, 'apiVersion' | 'kind' | 'namespace' | 'name' | 'health' | 'message'> {
  location: string;
}

/** What one StatusCollector computed over a placement, KubeStellar's `NamedStatusCombination`. */
export interface CollectorResult {
  name: string;
  columns: string[];
  /** At most the collector's `limit` rows, sorted by the group values (aggregations) or by location and object (select). */
  rows: Json[][];
  /** Rows before the limit. */
  totalRows: number;
  /** Objects the collector looked at (after `objects`, before `filter`). */
  objects: number;
  /** Runtime errors: objects whose expression failed are left out of the rows and counted here. */
  errors?: { count: number; first: string[] };
}

/** The full reported state of a placement that runs at exactly one location (`wantSingletonReportedState`). */
export interface SingletonState {
  /** How many locations run the placement; the state below is only given when it is 1. */
  executingCount: number;
  location?: string;
  state?: LocationState;
  objects?: { apiVersion: string; kind: string; namespace?: string; name: string; health: HealthStatus; message?: string; status?: unknown }[];
  message?: string;
}

/** The status of one placement across its locations: the content of `summary/<placement>.yaml`. */
export interface PlacementSummary {
  apiVersion: 'edgeplane.io/v1alpha1';
  kind: 'PlacementSummary';
  metadata: { name: string };
  status: {
    /** The spec commit the summary compares against. */
    specCommit: string;
    /** The staleness bound, as configured. */
    staleAfter: string;
    /** Locations the placement selects. */
    locations: number;
    counts: StateCounts;
    /** Spec revisions the fresh locations run, most locations first. */
    revisions: RevisionCount[];
    brokenObjects: { total: number; first: BrokenObject[] };
    collectors?: CollectorResult[];
    singleton?: SingletonState;
    /** Every selected location, by name. */
    locationStatuses: LocationStatus[];
  };
}

/** The whole fleet. */
export interface Summary {
  specCommit: string;
  staleAfter: string;
  /** Locations in the inventory. */
  locations: number;
  /** Each location's worst state across its placements (a location without placements is not counted). */
  fleet: StateCounts;
  placements: PlacementSummary[];
  /** Reports that could not be used, and other things a person should know, sorted. */
  notes: string[];
}

/** Severity across a location's placements, worst first: the fleet counts each location at its worst state. */
export const STATE_SEVERITY: readonly LocationState[] = ['unknown', 'stale', 'degraded', 'pending', 'progressing', 'healthy'];

/** Each location's worst state across the placements of a summary. */
export function worstStates(placements: readonly PlacementSummary[]): Map<string, LocationState> {
  const worst = new Map<string, LocationState>();
  for (const placement of placements) {
    for (const { name, state } of placement.status.locationStatuses) {
      const before = worst.get(name);
      if (!before || STATE_SEVERITY.indexOf(state) < STATE_SEVERITY.indexOf(before)) worst.set(name, state);
    }
  }
  return worst;
}

/** A zero count for every state. */
export function emptyCounts(): StateCounts {
  return { healthy: 0, progressing: 0, pending: 0, degraded: 0, stale: 0, unknown: 0 };
}
