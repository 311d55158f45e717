/**
 * An Argo CD `Application` (argoproj.io/v1alpha1) as a LocationReport: its sync and health are the consumer's,
 * `status.resources` are the objects, `status.sync.revision` is the applied commit, `operationState` the last
 * operation. Objects read from a cluster or a fixture can lack any part of `status` (or `metadata`): every field
 * is optional here, and a missing one reads as Unknown, never as an error.
 */
import type { HealthStatus, LocationReport, ObjectReport, SyncStatus } from '../../api/locationReport.js';
import { HEALTH_STATUSES } from '../../api/locationReport.js';
import { boundedReport } from './bounded.js';

/** How Applications map to locations. */
export interface ArgoMapping {
  /** Branch mode prefix: an Application whose `targetRevision` is `<prefix><location>` is that location's. */
  branchPrefix: string;
}

/** The location an Application deploys, or undefined when it is not an edgeplane Application. */
export function locationOfApplication(app: unknown, mapping: ArgoMapping): string | undefined {
  const a = app as ArgoApplication;
  const label = a?.metadata?.labels?.['edgeplane.io/location'];
  if (typeof label === 'string' && label !== '') return label;
  for (const source of sourcesOf(a)) {
    const revision = source.targetRevision;
    if (typeof revision === 'string' && revision.startsWith(mapping.branchPrefix) && revision.length > mapping.branchPrefix.length) {
      return revision.slice(mapping.branchPrefix.length);
    }
    const folder = typeof source.path === 'string' ? /^(?:\.\/)?locations\/([^/]+)\/?$/.exec(source.path) : null;
    if (folder) return folder[1];
  }
  const name = a?.metadata?.name;
  return typeof name === 'string' && name.startsWith('edgeplane-') && name.length > 'edgeplane-'.length ? name.slice('edgeplane-'.length) : undefined;
}

/**
 * The report an Application gives for `location`. `observedAt` is when Argo CD last compared the application
 * (`status.reconciledAt`, or the older `observedAt`): an Argo CD that stopped reconciling makes its locations
 * stale. Without either, `now`.
 */
export function applicationReport(app: unknown, location: string, now: Date): LocationReport {
  const a = (app ?? {}) as ArgoApplication;
  const status = a.status ?? {};
  const operation = status.operationState;
  const revision = firstString(status.sync?.revision, status.sync?.revisions?.[0], operation?.syncResult?.revision, operation?.syncResult?.revisions?.[0]);
  const health = healthOf(status.health?.status);
  const sync = syncOf(status.sync?.status);
  const message = firstString(
    status.health?.message,
    operation && ['Failed', 'Error'].includes(String(operation.phase)) ? operation.message : undefined,
    errorConditions(status.conditions),
  );
  const name = [a.metadata?.namespace, a.metadata?.name].filter((p): p is string => typeof p === 'string').join('/');
  const report: LocationReport = {
    apiVersion: 'edgeplane.io/v1alpha1',
    kind: 'LocationReport',
    metadata: { name: location },
    status: {
      observedAt: timeOf(firstString(status.reconciledAt, status.observedAt)) ?? now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      reporter: { kind: 'argocd', ...(name ? { name } : {}) },
      ...(revision && /^[0-9a-f]{40}$/.test(revision) ? { applied: { commit: revision } } : {}),
      consumer: {
        kind: 'argocd',
        sync,
        health,
        ...(message ? { message } : {}),
        ...(revision ? { revision } : {}),
        ...(operation && typeof operation.phase === 'string'
          ? {
              operation: {
                phase: operation.phase,
                ...(typeof operation.message === 'string' ? { message: operation.message } : {}),
                ...(timeOf(operation.startedAt) ? { startedAt: timeOf(operation.startedAt)! } : {}),
                ...(timeOf(operation.finishedAt) ? { finishedAt: timeOf(operation.finishedAt)! } : {}),
              },
            }
          : {}),
      },
      objects: (Array.isArray(status.resources) ? status.resources : []).flatMap((r) => resourceReport(r)),
    },
  };
  return boundedReport(report);
}

function resourceReport(resource: ArgoResource): ObjectReport[] {
  if (typeof resource?.kind !== 'string' || typeof resource.name !== 'string' || resource.kind === '' || resource.name === '') return [];
  const group = typeof resource.group === 'string' ? resource.group : '';
  const version = typeof resource.version === 'string' && resource.version !== '' ? resource.version : 'v1';
  const object: ObjectReport = {
    apiVersion: group ? `${group}/${version}` : version,
    kind: resource.kind,
    name: resource.name,
    health: healthOf(resource.health?.status),
  };
  if (typeof resource.namespace === 'string' && resource.namespace !== '') object.namespace = resource.namespace;
  if (typeof resource.health?.message === 'string') object.message = resource.health.message;
  if (resource.status !== undefined) object.sync = syncOf(resource.status);
  return [object];
}

/** Argo CD's health names are ours; anything else (absent: Argo CD has no health check for the kind) is Unknown. */
export function healthOf(value: unknown): HealthStatus {
  return HEALTH_STATUSES.includes(value as HealthStatus) ? (value as HealthStatus) : 'Unknown';
}

function syncOf(value: unknown): SyncStatus {
  return value === 'Synced' || value === 'OutOfSync' ? value : 'Unknown';
}

function errorConditions(conditions: unknown): string | undefined {
  if (!Array.isArray(conditions)) return undefined;
  const errors = conditions.filter((c) => typeof c?.type === 'string' && /Error$/.test(c.type) && typeof c.message === 'string');
  return errors.length > 0 ? errors.map((c) => `${c.type}: ${c.message}`).join('; ') : undefined;
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((v): v is string => typeof v === 'string' && v !== '');
}

/** An RFC 3339 time normalized to UTC seconds, or undefined when the value is not a time. */
export function timeOf(value: unknown): string | undefined {
  if (typeof value !== 'string' && !(value instanceof Date)) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function sourcesOf(app: ArgoApplication | undefined): ArgoSource[] {
  const spec = app?.spec;
  if (!spec) return [];
  return [...(spec.source ? [spec.source] : []), ...(Array.isArray(spec.sources) ? spec.sources : [])];
}

interface ArgoSource {
  targetRevision?: unknown;
  path?: unknown;
}

interface ArgoResource {
  group?: unknown;
  version?: unknown;
  kind?: unknown;
  namespace?: unknown;
  name?: unknown;
  status?: unknown;
  health?: { status?: unknown; message?: unknown };
}

interface ArgoApplication {
  metadata?: { name?: unknown; namespace?: unknown; labels?: Record<string, unknown> };
  spec?: { source?: ArgoSource; sources?: ArgoSource[] };
  status?: {
    reconciledAt?: unknown;
    observedAt?: unknown;
    health?: { status?: unknown; message?: unknown };
    sync?: { status?: unknown; revision?: unknown; revisions?: unknown[] };
    conditions?: unknown;
    resources?: ArgoResource[];
    operationState?: {
      phase?: unknown;
      message?: unknown;
      startedAt?: unknown;
      finishedAt?: unknown;
      syncResult?: { revision?: unknown; revisions?: unknown[] };
    };
  };
}
