/**
 * A small, faithful Kubernetes API server, part of edgeplane's simulated environment: the tests' cluster, and the
 * simulated cluster of each edge in `edgeplane demo groundstations`. Node `http` on 127.0.0.1 (ephemeral port), speaking
 * kube-apiserver's REST shapes so that @kubernetes/client-node (CoreV1Api, CustomObjectsApi,
 * KubernetesObjectApi, Watch, CoordinationV1Api, ...) works against it unchanged.
 *
 * What it serves:
 * - discovery: `/api`, `/api/v1`, `/apis`, `/apis/<group>`, `/apis/<group>/<version>`, `/version`;
 * - core v1 ConfigMap, Namespace, PersistentVolumeClaim, Pod, Secret, Service, ServiceAccount; apps/v1;
 *   batch/v1 Job, CronJob; networking.k8s.io/v1 Ingress; apiextensions.k8s.io/v1 CRD; coordination.k8s.io/v1
 *   Lease; rbac.authorization.k8s.io/v1; Argo CD (argoproj.io/v1alpha1) and Flux (kustomize/source/helm
 *   toolkit) kinds; plus the kinds of every CRD stored in it;
 * - GET, LIST (`labelSelector` incl. set-based, `fieldSelector`, `limit`/`continue` over a consistent
 *   snapshot, list `resourceVersion`), WATCH (`watch=1|true`: chunked newline-delimited events from a
 *   `resourceVersion`), POST, PUT with optimistic concurrency, merge/JSON/strategic PATCH (server-side apply
 *   approximated), DELETE (finalizers honoured) and DELETE on collections, `/status` subresources;
 * - `Status` error bodies (404 NotFound, 409 AlreadyExists/Conflict, 422 Invalid, 401 Unauthorized, ...).
 *
 * Behaviour worth knowing, all as on a real server: a watch from a resourceVersion older than the
 * history (see `compact()`) answers HTTP 200 and then one `ERROR` event carrying a 410 Expired `Status`;
 * a too-old `continue` token answers HTTP 410. Creating in a missing namespace is a 404. Deleting a
 * namespace deletes its objects (no namespace controller runs, so this happens at once).
 *
 * Not modelled: admission and RBAC (one bearer token may do everything), field ownership of server-side
 * apply, garbage collection through ownerReferences, controllers (a Deployment never gets Pods).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { storageKey, type ResourceType } from './kubeApi/catalog.js';
import { mediaType } from './kubeApi/patches.js';
import { Registry } from './kubeApi/registry.js';
import { ApiError } from './kubeApi/status.js';
import type { StoredObject } from './kubeApi/store.js';

/** How a test API server starts. */
export interface KubeApiServerOptions {
  /** Objects present from the start (CRDs are stored first, so their kinds can follow). */
  objects?: object[];
  /** The bearer token every request must carry; random when absent. */
  token?: string;
  /** How many writes the watch history keeps (default 10,000); older resourceVersions get 410. */
  historyLimit?: number;
}

/** A running test API server. */
export interface KubeApiServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The bearer token requests must carry. */
  readonly token: string;
  /** How many HTTP requests the server has answered. */
  readonly requests: number;
  /**
   * Writes a kubeconfig for this server into `dir` (cluster, token user and a context named `context`,
   * current, namespace `default`) and returns its path.
   */
  writeKubeconfig(dir: string, context?: string): string;
  /**
   * Stores an object as its controller would have written it (status, uid, generation kept when given),
   * creating its namespace when missing; watchers see ADDED or MODIFIED. Returns the stored object.
   */
  put(object: object): Record<string, any>;
  /** Deletes an object at once, finalizers or not; watchers see DELETED. False when there was none. */
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean;
  /** The stored object, or undefined. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Record<string, any> | undefined;
  /** Forgets the write history, as an etcd compaction: watches and `continue` tokens from before get 410. */
  compact(): void;
  /** Ends every watch and stops the server. */
  close(): Promise<void>;
}

const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

