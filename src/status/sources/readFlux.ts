import type { CollectedReports } from '../outputRevision.js';
import { inventoryOf, kustomizationReport } from './fluxKustomization.js';
import { FLUX_KUSTOMIZATIONS, kubeConfigFor, listCustomObjects, readLiveObjects, type ClusterAccess } from './kubeClient.js';
import { liveObjectReport, type HealthOf } from './liveObject.js';

export interface FluxReaderOptions {
  /** The locations to read, each with how to reach its cluster; a location without access is skipped. */
  locations: readonly string[];
  accessOf: (location: string) => ClusterAccess | undefined;
  now: Date;
  /**
   * Picks the location's Kustomization among all of its cluster's. Default: the one named
   * `edgeplane-<location>` (as the bootstrap manifests create it), else the only one labeled
   * `app.kubernetes.io/managed-by: edgeplane`.
   */
  select?: (kustomizations: readonly unknown[], location: string) => unknown;
  /** Also read every inventory object live and compute its health (default true). */
  readObjects?: boolean;
  healthOf: HealthOf;
}

/**
 * Reports from Flux at each location: its Kustomization's Ready condition, inventory and last applied
 * revision, and (unless `readObjects` is false) the live health of every inventory object. A location whose
 * cluster cannot be read gets no report (a note says why): its last report in Git, if any, keeps counting
 * until it goes stale.
 */
export async function readFluxReports(options: FluxReaderOptions): Promise<CollectedReports> {
  const reports: CollectedReports['reports'] = [];
  const notes: string[] = [];
  for (const location of options.locations) {
    const access = options.accessOf(location);
    if (!access) continue;
    try {
      const kc = kubeConfigFor(access);
      const all = await listCustomObjects(kc, FLUX_KUSTOMIZATIONS);
      const chosen = (options.select ?? defaultSelect)(all, location);
      if (!chosen) {
        notes.push(`flux at ${location}: no Kustomization edgeplane-${location} (or one labeled app.kubernetes.io/managed-by=edgeplane); no report`);
        continue;
      }
      let objects;
      if (options.readObjects !== false) {
        const refs = inventoryOf(chosen);
        const live = await readLiveObjects(kc, refs);
        objects = refs.map((ref, i) => liveObjectReport(ref, live[i]!, options.healthOf));
      }
      reports.push(kustomizationReport(chosen, location, options.now, objects));
    } catch (error) {
      notes.push(`flux at ${location}: ${(error as Error).message}; no report`);
    }
  }
  return { reports, notes: notes.sort() };
}

function defaultSelect(kustomizations: readonly unknown[], location: string): unknown {
  type K = { metadata?: { name?: unknown; labels?: Record<string, unknown> } };
  const named = kustomizations.find((k) => (k as K)?.metadata?.name === `edgeplane-${location}`);
  if (named) return named;
  const managed = kustomizations.filter((k) => (k as K)?.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'edgeplane');
  return managed.length === 1 ? managed[0] : undefined;
}
