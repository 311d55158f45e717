import type { CollectedReports } from '../outputRevision.js';
import { applicationReport, locationOfApplication, type ArgoMapping } from './argocdApplication.js';
import { ARGO_APPLICATIONS, kubeConfigFor, listCustomObjects, type ClusterAccess } from './kubeClient.js';

export interface ArgoReaderOptions {
  /** The hub cluster running Argo CD. */
  access: ClusterAccess;
  /** Where the Applications are; absent: every namespace. */
  namespace?: string | undefined;
  mapping: ArgoMapping;
  now: Date;
  /** Overrides how an Application maps to a location (default `locationOfApplication`). */
  locationOf?: (application: unknown) => string | undefined;
}

/**
 * Reports from a hub Argo CD: one per Application that deploys an edgeplane location. Applications that map
 * to no location are skipped with a note; when several map to one location, the first by name is used and
 * the others noted. Incomplete Applications (no status, no metadata) are read as far as they go.
 */
export async function readArgoReports(options: ArgoReaderOptions): Promise<CollectedReports> {
  const kc = kubeConfigFor(options.access);
  const applications = await listCustomObjects(kc, ARGO_APPLICATIONS, options.namespace);
  const locationOf = options.locationOf ?? ((app: unknown) => locationOfApplication(app, options.mapping));
  const notes: string[] = [];
  const byLocation = new Map<string, { name: string; app: unknown }>();
  for (const app of applications) {
    const metadata = (app as { metadata?: { name?: unknown; namespace?: unknown } }).metadata;
    const name = `${String(metadata?.namespace ?? '?')}/${String(metadata?.name ?? '?')}`;
    const location = locationOf(app);
    if (!location) {
      notes.push(`Argo CD Application ${name}: deploys no edgeplane location; skipped`);
      continue;
    }
    const known = byLocation.get(location);
    if (known) {
      notes.push(`Argo CD Application ${name}: ${location} is already reported by ${known.name}; skipped`);
      continue;
    }
    byLocation.set(location, { name, app });
  }
  const reports = [...byLocation].map(([location, { app }]) => applicationReport(app, location, options.now));
  return { reports, notes: notes.sort() };
}