/** Starts a server on an ephemeral port of 127.0.0.1. */
export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const registry = new Registry({ historyLimit: options.historyLimit });
  for (const name of SYSTEM_NAMESPACES) registry.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const put = (object: object): Record<string, any> => {
    const namespace = (object as StoredObject).metadata?.namespace;
    const type = registry.catalog.byKind(String((object as StoredObject).apiVersion), String((object as StoredObject).kind));
    if (type?.namespaced && namespace && !registry.store.get('/namespaces', undefined, namespace)) {
      registry.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    }
    return registry.put(object);
  };
  const rank = (o: object) => ((o as StoredObject).kind === 'CustomResourceDefinition' ? 0 : (o as StoredObject).kind === 'Namespace' ? 1 : 2);
  for (const object of [...(options.objects ?? [])].sort((a, b) => rank(a) - rank(b))) put(object);

  let requests = 0;
  const watches = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    requests++;
    handle(registry, token, watches, req, res).catch((error: unknown) => writeError(res, error));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    token,
    get requests() {
      return requests;
    },
    writeKubeconfig(dir, context = 'edgeplane-test') {
      const user = `${context}-user`;
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        // Plain http needs insecure-skip-tls-verify: @kubernetes/client-node refuses http:// otherwise.
        clusters: [{ name: context, cluster: { server: url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: user, user: { token } }],
        contexts: [{ name: context, context: { cluster: context, user, namespace: 'default' } }],
        'current-context': context,
        preferences: {},
      };
      const file = path.join(dir, `${context.replace(/[^A-Za-z0-9._-]/g, '_')}.kubeconfig`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
      return file;
    },
    put,
    remove: (apiVersion, kind, namespace, name) => registry.remove(apiVersion, kind, namespace, name),
    get(apiVersion, kind, namespace, name) {
      const type = registry.catalog.byKind(apiVersion, kind);
      const object = type && registry.store.get(storageKey(type), type.namespaced ? (namespace ?? 'default') : undefined, name);
      return object ? registry.present(type, object) : undefined;
    },
    compact: () => registry.store.compact(),
    close() {
      for (const res of watches) res.end();
      if (!server.listening) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

interface Target {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: 'status';
}

async function handle(registry: Registry, token: string, watches: Set<http.ServerResponse>, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const method = req.method ?? 'GET';
  if (segments.length === 1 && ['healthz', 'livez', 'readyz'].includes(segments[0]!)) {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
    return;
  }
  if (req.headers.authorization !== `Bearer ${token}`) throw ApiError.unauthorized();
  const body = await readBody(req);

  const discovery = discover(registry, segments, req.headers.host ?? '127.0.0.1');
  if (discovery !== undefined) {
    if (method !== 'GET') throw ApiError.methodNotAllowed(method);
    writeJson(res, 200, discovery);
    return;
  }
  const target = route(registry, segments);
  const query = url.searchParams;
  const dryRun = query.getAll('dryRun').includes('All');
  const { type, namespace, name, subresource } = target;

  if (name === undefined) {
    switch (method) {
      case 'GET':
        if (['1', 'true'].includes(query.get('watch') ?? '')) return watch(registry, type, namespace, query, res, watches);
        return writeJson(res, 200, registry.list(type, namespace, listOptions(query)));
      case 'POST':
        if (type.namespaced && namespace === undefined) throw ApiError.noSuchResource();
        return writeJson(res, 201, registry.create(type, namespace, parseJson(body), { dryRun }));
      case 'DELETE':
        return writeJson(res, 200, registry.deleteCollection(type, namespace, { ...listOptions(query), dryRun }));
      default:
        throw ApiError.methodNotAllowed(method);
    }
  }
  switch (method) {
    case 'GET':
      return writeJson(res, 200, registry.get(type, namespace, name));
    case 'PUT':
      return writeJson(res, 200, registry.update(type, namespace, name, parseJson(body), { subresource, dryRun }));
    case 'PATCH': {
      const patched = registry.patch(type, namespace, name, mediaType(req.headers['content-type']), body, { subresource, dryRun, fieldManager: query.get('fieldManager') });
      return writeJson(res, patched.created ? 201 : 200, patched.object);
    }
    case 'DELETE':
      if (subresource) throw ApiError.methodNotAllowed(method);
      return writeJson(res, 200, registry.delete(type, namespace, name, deleteOptions(body, dryRun)));
    default:
      throw ApiError.methodNotAllowed(method);
  }
}

/** Discovery documents, or undefined when the path is not a discovery path. */
function discover(registry: Registry, segments: string[], host: string): object | undefined {
  const { catalog } = registry;
  const path = segments.join('/');
  if (path === 'version') {
    return { major: '1', minor: '33', gitVersion: 'v1.33.0-edgeplane-test', gitCommit: '', gitTreeState: 'clean', buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.24', compiler: 'gc', platform: 'linux/amd64' };
  }
  if (path === 'api') return catalog.coreVersions(host);
  if (path === 'api/v1') return catalog.resourceList('', 'v1');
  if (path === 'apis') return catalog.groupList();
  if (segments[0] === 'apis' && segments.length === 2) return catalog.groupDocument(segments[1]!) ?? notFound();
  if (segments[0] === 'apis' && segments.length === 3) {
    return catalog.hasGroupVersion(segments[1]!, segments[2]!) ? catalog.resourceList(segments[1]!, segments[2]!) : notFound();
  }
  return undefined;
}

function notFound(): never {
  throw ApiError.noSuchResource();
}

/** The resource, namespace, name and subresource a path names; 404 for anything the server does not serve. */
function route(registry: Registry, segments: string[]): Target {
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments[1] === 'v1') [group, version, rest] = ['', 'v1', segments.slice(2)];
  else if (segments[0] === 'apis' && segments.length > 3) [group, version, rest] = [segments[1]!, segments[2]!, segments.slice(3)];
  else notFound();
  if (!registry.catalog.hasGroupVersion(group, version)) notFound();
  let namespace: string | undefined;
  const namespaceSubresource = group === '' && rest.length === 3 && ['status', 'finalize'].includes(rest[2]!);
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceSubresource) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  const type = registry.catalog.byResource(group, version, plural!);
  if (!type || extra.length > 0) notFound();
  if (namespace !== undefined && !type.namespaced) notFound();
  if (name !== undefined && type.namespaced && namespace === undefined) notFound();
  if (subresource !== undefined && (subresource !== 'status' || !type.statusSubresource)) notFound();
  return { type, ...(namespace !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}), ...(subresource ? { subresource: 'status' as const } : {}) };
}

