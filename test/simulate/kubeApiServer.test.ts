import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ApiException,
  ApisApi,
  AppsV1Api,
  CoordinationV1Api,
  CoreApi,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  makeInformer,
  Watch,
  setHeaderOptions,
  type KubernetesObject,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../support/specRepo.js';
import { startKubeApiServer, type KubeApiServer } from '../support/kubeApiServer.js';

/** The Status body of an ApiException (the generated client keeps it as text). */
function statusOf(error: unknown): { code: number; reason?: string; message?: string; details?: Record<string, unknown> } {
  assert.ok(error instanceof ApiException, `expected an ApiException, got ${String(error)}`);
  const body = typeof error.body === 'string' && error.body !== '' ? JSON.parse(error.body) : (error.body ?? {});
  return { code: error.code, ...body };
}

async function rejects(promise: Promise<unknown>): Promise<ReturnType<typeof statusOf>> {
  try {
    await promise;
  } catch (error) {
    return statusOf(error);
  }
  assert.fail('expected the request to fail');
}

/** Collects watch events until `until` holds, or fails after a second. */
async function watchEvents(kc: KubeConfig, urlPath: string, query: Record<string, string>, until: (events: { type: string; object: any }[]) => boolean, act: () => Promise<void> = async () => {}) {
  const events: { type: string; object: any }[] = [];
  let finished: (error?: unknown) => void = () => {};
  const done = new Promise<void>((resolve, reject) => (finished = (error) => (error ? reject(error) : resolve())));
  const controller = await new Watch(kc).watch(urlPath, query, (type, object) => {
    events.push({ type, object });
    if (until(events)) finished();
  }, (error) => (error && !until(events) ? finished(error) : finished()));
  await act();
  const timer = setTimeout(() => finished(new Error(`watch timed out with ${JSON.stringify(events.map((e) => e.type))}`)), 2000);
  try {
    await done;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

function readReference(file: string): any[] {
  return parseAllDocuments(fs.readFileSync(path.join(ROOT, 'test/reference', file), 'utf8')).map((doc) => doc.toJS()).filter((object) => object !== null);
}

describe('kubeApiServer: a local Kubernetes API for tests, driven by @kubernetes/client-node', () => {
  let server: KubeApiServer;
  let kc: KubeConfig;
  let dir: string;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-api-test-'));
    server = await startKubeApiServer({ token: 'test-token' });
    kc = new KubeConfig();
    kc.loadFromFile(server.writeKubeconfig(dir));
  });

  afterEach(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('discovery', () => {
    it('serves /api, /api/v1 and /apis/<group>/<version> with kinds, scopes, verbs and status subresources', async () => {
      const versions = await kc.makeApiClient(CoreApi).getAPIVersions();
      assert.deepEqual(versions.versions, ['v1']);
      const core = await kc.makeApiClient(CoreV1Api).getAPIResources();
      const byName = new Map(core.resources.map((r) => [r.name, r]));
      for (const [name, kind, namespaced] of [['namespaces', 'Namespace', false], ['secrets', 'Secret', true], ['configmaps', 'ConfigMap', true], ['services', 'Service', true], ['pods', 'Pod', true], ['persistentvolumeclaims', 'PersistentVolumeClaim', true]] as const) {
        assert.equal(byName.get(name)?.kind, kind, name);
        assert.equal(byName.get(name)?.namespaced, namespaced, name);
        assert.deepEqual(byName.get(name)?.verbs, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
      }
      assert.deepEqual(byName.get('pods/status')?.verbs, ['get', 'patch', 'update']);
      assert.equal(byName.get('configmaps/status'), undefined, 'ConfigMaps have no status subresource');
      const apps = await kc.makeApiClient(AppsV1Api).getAPIResources();
      assert.deepEqual(apps.resources.filter((r) => !r.name.includes('/')).map((r) => r.kind), ['DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet']);
      assert.deepEqual(apps.resources.find((r) => r.name === 'deployments')?.shortNames, ['deploy']);
    });

    it('lists every group with its preferred version, Argo CD and Flux included, and the groups of stored CRDs', async () => {
      const apis = kc.makeApiClient(ApisApi);
      const before = await apis.getAPIVersions();
      const preferred = new Map(before.groups.map((g) => [g.name, g.preferredVersion?.groupVersion]));
      for (const gv of ['apps/v1', 'batch/v1', 'networking.k8s.io/v1', 'apiextensions.k8s.io/v1', 'coordination.k8s.io/v1', 'argoproj.io/v1alpha1', 'kustomize.toolkit.fluxcd.io/v1', 'source.toolkit.fluxcd.io/v1', 'helm.toolkit.fluxcd.io/v2']) {
        assert.equal(preferred.get(gv.split('/')[0]!), gv);
      }
      const objects = kc.makeApiClient(KubernetesObjectApi);
      await objects.create(widgetCrd());
      const after = await apis.getAPIVersions();
      const group = after.groups.find((g) => g.name === 'example.edgeplane.io');
      assert.deepEqual(group?.versions.map((v) => v.version), ['v1', 'v1beta1']);
      assert.equal(group?.preferredVersion?.version, 'v1');
    });

    it('answers 404 with a Status for a group or resource it does not serve', async () => {
      const status = await rejects(kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: 'nope.example.com', version: 'v1', plural: 'things' }));
      assert.equal(status.code, 404);
      assert.equal(status.reason, 'NotFound');
    });
  });

  describe('CoreV1Api', () => {
    it('creates with uid, creationTimestamp and a resourceVersion; a second create is 409 AlreadyExists', async () => {
      const core = kc.makeApiClient(CoreV1Api);
      const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'station', labels: { tier: 'groundstation' } }, data: { antenna: 'K-1' } } });
      assert.match(created.metadata!.uid!, /^[0-9a-f-]{36}$/);
      assert.ok(created.metadata!.creationTimestamp instanceof Date);
      assert.match(created.metadata!.resourceVersion!, /^\d+$/);
      const again = await rejects(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'station' } } }));
      assert.equal(again.code, 409);
      assert.equal(again.reason, 'AlreadyExists');
      assert.equal(again.message, 'configmaps "station" already exists');
      assert.deepEqual(again.details, { name: 'station', kind: 'configmaps' });
    });

    it('reads one object; a missing one is 404 NotFound with reason and details', async () => {
      const core = kc.makeApiClient(CoreV1Api);
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'present' }, data: { a: '1' } } });
      const read = await core.readNamespacedConfigMap({ namespace: 'default', name: 'present' });
      assert.deepEqual(read.data, { a: '1' });
      const missing = await rejects(core.readNamespacedConfigMap({ namespace: 'default', name: 'absent' }));
      assert.deepEqual(missing, {
        code: 404,
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'configmaps "absent" not found',
        reason: 'NotFound',
        details: { name: 'absent', kind: 'configmaps' },
      });
    });

    it('updates with optimistic concurrency: a stale resourceVersion is 409 Conflict; a no-op update keeps the version', async () => {
      const core = kc.makeApiClient(CoreV1Api);
      const first = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cfg' }, data: { v: '1' } } });
      const second = await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'cfg', body: { ...first, data: { v: '2' } } });
      assert.ok(Number(second.metadata!.resourceVersion) > Number(first.metadata!.resourceVersion));
      assert.equal(second.metadata!.uid, first.metadata!.uid);
      const stale = await rejects(core.replaceNamespacedConfigMap({ namespace: 'default', name: 'cfg', body: { ...first, data: { v: '3' } } }));
      assert.equal(stale.code, 409);
      assert.equal(stale.reason, 'Conflict');
      assert.equal(stale.message, 'Operation cannot be fulfilled on configmaps "cfg": the object has been modified; please apply your changes to the latest version and try again');
      const same = await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'cfg', body: second });
      assert.equal(same.metadata!.resourceVersion, second.metadata!.resourceVersion);
      const renamed = await rejects(core.replaceNamespacedConfigMap({ namespace: 'default', name: 'cfg', body: { ...second, metadata: { ...second.metadata, name: 'other' } } }));
      assert.equal(renamed.code, 400);
    });

    it('patches: JSON patch (the generated client default), merge patch and strategic merge', async () => {
      const core = kc.makeApiClient(CoreV1Api);
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'p', labels: { a: '1', b: '2' } }, data: { x: '1' } } });
      const jsonPatched = await core.patchNamespacedConfigMap({ namespace: 'default', name: 'p', body: [{ op: 'replace', path: '/data/x', value: '2' }] });
      assert.deepEqual(jsonPatched.data, { x: '2' });
      const merged = await core.patchNamespacedConfigMap(
        { namespace: 'default', name: 'p', body: { metadata: { labels: { a: null, c: '3' } }, data: { y: 'new' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      assert.deepEqual(merged.metadata!.labels, { b: '2', c: '3' });
      assert.deepEqual(merged.data, { x: '2', y: 'new' });
      const failed = await rejects(core.patchNamespacedConfigMap({ namespace: 'default', name: 'p', body: [{ op: 'test', path: '/data/x', value: 'nope' }] }));
      assert.equal(failed.code, 422);
      await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'svc' }, spec: { ports: [{ name: 'http', port: 80 }, { name: 'grpc', port: 9000 }] } } });
      const svc = await core.patchNamespacedService(
        { namespace: 'default', name: 'svc', body: { spec: { ports: [{ port: 80, targetPort: 8080 }] } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
      assert.deepEqual(svc.spec!.ports!.map((p) => [p.port, p.targetPort ?? null]), [[80, 8080], [9000, null]], 'ports merge by key');
      const missing = await rejects(core.patchNamespacedConfigMap({ namespace: 'default', name: 'absent', body: [] }));
      assert.equal(missing.code, 404);
    });

    it('lists with label selectors (set-based too), field selectors, and kind XList with a resourceVersion', async () => {
      const core = kc.makeApiClient(CoreV1Api);
      const cm = (name: string, labels: Record<string, string>): V1ConfigMap => ({ metadata: { name, labels } });
      await core.createNamespace({ body: { metadata: { name: 'edge' } } });
      for (const body of [cm('kiruna', { region: 'eu-north', ring: 'canary' }), cm('redu', { region: 'eu-west' }), cm('kourou', { region: 'americas', ring: 'canary' }), cm('lab', {})]) {
        await core.createNamespacedConfigMap({ namespace: 'edge', body });
      }
      const names = async (labelSelector?: string, fieldSelector?: string) =>
        (await core.listNamespacedConfigMap({ namespace: 'edge', ...(labelSelector ? { labelSelector } : {}), ...(fieldSelector ? { fieldSelector } : {}) })).items.map((i) => i.metadata!.name);
      assert.deepEqual(await names(), ['kiruna', 'kourou', 'lab', 'redu']);
      assert.deepEqual(await names('ring=canary'), ['kiruna', 'kourou']);
      assert.deepEqual(await names('region in (eu-north, eu-west)'), ['kiruna', 'redu']);
      assert.deepEqual(await names('region notin (eu-north),ring'), ['kourou']);
      assert.deepEqual(await names('!ring'), ['lab', 'redu']);
      assert.deepEqual(await names('region!=eu-west'), ['kiruna', 'kourou', 'lab']);
      assert.deepEqual(await names(undefined, 'metadata.name=redu'), ['redu']);
      assert.deepEqual(await names('ring', 'metadata.name!=kiruna'), ['kourou']);
      const all = await core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.namespace=edge' });
      assert.equal(all.items.length, 4);
      assert.equal(all.kind, 'ConfigMapList');
      assert.match(all.metadata!.resourceVersion!, /^\d+$/);
      const bad = await rejects(core.listNamespacedConfigMap({ namespace: 'edge', labelSelector: 'region in (' }));
      assert.equal(bad.code, 400);
      const badField = await rejects(core.listNamespacedConfigMap({ namespace: 'edge', fieldSelector: 'data.x=1' }));
      assert.equal(badField.code, 400);
    });

    it('pages with limit/continue over one consistent snapshot', async () => {
      const core = kc.makeApiClient(CoreV1Api);
      for (const name of ['a', 'b', 'c', 'd', 'e']) await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name } } });
      const first = await core.listNamespacedConfigMap({ namespace: 'default', limit: 2 });
      assert.deepEqual(first.items.map((i) => i.metadata!.name), ['a', 'b']);
      assert.equal(first.metadata!.remainingItemCount, 3);
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'c2' } } });
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'd' });
      const second = await core.listNamespacedConfigMap({ namespace: 'default', limit: 2, _continue: first.metadata!._continue! });
      assert.deepEqual(second.items.map((i) => i.metadata!.name), ['c', 'd'], 'the snapshot of the first page, not the current state');
      assert.equal(second.metadata!.resourceVersion, first.metadata!.resourceVersion);
      const third = await core.listNamespacedConfigMap({ namespace: 'default', limit: 2, _continue: second.metadata!._continue! });
      assert.deepEqual(third.items.map((i) => i.metadata!.name), ['e']);
      assert.equal(third.metadata!._continue, undefined);
      const exact = await core.listNamespacedConfigMap({ namespace: 'default', resourceVersion: first.metadata!.resourceVersion!, resourceVersionMatch: 'Exact' });
      assert.deepEqual(exact.items.map((i) => i.metadata!.name), ['a', 'b', 'c', 'd', 'e'], 'resourceVersionMatch=Exact reads the past');
      server.compact();
      const expired = await rejects(core.listNamespacedConfigMap({ namespace: 'default', limit: 2, _continue: first.metadata!._continue! }));
      assert.equal(expired.code, 410);
      assert.equal(expired.reason, 'Expired');
    });

    it('deletes: a Status for built-ins, 404 after; finalizers hold an object until they are removed', async () => {
      const core = kc.makeApiClient(CoreV1Api);
      const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'gone' } } });
      const status = await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'gone' });
      assert.equal(status.status, 'Success');
      assert.equal(status.details?.uid, created.metadata!.uid);
      assert.equal((await rejects(core.readNamespacedConfigMap({ namespace: 'default', name: 'gone' }))).code, 404);
      assert.equal((await rejects(core.deleteNamespacedConfigMap({ namespace: 'default', name: 'gone' }))).code, 404);

      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'held', finalizers: ['example.com/cleanup'] } } });
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'held' });
      const held = await core.readNamespacedConfigMap({ namespace: 'default', name: 'held' });
      assert.ok(held.metadata!.deletionTimestamp instanceof Date);
      await core.patchNamespacedConfigMap({ namespace: 'default', name: 'held', body: [{ op: 'remove', path: '/metadata/finalizers' }] });
      assert.equal((await rejects(core.readNamespacedConfigMap({ namespace: 'default', name: 'held' }))).code, 404);
    });

    it('needs the namespace to exist; deleting a namespace deletes what is in it', async () => {
      const core = kc.makeApiClient(CoreV1Api);
      const missing = await rejects(core.createNamespacedConfigMap({ namespace: 'nowhere', body: { metadata: { name: 'x' } } }));
      assert.equal(missing.code, 404);
      assert.equal(missing.message, 'namespaces "nowhere" not found');
      const ns = await core.createNamespace({ body: { metadata: { name: 'station' } } });
      assert.equal(ns.status?.phase, 'Active');
      await core.createNamespacedSecret({ namespace: 'station', body: { metadata: { name: 's' }, stringData: { token: 'abc' } } });
      const secret = await core.readNamespacedSecret({ namespace: 'station', name: 's' });
      assert.deepEqual(secret.data, { token: Buffer.from('abc').toString('base64') }, 'stringData folds into data');
      assert.equal(secret.stringData, undefined);
      assert.equal(secret.type, 'Opaque');
      await core.deleteNamespace({ name: 'station' });
      assert.equal((await rejects(core.readNamespacedSecret({ namespace: 'station', name: 's' }))).code, 404);
      assert.equal((await rejects(core.readNamespace({ name: 'station' }))).code, 404);
      const names = (await core.listNamespace()).items.map((n) => n.metadata!.name);
      assert.deepEqual(names, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    });

    it('validates names and labels (422 Invalid) and resets status on create behind a status subresource', async () => {
      const core = kc.makeApiClient(CoreV1Api);
      const invalid = await rejects(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'Not_Valid' } } }));
      assert.equal(invalid.code, 422);
      assert.equal(invalid.reason, 'Invalid');
      assert.equal((invalid.details as { kind: string }).kind, 'ConfigMap');
      const pvc = await core.createNamespacedPersistentVolumeClaim({ namespace: 'default', body: { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] }, status: { phase: 'Bound' } } });
      assert.equal(pvc.status?.phase, 'Pending', 'the status a client sends on create is not stored');
      const generated = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'run-' } } });
      assert.match(generated.metadata!.name!, /^run-[a-z0-9]{5}$/);
    });

    it('rejects a wrong bearer token with 401', async () => {
      const other = new KubeConfig();
      other.loadFromString(fs.readFileSync(server.writeKubeconfig(dir, 'intruder'), 'utf8').replace('test-token', 'wrong-token'));
      const status = await rejects(other.makeApiClient(CoreV1Api).listNamespace());
      assert.equal(status.code, 401);
      const counted = server.requests;
      assert.ok(counted >= 1);
    });
  });

  describe('Watch', () => {
    it('streams ADDED, MODIFIED and DELETED from a resourceVersion, filtered by label selector', async () => {
      const core = kc.makeApiClient(CoreV1Api);
      const list = await core.listNamespacedConfigMap({ namespace: 'default' });
      const events = await watchEvents(kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: list.metadata!.resourceVersion!, labelSelector: 'watched=yes' }, (e) => e.length === 4, async () => {
        await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w', labels: { watched: 'yes' } }, data: { v: '1' } } });
        await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'ignored' } } });
        await core.patchNamespacedConfigMap({ namespace: 'default', name: 'w', body: [{ op: 'replace', path: '/data/v', value: '2' }] });
        await core.patchNamespacedConfigMap({ namespace: 'default', name: 'w', body: [{ op: 'replace', path: '/metadata/labels/watched', value: 'no' }] });
        await core.patchNamespacedConfigMap({ namespace: 'default', name: 'w', body: [{ op: 'replace', path: '/metadata/labels/watched', value: 'yes' }] });
      });
      assert.deepEqual(events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'w'], ['MODIFIED', 'w'], ['DELETED', 'w'], ['ADDED', 'w']]);
      assert.equal(events[1]!.object.data.v, '2');
      assert.equal(events[0]!.object.kind, 'ConfigMap');
      const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
      assert.deepEqual([...rvs].sort((a, b) => a - b), rvs, 'in resourceVersion order');
    });

    it('replays history from an old resourceVersion, and starts with the current objects without one', async () => {
      const core = kc.makeApiClient(CoreV1Api);
      const before = (await core.listNamespacedConfigMap({ namespace: 'default' })).metadata!.resourceVersion!;
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'one' } } });
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'one' });
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'two' } } });
      const replayed = await watchEvents(kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: before }, (e) => e.length === 3);
      assert.deepEqual(replayed.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'one'], ['DELETED', 'one'], ['ADDED', 'two']]);
      const current = await watchEvents(kc, '/api/v1/namespaces/default/configmaps', {}, (e) => e.length === 1);
      assert.deepEqual(current.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'two']]);
    });

    it('answers a too-old resourceVersion with an ERROR event carrying 410 Expired, as the watch cache does', async () => {
      const core = kc.makeApiClient(CoreV1Api);
      const old = (await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x' } } })).metadata!.resourceVersion!;
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'x' });
      server.compact();
      const events = await watchEvents(kc, '/api/v1/namespaces/default/configmaps', { resourceVersion: old }, (e) => e.length === 1);
      assert.equal(events[0]!.type, 'ERROR');
      assert.equal(events[0]!.object.code, 410);
      assert.equal(events[0]!.object.reason, 'Expired');
    });

    it('serves an informer: list, then watch from the list resourceVersion', async () => {
      const core = kc.makeApiClient(CoreV1Api);
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'before' } } });
      const informer = makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
      const seen: string[] = [];
      let notify = () => {};
      const enough = new Promise<void>((resolve) => (notify = () => seen.length >= 4 && resolve()));
      for (const verb of ['add', 'update', 'delete'] as const) {
        informer.on(verb, (object: V1ConfigMap) => {
          seen.push(`${verb} ${object.metadata!.name}`);
          notify();
        });
      }
      await informer.start();
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'after' }, data: { v: '1' } } });
      await core.patchNamespacedConfigMap({ namespace: 'default', name: 'after', body: [{ op: 'replace', path: '/data/v', value: '2' }] });
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'before' });
      await enough;
      await informer.stop();
      assert.deepEqual(seen, ['add before', 'add after', 'update after', 'delete before']);
      assert.deepEqual(informer.list('default').map((o) => o.metadata!.name), ['after']);
    });

    it('ends open watches when the server closes, and honours timeoutSeconds', async () => {
      const ended = (query: Record<string, string>) =>
        new Promise<unknown>((resolve) => {
          void new Watch(kc).watch('/api/v1/namespaces', query, () => {}, resolve);
        });
      const timedOut = ended({ timeoutSeconds: '1', resourceVersion: '1' });
      assert.equal(await timedOut, null);
      const open = ended({ resourceVersion: '1' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await server.close();
      assert.equal(await open, null);
    });

    it('sees what put() and remove() do, as a controller writing to the cluster', async () => {
      const events = await watchEvents(kc, '/apis/apps/v1/deployments', {}, (e) => e.length === 3, async () => {
        server.put({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ingest', namespace: 'telemetry' }, spec: { replicas: 1 } });
        server.put({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ingest', namespace: 'telemetry' }, spec: { replicas: 1 }, status: { readyReplicas: 1 } });
        assert.ok(server.remove('apps/v1', 'Deployment', 'telemetry', 'ingest'));
      });
      assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
      assert.equal(events[1]!.object.status.readyReplicas, 1);
      assert.equal(events[1]!.object.metadata.generation, 1, 'a status write does not move the generation');
    });
  });

  describe('CustomObjectsApi and CRDs', () => {
    it('stores Argo CD Applications, whose status goes through the main resource and bumps the generation', async () => {
      const custom = kc.makeApiClient(CustomObjectsApi);
      await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'argocd' } } });
      const app = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'kiruna', namespace: 'argocd' }, spec: { project: 'default' } };
      const created = await custom.createNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications', body: app });
      assert.equal(created.metadata.generation, 1);
      const healthy = await custom.replaceNamespacedCustomObject({
        group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications', name: 'kiruna',
        body: { ...created, status: { health: { status: 'Healthy' } } },
      });
      assert.equal(healthy.status.health.status, 'Healthy');
      assert.equal(healthy.metadata.generation, 2, 'no status subresource: a status write is a spec write');
      const list = await custom.listNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications' });
      assert.equal(list.kind, 'ApplicationList');
      assert.equal(list.items[0].kind, 'Application', 'custom resource list items keep their kind');
      const status = await rejects(custom.getNamespacedCustomObjectStatus({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'argocd', plural: 'applications', name: 'kiruna' }));
      assert.equal(status.code, 404);
    });

    it('keeps status behind the /status subresource of Flux kinds', async () => {
      const custom = kc.makeApiClient(CustomObjectsApi);
      const where = { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', namespace: 'default', plural: 'kustomizations' };
      const ks = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'apps' }, spec: { interval: '5m', prune: true }, status: { observedGeneration: 9 } };
      const created = await custom.createNamespacedCustomObject({ ...where, body: ks });
      assert.equal(created.status, undefined, 'status dropped on create');
      const ready = { conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied', lastTransitionTime: '2026-01-01T00:00:00Z' }], observedGeneration: 1 };
      const withStatus = await custom.replaceNamespacedCustomObjectStatus({ ...where, name: 'apps', body: { ...created, spec: { interval: '1m' }, status: ready } });
      assert.equal(withStatus.spec.interval, '5m', 'a status write leaves the spec');
      assert.equal(withStatus.status.conditions[0].status, 'True');
      const specWrite = await custom.replaceNamespacedCustomObject({ ...where, name: 'apps', body: { ...withStatus, spec: { interval: '1m' }, status: {} } });
      assert.equal(specWrite.status.conditions[0].status, 'True', 'a main-resource write leaves the status');
      assert.equal(specWrite.metadata.generation, 2);
      const patched = await custom.patchNamespacedCustomObjectStatus(
        { ...where, name: 'apps', body: { status: { observedGeneration: 2 } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      assert.equal(patched.status.observedGeneration, 2);
      const smp = await rejects(custom.patchNamespacedCustomObject({ ...where, name: 'apps', body: { spec: { suspend: true } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)));
      assert.equal(smp.code, 415, 'custom resources take no strategic merge patch');
    });

    it('registers the kinds of a CRD put into it, and serves every version of one storage', async () => {
      const crds = readReference('crds/Application.yaml');
      server.put(crds[0]);
      const objects = kc.makeApiClient(KubernetesObjectApi);
      await objects.create(widgetCrd());
      const crd = await objects.read({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.edgeplane.io' } });
      const established = ((crd as any).status.conditions as { type: string; status: string }[]).find((c) => c.type === 'Established');
      assert.equal(established?.status, 'True');
      const widget = await objects.create({ apiVersion: 'example.edgeplane.io/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'default' }, spec: { size: 3 } } as KubernetesObject);
      assert.equal(widget.metadata!.generation, 1);
      const asBeta = await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: 'example.edgeplane.io', version: 'v1beta1', namespace: 'default', plural: 'widgets', name: 'w1' });
      assert.equal(asBeta.apiVersion, 'example.edgeplane.io/v1beta1');
      const bad = await rejects(objects.create({ ...widgetCrd(), metadata: { name: 'wrong-name' } }));
      assert.equal(bad.code, 422);
      await objects.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.edgeplane.io' } });
      const gone = await rejects(kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: 'example.edgeplane.io', version: 'v1', plural: 'widgets' }));
      assert.equal(gone.code, 404);
    });
  });

  describe('KubernetesObjectApi', () => {
    it('finds resources through discovery and does create, read, list, patch, replace and delete', async () => {
      const objects = KubernetesObjectApi.makeApiClient(kc);
      const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ingest', labels: { app: 'ingest' } }, spec: { replicas: 2, selector: { matchLabels: { app: 'ingest' } }, template: { metadata: { labels: { app: 'ingest' } }, spec: { containers: [{ name: 'ingest', image: 'ingest:1' }] } } } };
      const created = await objects.create(deployment as KubernetesObject);
      assert.equal(created.metadata!.namespace, 'default', 'the context namespace');
      const patched = await objects.patch({ ...deployment, spec: { template: { spec: { containers: [{ name: 'ingest', image: 'ingest:2' }] } } } } as KubernetesObject);
      assert.equal((patched as any).spec.template.spec.containers[0].image, 'ingest:2');
      assert.equal((patched as any).spec.replicas, 2, 'strategic merge keeps the rest');
      assert.equal(patched.metadata!.generation, 2);
      const list = await objects.list('apps/v1', 'Deployment', 'default', undefined, undefined, undefined, undefined, 'app=ingest');
      assert.deepEqual(list.items.map((d) => d.metadata!.name), ['ingest']);
      const read = await objects.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ingest', namespace: 'default' } });
      const replaced = await objects.replace({ ...read, spec: { ...(read as any).spec, replicas: 3 } } as KubernetesObject);
      assert.equal((replaced as any).spec.replicas, 3);
      await objects.delete(read);
      assert.equal((await rejects(objects.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ingest', namespace: 'default' } }))).code, 404);
    });

    it('moves a Deployment\'s metadata.generation on every spec change and only then, as controllers rely on', async () => {
      const objects = KubernetesObjectApi.makeApiClient(kc);
      const template = (image: string) => ({ metadata: { labels: { app: 'ingest' } }, spec: { containers: [{ name: 'ingest', image }] } });
      const applied = (image: string, labels: Record<string, string> = {}) =>
        objects.patch(
          { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ingest', namespace: 'default', labels }, spec: { replicas: 1, selector: { matchLabels: { app: 'ingest' } }, template: template(image) } } as KubernetesObject,
          undefined, undefined, 'edge', true, PatchStrategy.ServerSideApply,
        );
      const generation = (o: KubernetesObject) => o.metadata!.generation;
      assert.equal(generation(await applied('ingest:1')), 1, 'server-side apply creates at 1');
      assert.equal(generation(await applied('ingest:1')), 1, 'the same apply again changes nothing');
      assert.equal(generation(await applied('ingest:1', { station: 'kiruna' })), 1, 'a metadata change is no spec change');
      assert.equal(generation(await applied('ingest:2', { station: 'kiruna' })), 2, 'a new image is');
      const live = await objects.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ingest', namespace: 'default' } });
      assert.equal(generation(await objects.replace({ ...live, spec: { ...(live as any).spec, replicas: 3 } } as KubernetesObject)), 3, 'so is a replace with a new replica count');
      const current = await objects.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ingest', namespace: 'default' } });
      const status = await kc.makeApiClient(AppsV1Api).replaceNamespacedDeploymentStatus({ namespace: 'default', name: 'ingest', body: { ...current, status: { observedGeneration: 3, readyReplicas: 3 } } as any });
      assert.equal(generation(status as KubernetesObject), 3, 'a status write is not');
      const controller = server.put({ ...status, status: { observedGeneration: 3, readyReplicas: 3, availableReplicas: 3 } });
      assert.equal(controller.metadata.generation, 3, 'nor is a controller\'s status write through put()');
      assert.equal(generation(await applied('ingest:3', { station: 'kiruna' })), 4);
    });
  });

  describe('CoordinationV1Api', () => {
    it('serves Leases with the compare-and-swap leader election relies on', async () => {
      const leases = kc.makeApiClient(CoordinationV1Api);
      const lease = await leases.createNamespacedLease({ namespace: 'default', body: { metadata: { name: 'edgeplane-shard-0' }, spec: { holderIdentity: 'replica-a', leaseDurationSeconds: 15 } } });
      const takeover = await leases.replaceNamespacedLease({ namespace: 'default', name: 'edgeplane-shard-0', body: { ...lease, spec: { ...lease.spec, holderIdentity: 'replica-b' } } });
      assert.equal(takeover.spec!.holderIdentity, 'replica-b');
      const late = await rejects(leases.replaceNamespacedLease({ namespace: 'default', name: 'edgeplane-shard-0', body: { ...lease, spec: { ...lease.spec, holderIdentity: 'replica-c' } } }));
      assert.equal(late.code, 409);
      assert.equal((await leases.readNamespacedLease({ namespace: 'default', name: 'edgeplane-shard-0' })).spec!.holderIdentity, 'replica-b');
    });
  });

  it('starts with the objects it is given, CRDs first, and the reference examples load as they are', async () => {
    await server.close();
    const examples = ['examples/flux/kustomizations-v1-tree.yaml', 'examples/argocd/application-synced-healthy-sockshop.yaml', 'examples/kubernetes/deployment-healthy.yaml'].flatMap(readReference);
    server = await startKubeApiServer({ token: 'test-token', objects: [...examples, widgetCrd(), { apiVersion: 'example.edgeplane.io/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' } }] });
    kc = new KubeConfig();
    kc.loadFromFile(server.writeKubeconfig(dir));
    const custom = kc.makeApiClient(CustomObjectsApi);
    const ks = await custom.listClusterCustomObject({ group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations' });
    assert.deepEqual(ks.items.map((k: any) => [k.metadata.name, k.status.conditions[0].status]), [['empty', 'True'], ['flux-system', 'True'], ['infrastructure', 'True']]);
    const app = await custom.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: 'argo', plural: 'applications', name: 'sock-shop' });
    assert.equal(app.status.health.status, 'Healthy');
    assert.equal(app.metadata.uid, '35c79f71-bc53-4148-94c4-dea231ee8eb3', 'put keeps what the controller wrote');
    const deployment = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: 'default', name: 'nginx-deployment' });
    assert.equal(deployment.status!.readyReplicas, 1);
    assert.equal(server.get('example.edgeplane.io/v1', 'Widget', 'default', 'w')?.metadata.name, 'w');
  });
});

/** A two-version CRD, as a user would write it. */
function widgetCrd(): KubernetesObject & Record<string, unknown> {
  const schema = { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.edgeplane.io' },
    spec: {
      group: 'example.edgeplane.io',
      names: { kind: 'Widget', plural: 'widgets', singular: 'widget', shortNames: ['wd'] },
      scope: 'Namespaced',
      versions: [
        { name: 'v1', served: true, storage: true, schema, subresources: { status: {} } },
        { name: 'v1beta1', served: true, storage: false, schema },
      ],
    },
  };
}
