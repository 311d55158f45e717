/**
 * The Kubernetes reads status needs, through @kubernetes/client-node: live objects by identity (resolved
 * through API discovery, so any kind works, custom resources included), Argo CD Applications and Flux
 * Kustomizations by listing. Credentials come from a kubeconfig file or the in-cluster service account, never
 * from the spec repo.
 */
import { CustomObjectsApi, KubeConfig, KubernetesObjectApi, type KubernetesObject, type ResponseContext } from '@kubernetes/client-node';
import { EdgeplaneError } from '../../errors/edgeplaneError.js';

/** How to reach a cluster. */
export interface ClusterAccess {
  /** A kubeconfig file; absent: the in-cluster service account. */
  kubeconfig?: string | undefined;
  /** A context of the kubeconfig; absent: its current context. */
  context?: string | undefined;
}

/** The identity of an object to read. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** A live object, null when it does not exist, or why it could not be read. */
export type LiveObject = { object: Record<string, unknown> } | { missing: true } | { error: string };

/** A KubeConfig for `access`. Throws BAD_ARGUMENT for a missing file or context. */
export function kubeConfigFor(access: ClusterAccess): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (access.kubeconfig) kc.loadFromFile(access.kubeconfig);
    else kc.loadFromCluster();
  } catch (error) {
    const where = access.kubeconfig ?? 'the in-cluster service account';
    throw new EdgeplaneError('BAD_ARGUMENT', `cannot load Kubernetes credentials from ${where}: ${(error as Error).message}`, {}, { cause: error });
  }
  if (access.context) {
    if (!kc.getContexts().some((c) => c.name === access.context)) {
      throw new EdgeplaneError('BAD_ARGUMENT', `the kubeconfig ${access.kubeconfig ?? ''} has no context ${JSON.stringify(access.context)}`, { context: access.context });
    }
    kc.setCurrentContext(access.context);
  }
  return kc;
}

/**
 * Reads objects, at most `concurrency` requests at a time. Every object gets an answer: a 404 is `missing`,
 * any other failure an `error` carrying the server's message.
 */
export async function readLiveObjects(kc: KubeConfig, refs: readonly ObjectRef[], concurrency = 8): Promise<LiveObject[]> {
  const client = kc.makeApiClient(PlainObjectApi);
  const results: LiveObject[] = new Array(refs.length);
  let next = 0;
  const worker = async () => {
    while (next < refs.length) {
      const i = next++;
      const ref = refs[i]!;
      const metadata = ref.namespace ? { name: ref.name, namespace: ref.namespace } : { name: ref.name };
      try {
        const object = await client.read({ apiVersion: ref.apiVersion, kind: ref.kind, metadata } as KubernetesObject & { metadata: { name: string } });
        results[i] = { object: object as unknown as Record<string, unknown> };
      } catch (error) {
        results[i] = statusCode(error) === 404 ? { missing: true } : { error: errorMessage(error) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, refs.length) }, worker));
  return results;
}

/**
 * KubernetesObjectApi, but answering the JSON exactly as served. The stock one turns built-in kinds into
 * client-node's model classes, which renames fields (a CRD schema's `enum` becomes `_enum`,
 * `x-kubernetes-preserve-unknown-fields` `x_kubernetes_preserve_unknown_fields`), turns timestamps into Dates and
 * drops fields its models do not know: the agent would then find every CRD with an enum out of sync.
 */
class PlainObjectApi extends KubernetesObjectApi {
  protected override async processResponse<T extends KubernetesObject>(response: ResponseContext): Promise<T> {
    if (response.httpStatusCode < 200 || response.httpStatusCode > 299) return super.processResponse<T>(response);
    return JSON.parse(await response.body.text()) as T;
  }
}

/** Every object of a custom resource kind, in all namespaces or one. */
export async function listCustomObjects(kc: KubeConfig, kind: { group: string; version: string; plural: string }, namespace?: string): Promise<unknown[]> {
  const client = kc.makeApiClient(CustomObjectsApi);
  try {
    const list = (namespace
      ? await client.listNamespacedCustomObject({ ...kind, namespace })
      : await client.listClusterCustomObject(kind)) as { items?: unknown[] };
    return Array.isArray(list?.items) ? list.items : [];
  } catch (error) {
    throw new EdgeplaneError('NOT_FOUND', `cannot list ${kind.plural}.${kind.group}${namespace ? ` in ${namespace}` : ''}: ${errorMessage(error)}`, { kind }, { cause: error });
  }
}

/** Argo CD Applications. */
export const ARGO_APPLICATIONS = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications' };
/** Flux Kustomizations (the v1 API, the only one current Flux serves). */
export const FLUX_KUSTOMIZATIONS = { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations' };

function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown; statusCode?: unknown })?.code ?? (error as { statusCode?: unknown })?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The server's `Status.message` when there is one, else the error's own message (never credentials). */
function errorMessage(error: unknown): string {
  const body = (error as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      // not JSON
    }
  }
  if (typeof (body as { message?: unknown } | undefined)?.message === 'string') return (body as { message: string }).message;
  const message = (error as Error)?.message ?? String(error);
  return message.split('\n')[0]!.slice(0, 300);
}
