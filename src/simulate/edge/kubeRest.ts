/**
 * The few Kubernetes REST calls the simulated edge's consumer makes, sent as kubectl sends them: the objects as
 * JSON exactly as built, resources found through API discovery.
 *
 * Not @kubernetes/client-node's KubernetesObjectApi: it re-serializes every built-in kind through its generated
 * models, which drop what the models spell differently (`_enum`, `_default`, `xKubernetesPreserveUnknownFields`)
 * or do not know, so a CRD applied through it loses its schema's `enum`, `default` and `x-kubernetes-*`: not the
 * CRD of the branch.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { SimulatedEdgeError } from './simulatedEdgeError.js';

/** Where the cluster is and how to authenticate. */
export interface KubeEndpoint {
  /** `http(s)://host:port` of the API server. */
  url: string;
  /** Bearer token. */
  token: string;
}

/** An object's identity. */
export interface ObjectKey {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
}

/** A refusal from the API server: its HTTP code and `Status.message`. */
export class KubeRestError extends Error {
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.name = 'KubeRestError';
    this.code = code;
  }
}

interface Resource {
  plural: string;
  namespaced: boolean;
}

/** A REST client for one cluster; discovery answers are cached per API version until a kind is not found. */
export class KubeRest {
  readonly #endpoint: KubeEndpoint;
  readonly #discovery = new Map<string, Map<string, Resource>>();

  constructor(endpoint: KubeEndpoint) {
    this.#endpoint = endpoint;
  }

  /**
   * Server-side apply of `object` (created when absent), forcing conflicts as `kubectl apply --server-side
   * --force-conflicts`. A namespaced object without a namespace goes to `default`. Resolves with the live object.
   */
  async apply(object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string | undefined } }, fieldManager: string): Promise<Record<string, any>> {
    const key = { apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name };
    const path = await this.#path(key, true);
    const query = `?fieldManager=${encodeURIComponent(fieldManager)}&force=true`;
    return this.#request('PATCH', `${path}${query}`, JSON.stringify(object), 'application/apply-patch+yaml');
  }

  /** Deletes an object; resolves false when it was already gone. */
  async delete(key: ObjectKey): Promise<boolean> {
    try {
      await this.#request('DELETE', await this.#path(key, true));
      return true;
    } catch (error) {
      if (error instanceof KubeRestError && error.code === 404) return false;
      throw error;
    }
  }

  /** Namespace and name of every object of a kind, in all namespaces. */
  async listKeys(apiVersion: string, kind: string): Promise<{ namespace?: string; name: string }[]> {
    const list = await this.#request('GET', await this.#path({ apiVersion, kind, name: '' }, false));
    return (Array.isArray(list['items']) ? list['items'] : []).map((item: { metadata?: { namespace?: string; name?: string } }) => ({
      ...(item.metadata?.namespace ? { namespace: item.metadata.namespace } : {}),
      name: String(item.metadata?.name ?? ''),
    }));
  }

  /** `/api/v1/namespaces/<ns>/<plural>/<name>` and the like; `named: false` gives the all-namespaces collection. */
  async #path(key: ObjectKey, named: boolean): Promise<string> {
    const resource = await this.#resource(key.apiVersion, key.kind);
    const base = key.apiVersion.includes('/') ? `/apis/${key.apiVersion}` : `/api/${key.apiVersion}`;
    const scope = resource.namespaced && named ? `/namespaces/${encodeURIComponent(key.namespace || 'default')}` : '';
    return `${base}${scope}/${resource.plural}${named ? `/${encodeURIComponent(key.name)}` : ''}`;
  }

  async #resource(apiVersion: string, kind: string): Promise<Resource> {
    let kinds = this.#discovery.get(apiVersion);
    if (!kinds?.has(kind)) {
      // A CRD applied a moment ago adds kinds: ask again before giving up.
      const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const list = await this.#request('GET', base).catch((error: unknown) => {
        if (error instanceof KubeRestError && error.code === 404) return { resources: [] };
        throw error;
      });
      kinds = new Map();
      for (const r of (list['resources'] ?? []) as { name: string; kind: string; namespaced: boolean }[]) {
        if (!r.name.includes('/')) kinds.set(r.kind, { plural: r.name, namespaced: r.namespaced });
      }
      this.#discovery.set(apiVersion, kinds);
    }
    const resource = kinds.get(kind);
    if (!resource) throw new KubeRestError(404, `the server has no ${kind} in ${apiVersion} (is its CRD applied and established?)`);
    return resource;
  }

  #request(method: string, path: string, body?: string, contentType?: string): Promise<Record<string, any>> {
    const url = new URL(path, this.#endpoint.url);
    const send = url.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          headers: {
            authorization: `Bearer ${this.#endpoint.token}`,
            accept: 'application/json',
            ...(body !== undefined ? { 'content-type': contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Record<string, any> = {};
            try {
              parsed = text === '' ? {} : (JSON.parse(text) as Record<string, any>);
            } catch {
              parsed = { message: text.slice(0, 300) };
            }
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) resolve(parsed);
            else reject(new KubeRestError(code, typeof parsed['message'] === 'string' ? parsed['message'] : `HTTP ${code} from ${method} ${url.pathname}`));
          });
          res.on('error', reject);
        },
      );
      req.on('error', (error) => reject(new SimulatedEdgeError('APPLY_FAILED', `cannot reach the cluster at ${this.#endpoint.url}: ${error.message}`, {}, { cause: error })));
      req.end(body);
    });
  }
}
