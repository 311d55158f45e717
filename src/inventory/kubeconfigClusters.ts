/**
 * kubeconfig contexts as ClusterRecords: the context's name and its cluster's server. Users (and so every
 * credential) are never looked at.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { ClusterRecord, ImportProblem } from './clusterRecord.js';

/** One record per context (only `onlyContext` when given), in the kubeconfig's order. */
export function clustersFromKubeconfig(kc: KubeConfig, onlyContext?: string): { clusters: ClusterRecord[]; problems: ImportProblem[] } {
  const clusters: ClusterRecord[] = [];
  const problems: ImportProblem[] = [];
  for (const context of kc.getContexts()) {
    if (onlyContext !== undefined && context.name !== onlyContext) continue;
    const source = `kubeconfig context ${JSON.stringify(context.name)}`;
    const server = kc.getCluster(context.cluster)?.server ?? '';
    if (!server) {
      problems.push({ source, message: `the context's cluster ${JSON.stringify(context.cluster)} has no server`, hint: 'fix the kubeconfig, or pick another context with --context' });
      continue;
    }
    clusters.push({ source, name: context.name, server, labels: {}, annotations: {} });
  }
  return { clusters, problems };
}
