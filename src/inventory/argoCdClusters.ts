/**
 * Argo CD cluster Secrets as ClusterRecords. A cluster Secret (Argo CD "declarative setup") carries the
 * label `argocd.argoproj.io/secret-type: cluster` and, base64 in `data`, the fields `name`, `server` and
 * `config` — the last one the credentials (bearerToken, tlsClientConfig, execProviderConfig, ...). Only
 * `name` and `server` are ever decoded; `config` is not read at all.
 */
import type { ClusterRecord, ImportProblem } from './clusterRecord.js';
import { userMetadata } from './userMetadata.js';

/** The label selector of Argo CD cluster Secrets. */
export const ARGOCD_CLUSTER_SELECTOR = 'argocd.argoproj.io/secret-type=cluster';

/** The parts of a Secret this reader looks at. */
export interface SecretLike {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
}

/**
 * One record per Secret: the cluster name from `data.name` (the Secret's own name when absent), the
 * server from `data.server`, user labels and annotations. Secrets without a readable server are reported.
 */
export function clustersFromArgoCdSecrets(secrets: readonly SecretLike[]): { clusters: ClusterRecord[]; problems: ImportProblem[] } {
  const clusters: ClusterRecord[] = [];
  const problems: ImportProblem[] = [];
  for (const secret of secrets) {
    const meta = secret.metadata ?? {};
    const source = `Secret ${meta.namespace ?? ''}/${meta.name ?? ''}`;
    const name = decoded(secret.data?.['name']) || (meta.name ?? '');
    const server = decoded(secret.data?.['server']);
    if (!server) {
      problems.push({ source, message: 'the cluster Secret has no server field', hint: 'add data.server (the API server URL) to the Secret, as Argo CD requires' });
      continue;
    }
    clusters.push({ source, name, server, labels: userMetadata(meta.labels), annotations: userMetadata(meta.annotations) });
  }
  return { clusters, problems };
}

function decoded(value: string | undefined): string {
  return value ? Buffer.from(value, 'base64').toString('utf8').trim() : '';
}
