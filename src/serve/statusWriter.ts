import type { SpecSource } from '../reconcile/loadSpec.js';
import type { OutputOverrides } from '../reconcile/openOutput.js';
import { commitFleetStatus, computeFleetStatus } from '../status/fleetStatus.js';
import { readArgoReports } from '../status/sources/readArgocd.js';
import type { Summary } from '../status/summary.js';

/** Writes the status summary; the service calls it on the elected replica after each successful reconcile. */
export interface StatusWriter {
  /** Computes the summary at the spec's current commit, commits it when it changed, and returns it. */
  write(input: { source: SpecSource; output: OutputOverrides; now: Date }): Promise<Summary | undefined>;
}

/** Where a hub Argo CD's Applications are read from, to report for locations that run no agent. */
export interface ArgoSource {
  /** Namespace of the Applications (the Helm chart grants read access there only). */
  namespace: string;
  /** A kubeconfig file; absent: the in-cluster service account. */
  kubeconfig?: string | undefined;
}

/**
 * The summary `edgeplane status --commit` writes: reports read from the output repo's report branches (and,
 * with `argocd`, built from the hub's Applications), summarized, committed to the status branch (one commit
 * only when it changed) and pushed.
 */
export function fleetStatusWriter(options: { argocd?: ArgoSource | undefined } = {}): StatusWriter {
  const argocd = options.argocd;
  return {
    async write({ source, output, now }) {
      const status = await computeFleetStatus({
        source,
        output,
        now,
        ...(argocd
          ? {
              collectReports: ({ spec }) =>
                readArgoReports({ access: { kubeconfig: argocd.kubeconfig }, namespace: argocd.namespace, mapping: { branchPrefix: spec.settings.branchPrefix }, now }),
            }
          : {}),
      });
      await commitFleetStatus(status, now);
      return status.summary;
    },
  };
}
