/**
 * What an inventory import reads from a source before it becomes a Location: the cluster's display name,
 * its API server and the metadata a user put on it. Never credentials: readers copy these fields only.
 */

/** One cluster found in a source (an Argo CD cluster Secret, a kubeconfig context). */
export interface ClusterRecord {
  /** Where it came from, for messages and file comments: `Secret argocd/cluster-kiruna`, `kubeconfig context "kind-kiruna"`. */
  source: string;
  /** The cluster's name in the source, before it is made a DNS-1123 label. */
  name: string;
  /** The API server URL, as the source holds it (may be empty or malformed: checked later). */
  server: string;
  /** User labels and annotations (internal ones already dropped). */
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Something wrong with the input of an import: which cluster or file, what, and how to fix it. */
export interface ImportProblem {
  source: string;
  message: string;
  hint?: string;
}

/** `source: message (hint)`, one per line, sorted: byte-stable output. */
export function formatImportProblems(problems: readonly ImportProblem[]): string {
  return problems
    .map((p) => `${p.source}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`)
    .sort()
    .join('\n');
}
