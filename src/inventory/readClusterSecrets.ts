/**
 * Reads Argo CD cluster Secrets through the Kubernetes API, page by page. Kubernetes failures become
 * `EdgeplaneError`s that name the server and what went wrong, never the request's credentials.
 */
import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import { redactUrl } from '../load/readSpecFiles.js';
import { ARGOCD_CLUSTER_SELECTOR, type SecretLike } from './argoCdClusters.js';

const PAGE = 500;

/** Every Secret labelled as an Argo CD cluster in `namespace`. */
export async function readClusterSecrets(kc: KubeConfig, namespace: string): Promise<SecretLike[]> {
  const api = kc.makeApiClient(CoreV1Api);
  const secrets: SecretLike[] = [];
  let next: string | undefined;
  do {
    const page = await api
      .listNamespacedSecret({ namespace, labelSelector: ARGOCD_CLUSTER_SELECTOR, limit: PAGE, ...(next ? { _continue: next } : {}) })
      .catch((error: unknown) => {
        throw kubeError(kc, error, `list the cluster Secrets in namespace ${namespace}`);
      });
    for (const item of page.items) {
      secrets.push({
        metadata: { name: item.metadata?.name, namespace: item.metadata?.namespace ?? namespace, labels: item.metadata?.labels, annotations: item.metadata?.annotations },
        data: item.data,
      });
    }
    next = page.metadata?._continue || undefined;
  } while (next);
  return secrets;
}

/** A failed Kubernetes call as an EdgeplaneError with a stable code. */
export function kubeError(kc: KubeConfig, error: unknown, doing: string): EdgeplaneError {
  const server = redactUrl(kc.getCurrentCluster()?.server ?? '(no server)');
  const context = kc.getCurrentContext();
  if (error instanceof ApiException) {
    const status = statusMessage(error.body);
    if (error.code === 401 || error.code === 403) {
      return new EdgeplaneError('AUTH', `the Kubernetes API at ${server} (context ${context}) refused to ${doing}: HTTP ${error.code}${status ? ` ${status}` : ''}`, { server, context, code: error.code }, { cause: error });
    }
    return new EdgeplaneError('NOT_FOUND', `cannot ${doing} at ${server} (context ${context}): HTTP ${error.code}${status ? ` ${status}` : ''}`, { server, context, code: error.code }, { cause: error });
  }
  const message = (error as Error)?.message ?? String(error);
  return new EdgeplaneError('NOT_FOUND', `cannot reach the Kubernetes API at ${server} (context ${context}) to ${doing}: ${message}`, { server, context }, { cause: error });
}

function statusMessage(body: unknown): string {
  try {
    const status = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: unknown } | undefined;
    return typeof status?.message === 'string' ? status.message : '';
  } catch {
    return '';
  }
}
