/** The surface of a simulated edge (./simulatedEdge.ts): how it is started, what it tells, what it knows. */
import type { HealthStatus } from '../../api/locationReport.js';
import type { RemoteAuth } from '../../git/remote.js';
import type { ImageCatalog } from './workloadStatus.js';

/** How a simulated edge runs. */
export interface SimulatedEdgeOptions {
  /** The station's location name: its branch is `<branchPrefix><station>`. */
  station: string;
  /** The output repository on the git server (no credentials in it). */
  repoUrl: string;
  /** The station's own account on the git server: its traffic is counted under it. */
  auth: RemoteAuth;
  /** Default `edgeplane/`, as the spec's edgeplane.yaml. */
  branchPrefix?: string;
  /** Default `edgeplane-reports/`. */
  reportBranchPrefix?: string;
  /** A folder the edge owns: the agent's git state, the applied inventory, the kubeconfig, build scratch. */
  stateDir: string;
  /** Absolute path of the real kubectl that builds the branch (`kubectl kustomize`); never looked up on PATH. */
  kubectl: string;
  /** Time between polls of the branch (each wait ± `jitter`). */
  pollIntervalMs: number;
  /**
   * After a failed fetch, the next poll comes this soon, doubling with each failure in a row up to
   * `pollIntervalMs` (each wait ± `jitter`): how Flux's source-controller (and Argo CD's repo server) retry,
   * rather than waiting a whole interval. Without it a link outage as long as a poll's jitter can swallow poll
   * after poll when its period is close to the poll interval. Default 1 s.
   */
  retryMs?: number;
  /** Time between reports when nothing happens (each wait ± `jitter`). */
  reportIntervalMs: number;
  /** The simulated registry: workloads whose images are not in it never become ready. */
  images: ImageCatalog;
  /** From a new workload revision to its pods being ready. */
  startupMs: number;
  /** From a new Deployment revision that is not ready to its ProgressDeadlineExceeded (Degraded). */
  progressDeadlineMs: number;
  /** Milliseconds now; default `Date.now`. Times in state and events, report times and cluster clocks follow it. */
  clock?: () => number;
  /** Told of everything the edge does, as it happens. Must not throw. */
  onEvent?: (event: EdgeEvent) => void;
  /** Spread of every wait around its interval, a fraction; default 0.2 (±20 %), so edges never poll in lockstep. */
  jitter?: number;
  /** Uniform numbers in [0, 1) for the jitter; default `Math.random`. */
  random?: () => number;
  /** Poll and report on the schedule (default true). False: only when `round()` and `report()` are called. */
  scheduled?: boolean;
}

/** Something a simulated edge did. `at` is the edge's clock. */
export type EdgeEvent = { at: number; station: string } & (
  | { kind: 'fetched'; commit: string | null; changed: boolean }
  | { kind: 'fetch-failed'; error: string }
  | { kind: 'applied'; commit: string; sourceCommit: string | null; objects: number; pruned: number }
  | { kind: 'apply-failed'; commit: string; code: string; error: string }
  | { kind: 'reported'; delivery: 'pushed' | 'local' | 'offline'; health: HealthStatus; appliedCommit: string | null; appliedSourceCommit: string | null }
  | { kind: 'report-failed'; error: string }
  | { kind: 'poll-failed'; error: string }
  | { kind: 'running'; commit: string; sourceCommit: string }
);

/** A revision the station started running: applied, and reported Healthy by the agent. */
export interface RunningRevision {
  /** When the agent observed it Healthy (the edge's clock). */
  at: number;
  /** The spec commit it was rendered from: a new entry starts whenever this changes. */
  sourceCommit: string;
  /** The branch commit applied. */
  commit: string;
}

/** What a simulated edge knows of itself. */
export interface EdgeState {
  station: string;
  /** The branch head last fetched (null: never fetched). */
  branchHead: string | null;
  /** The branch commit the cluster runs (last applied in full) and the spec commit it was rendered from. */
  appliedCommit: string | null;
  sourceCommit: string | null;
  /** Every revision the station started running, in order. */
  history: RunningRevision[];
  fetches: number;
  fetchFailures: number;
  lastFetchAt: number | null;
  lastFetchError: string | null;
  applies: number;
  applyFailures: number;
  lastApplyError: string | null;
  /** Agent rounds run, and when a report last reached the git server. */
  reports: number;
  lastReportAt: number | null;
  /** The consumer health of the latest report (null: none yet). */
  health: HealthStatus | null;
  /** The latest report is only local: the git server has not got it yet. */
  reportPending: boolean;
}

/** What one poll did. */
export interface EdgeRound {
  fetched: boolean;
  /** The branch head moved (or was never applied) and an apply was attempted. */
  applied: boolean;
  error?: string;
}