function listOptions(query: URLSearchParams) {
  const limit = query.get('limit');
  if (limit !== null && !/^\d+$/.test(limit)) throw ApiError.badRequest(`limit: Invalid value: ${JSON.stringify(limit)}: must be a non-negative integer`);
  return {
    labelSelector: query.get('labelSelector'),
    fieldSelector: query.get('fieldSelector'),
    limit: limit === null ? undefined : Number(limit),
    continue: query.get('continue'),
    resourceVersion: query.get('resourceVersion'),
    resourceVersionMatch: query.get('resourceVersionMatch'),
  };
}

function deleteOptions(body: string, dryRun: boolean) {
  const options = body.trim() === '' ? {} : (parseJson(body) as { preconditions?: { uid?: string; resourceVersion?: string }; dryRun?: string[] });
  return { dryRun: dryRun || (options.dryRun ?? []).includes('All'), preconditions: options.preconditions ?? {} };
}

/**
 * WATCH: HTTP 200, then one JSON event per line for as long as the client stays (or `timeoutSeconds`).
 * Without a resourceVersion (or with "0") the current objects come first as ADDED events.
 */
function watch(registry: Registry, type: ResourceType, namespace: string | undefined, query: URLSearchParams, res: http.ServerResponse, watches: Set<http.ServerResponse>): void {
  const matches = registry.matcher(type, { labelSelector: query.get('labelSelector'), fieldSelector: query.get('fieldSelector') });
  const rv = query.get('resourceVersion') ?? '';
  if (rv !== '' && !/^\d+$/.test(rv)) throw ApiError.badRequest(`resourceVersion: Invalid value: ${JSON.stringify(rv)}: strconv.ParseUint: parsing ${JSON.stringify(rv)}: invalid syntax`);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  watches.add(res);
  const send = (eventType: string, object: object) => res.write(`${JSON.stringify({ type: eventType, object })}\n`);
  let stop = () => {};
  const end = () => {
    stop();
    watches.delete(res);
    if (!res.writableEnded) res.end();
  };
  res.on('close', end);
  try {
    stop = registry.store.watch({ key: storageKey(type), ...(namespace !== undefined ? { namespace } : {}), matches }, rv === '' || rv === '0' ? undefined : Number(rv), (eventType, object) =>
      send(eventType, registry.present(type, object)),
    );
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    send('ERROR', error.status);
    end();
    return;
  }
  const timeout = Number(query.get('timeoutSeconds'));
  if (timeout > 0) setTimeout(end, timeout * 1000).unref();
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw ApiError.badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`);
  }
}

function writeJson(res: http.ServerResponse, code: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

function writeError(res: http.ServerResponse, error: unknown): void {
  const status = error instanceof ApiError ? error.status : new ApiError(500, 'InternalError', `Internal error occurred: ${(error as Error)?.message ?? String(error)}`).status;
  if (res.headersSent) {
    res.end();
    return;
  }
  writeJson(res, status.code, status);
}
