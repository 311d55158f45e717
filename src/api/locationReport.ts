/**
 * `kind: LocationReport` — what one location observed: which output revision it applied, how its consumer
 * (Argo CD, Flux, kubectl) is doing, and each object's health and bounded status. Written as canonical YAML to
 * `report.yaml` on the branch `edgeplane-reports/<location>` of the output repo (one branch per location, so
 * edges never contend), by `edgeplane agent` at the edge, or built at the center from a hub Argo CD or from Flux.
 * See docs/status.md.
 */
export interface LocationReport {
  apiVersion: 'edgeplane.io/v1alpha1';
  kind: 'LocationReport';
  /** `name` is the location's name. */
  metadata: { name: string };
  status: LocationReportStatus;
}

export interface LocationReportStatus {
  /** When the observation was made (RFC 3339, UTC). A report older than `spec.status.staleAfter` is stale. */
  observedAt: string;
  /** Who built the report. */
  reporter: Reporter;
  /** The output revision the location runs. Absent: nothing edgeplane published is known to be applied. */
  applied?: AppliedRevision;
  /** The consumer that applies the output at the location. */
  consumer?: ConsumerStatus;
  /** The objects of the location's output, as observed, in object-key order. At most `MAX_REPORT_OBJECTS`. */
  objects?: ObjectReport[];
  /** How many objects were left out to keep the report bounded. */
  omittedObjects?: number;
}

/** Where a report comes from. */
export interface Reporter {
  /** `agent`: `edgeplane agent` at the location; `argocd`: a hub Argo CD Application; `flux`: a Flux Kustomization. */
  kind: ReporterKind;
  /** The agent's version, or `namespace/name` of the Application or Kustomization read. */
  name?: string;
}

export type ReporterKind = 'agent' | 'argocd' | 'flux';

/** A revision of a location's output. Any of the fields identifies it; the digest is the strongest. */
export interface AppliedRevision {
  /** Branch mode: the location-branch commit. Folder mode: the folder-branch commit. */
  commit?: string;
  /** The content digest of that revision (`.edgeplane/placement.yaml`), `sha1:<hex>`. */
  digest?: string;
  /** The spec commit that revision was rendered from. */
  sourceCommit?: string;
}

/** Kubernetes-style health, the same scale Argo CD uses. */
export type HealthStatus = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';

/** Every health status, best first (Argo CD's order, Unknown last). */
export const HEALTH_STATUSES: readonly HealthStatus[] = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'];

/** Whether what runs is what was asked for. */
export type SyncStatus = 'Synced' | 'OutOfSync' | 'Unknown';

/** The consumer's own view of the location. */
export interface ConsumerStatus {
  kind: 'argocd' | 'flux' | 'kubectl';
  sync: SyncStatus;
  health: HealthStatus;
  /** Why the consumer is not synced or healthy, when it says. */
  message?: string;
  /** The revision the consumer says it applied, as it says it (e.g. `edgeplane/kiruna@sha1:…`). */
  revision?: string;
  /** The consumer's last or running operation (an Argo CD sync, a Flux reconciliation). */
  operation?: OperationStatus;
}

export interface OperationStatus {
  /** `Running`, `Succeeded`, `Failed`, `Error`, `Terminating` (Argo CD); `Succeeded`, `Failed`, `Running` (Flux). */
  phase: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}

/** One object at the location. */
export interface ObjectReport {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  health: HealthStatus;
  /** Why it is not healthy, when known. */
  message?: string;
  /** Whether the live object matches the published one, when the reporter knows. */
  sync?: SyncStatus;
  labels?: Record<string, string>;
  /** The live object's `spec`, when it fits the bound. */
  spec?: unknown;
  /** The live object's `status`, when it fits the bound (else a shortened form; see `truncated`). */
  status?: unknown;
  /** true when `spec` or `status` was shortened to keep the report bounded. */
  truncated?: boolean;
}

/** The branch prefix of reports. */
export const DEFAULT_REPORT_BRANCH_PREFIX = 'edgeplane-reports/';
/** The file of a report on its branch. */
export const REPORT_FILE = 'report.yaml';
/** Most objects a report lists. */
export const MAX_REPORT_OBJECTS = 2000;
/** Most bytes of one object's `spec` and `status` (as JSON) kept as they are. */
export const MAX_OBJECT_STATUS_BYTES = 16 * 1024;
