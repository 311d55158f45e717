/**
 * Which labels and annotations of an imported object describe the cluster (user metadata, kept on the
 * Location) and which describe the object itself or belong to a tool (dropped).
 */

/**
 * Key prefixes (DNS domains, matched with their subdomains) owned by Kubernetes and the tools that manage
 * cluster Secrets: `kubectl.kubernetes.io/last-applied-configuration` (which holds the whole Secret,
 * credentials included), `app.kubernetes.io/*`, `argocd.argoproj.io/*`, Helm's and Flux's bookkeeping.
 */
export const INTERNAL_KEY_DOMAINS: readonly string[] = ['kubernetes.io', 'k8s.io', 'argoproj.io', 'helm.sh', 'fluxcd.io'];

/** Whether a label or annotation is a tool's, not the user's. */
export function isInternalKey(key: string, value: string): boolean {
  const slash = key.indexOf('/');
  if (slash >= 0) {
    const domain = key.slice(0, slash);
    if (INTERNAL_KEY_DOMAINS.some((d) => domain === d || domain.endsWith(`.${d}`))) return true;
  }
  // `argocd cluster add` marks the Secrets it writes with this unprefixed annotation.
  return key === 'managed-by' && value === 'argocd.argoproj.io';
}

/** The user entries of a label or annotation map, sorted by key. */
export function userMetadata(entries: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const kept: [string, string][] = [];
  for (const [key, value] of Object.entries(entries ?? {})) {
    if (typeof value === 'string' && !isInternalKey(key, value)) kept.push([key, value]);
  }
  return Object.fromEntries(kept.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
