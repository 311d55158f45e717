/**
 * A Flux `Kustomization` (kustomize.toolkit.fluxcd.io) as a LocationReport: its `Ready` and `Healthy`
 * conditions are the consumer's health, `lastAppliedRevision` (`<branch>@sha1:<commit>`, or the v1beta2
 * `<branch>/<commit>`) the applied commit, `status.inventory` the objects. Fixtures and old API versions lack
 * fields (no inventory, conditions without times): each missing part reads as Unknown.
 */
import type { HealthStatus, LocationReport, ObjectReport, OperationStatus, SyncStatus } from '../../api/locationReport.js';
import { boundedReport } from './bounded.js';
import { timeOf } from './argocdApplication.js';

/** An object of the inventory: `<namespace>_<name>_<group>_<kind>` and its version. */
export interface InventoryEntry {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** The objects a Kustomization's inventory lists, skipping ids that do not parse. */
export function inventoryOf(kustomization: unknown): InventoryEntry[] {
  const entries = (kustomization as FluxKustomization | undefined)?.status?.inventory?.entries;
  if (!Array.isArray(entries)) return [];
  return entries.flatMap((entry) => {
    if (typeof entry?.id !== 'string') return [];
    const parts = entry.id.split('_');
    if (parts.length !== 4) return [];
    const [namespace, name, group, kind] = parts as [string, string, string, string];
    if (name === '' || kind === '') return [];
    const version = typeof entry.v === 'string' && entry.v !== '' ? entry.v : 'v1';
    return [{ apiVersion: group ? `${group}/${version}` : version, kind, name, ...(namespace ? { namespace } : {}) }];
  });
}

/** The commit of a Flux revision string: `main@sha1:<hex>`, `<branch>/<hex>`, or a bare id. */
export function commitOfRevision(revision: unknown): string | undefined {
  if (typeof revision !== 'string') return undefined;
  const match = /(?:^|@sha1:|\/)([0-9a-f]{40})$/.exec(revision);
  return match?.[1];
}

/**
 * The report a Kustomization gives for `location`, observed at `now` (the reader saw it then: Flux writes no
 * periodic time). `objects`, when given, are the inventory's objects read live with their health; otherwise
 * the inventory's objects are listed with Unknown health and the Kustomization's own health decides.
 */
export function kustomizationReport(kustomization: unknown, location: string, now: Date, objects?: readonly ObjectReport[]): LocationReport {
  const k = (kustomization ?? {}) as FluxKustomization;
  const status = k.status ?? {};
  const ready = condition(status.conditions, 'Ready');
  const healthy = condition(status.conditions, 'Healthy');
  const reconciling = condition(status.conditions, 'Reconciling');
  // Before v1 (and in hand-written fixtures) only the Ready message may carry it: "Applied revision: main@sha1:…".
  const appliedRevision =
    typeof status.lastAppliedRevision === 'string'
      ? status.lastAppliedRevision
      : ready?.status === 'True' && typeof ready.message === 'string'
        ? /^Applied revision: (\S+)$/.exec(ready.message.trim())?.[1]
        : undefined;
  const applied = commitOfRevision(appliedRevision);
  const stalled = typeof k.metadata?.generation === 'number' && typeof status.observedGeneration === 'number' && status.observedGeneration < k.metadata.generation;
  const health = healthOfKustomization(k, ready, healthy, reconciling, stalled);
  const sync = syncOfKustomization(ready, appliedRevision, status.lastAttemptedRevision);
  const message = typeof ready?.message === 'string' ? ready.message.trim() : undefined;
  const name = [k.metadata?.namespace, k.metadata?.name].filter((p): p is string => typeof p === 'string').join('/');
  const report: LocationReport = {
    apiVersion: 'edgeplane.io/v1alpha1',
    kind: 'LocationReport',
    metadata: { name: location },
    status: {
      observedAt: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      reporter: { kind: 'flux', ...(name ? { name } : {}) },
      ...(applied ? { applied: { commit: applied } } : {}),
      consumer: {
        kind: 'flux',
        sync,
        health,
        ...(message ? { message } : {}),
        ...(appliedRevision ? { revision: appliedRevision } : {}),
        ...operationOf(ready, reconciling),
      },
      objects: objects ? [...objects] : inventoryOf(k).map((entry) => ({ ...entry, health: 'Unknown' as const })),
    },
  };
  return boundedReport(report);
}

function healthOfKustomization(k: FluxKustomization, ready?: Condition, healthy?: Condition, reconciling?: Condition, stalled?: boolean): HealthStatus {
  if (k.spec?.suspend === true) return 'Suspended';
  if (ready?.status === 'False' || healthy?.status === 'False') return 'Degraded';
  if (ready?.status === 'Unknown' || reconciling?.status === 'True' || stalled) return 'Progressing';
  if (ready?.status === 'True') return 'Healthy';
  return 'Unknown';
}

function syncOfKustomization(ready: Condition | undefined, lastApplied: unknown, lastAttempted: unknown): SyncStatus {
  if (typeof lastAttempted === 'string' && lastAttempted !== lastApplied) return 'OutOfSync';
  if (ready?.status === 'True') return 'Synced';
  if (ready?.status === 'False') return 'OutOfSync';
  return 'Unknown';
}

function operationOf(ready?: Condition, reconciling?: Condition): { operation?: OperationStatus } {
  if (!ready && !reconciling) return {};
  const phase = ready?.status === 'True' ? 'Succeeded' : ready?.status === 'False' ? 'Failed' : 'Running';
  const source = phase === 'Running' && reconciling ? reconciling : ready!;
  const finishedAt = phase !== 'Running' ? timeOf(source?.lastTransitionTime) : undefined;
  return {
    operation: {
      phase,
      ...(typeof source?.message === 'string' ? { message: source.message.trim() } : {}),
      ...(finishedAt ? { finishedAt } : {}),
    },
  };
}

interface Condition {
  type?: unknown;
  status?: unknown;
  reason?: unknown;
  message?: unknown;
  lastTransitionTime?: unknown;
}

function condition(conditions: unknown, type: string): Condition | undefined {
  return Array.isArray(conditions) ? (conditions as Condition[]).find((c) => c?.type === type) : undefined;
}

interface FluxKustomization {
  metadata?: { name?: unknown; namespace?: unknown; generation?: unknown };
  spec?: { suspend?: unknown };
  status?: {
    conditions?: unknown;
    inventory?: { entries?: { id?: unknown; v?: unknown }[] };
    lastAppliedRevision?: unknown;
    lastAttemptedRevision?: unknown;
    observedGeneration?: unknown;
  };
}
