/**
 * The data a ground-station scenario run produces: written as `scenario.json` and drawn by the HTML report.
 * Times are milliseconds since the scenario started (`at`) or durations in milliseconds; `null` means "never"
 * (a station that did not get there) or "no data".
 */

/** One whole run: the fleet, how its links were modelled, and every scenario in the order they ran. */
export interface ScenarioRun {
  /** `edgeplane-scenario/1`: bump when the shape changes. */
  format: 'edgeplane-scenario/1';
  generatedAt: string;
  fleet: FleetDescription;
  scenarios: ScenarioResult[];
}

/** The simulated fleet. */
export interface FleetDescription {
  stations: number;
  regions: string[];
  /** Link model per link class (`fiber`, `microwave`, `satellite`, …). */
  links: Record<string, LinkModel>;
}

/** How a station's link to the center behaves. */
export interface LinkModel {
  /** Added before every request reaches the git server. */
  latencyMs: number;
  /** Response bytes per second the link carries (the git server throttles to it). */
  bytesPerSecond: number;
  /** How often the station's edge pulls its branch. */
  pollIntervalMs: number;
  /** Periodic outages: the link is down `durationMs` out of every `everyMs`, starting `offsetMs` into each period. */
  offline?: { everyMs: number; durationMs: number; offsetMs: number };
}

/** The scenarios the runner knows. */
export type ScenarioName = 'initial' | 'waves' | 'region-dark' | 'bad-change';

/** What one scenario did and measured. */
export interface ScenarioResult {
  name: ScenarioName;
  title: string;
  /** What the scenario does, in a sentence or two, for the report. */
  description: string;
  startedAt: string;
  durationMs: number;
  /** The spec commit every station should end up running (for bad-change: the commit rolled back to). */
  finalSourceCommit: string;
  /** Spec pushes the scenario made. */
  pushes: { at: number; commit: string; message: string }[];
  /** Push of the change → station running it (applied and healthy), over stations that got there. */
  latency: Percentiles & { reached: number; offline: number; total: number };
  /** Bytes each station fetched from the git server during the scenario (all its fetches together). */
  bytes: Percentiles & { total: number; /** Size of one station branch's whole history packed, for comparison. */ branchBytes: number };
  /** Age of each station's latest report as the center saw it at the end of the scenario. */
  staleness: Percentiles;
  stations: StationResult[];
  timeline: TimelineEvent[];
  /** The consistency checks the scenario asserts (the CI test requires every one `ok`). */
  checks: { name: string; ok: boolean; detail: string }[];
}

/** p50 / p90 / max of a set of milliseconds or bytes; null when the set is empty. */
export interface Percentiles {
  p50: number | null;
  p90: number | null;
  max: number | null;
}

/** One station at the end of a scenario. */
export interface StationResult {
  name: string;
  region: string;
  linkClass: string;
  /** Wave of the rolled-out placement the station was in, when the scenario had a rollout. */
  wave?: string;
  /** Spec commit the station's cluster runs at the end (null: nothing applied). */
  runningSourceCommit: string | null;
  /** ms after the scenario's change was pushed when the station ran it; null when it never did. */
  reachedAfterMs: number | null;
  bytesFetched: number;
  fetches: number;
  /** Whether the center reports the station offline (stale) at the end. */
  offline: boolean;
  /** Age of its latest report at the end, ms; null when it never reported. */
  reportAgeMs: number | null;
  /** Every revision the station ran during the scenario, in order, with when it started running it. */
  history: { at: number; sourceCommit: string }[];
}

/** Something that happened, for the timeline chart. */
export interface TimelineEvent {
  at: number;
  kind:
    | 'push'
    | 'reconcile'
    | 'pull-request-opened'
    | 'pull-request-merged'
    | 'wave-released'
    | 'wave-healthy'
    | 'region-dark'
    | 'region-restored'
    | 'degraded'
    | 'rolled-back'
    | 'completed'
    | 'station-running';
  detail: string;
  region?: string;
  wave?: string;
  station?: string;
}
