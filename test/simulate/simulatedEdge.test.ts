import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { LocationReport } from '../../src/api/locationReport.js';
import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { applyInventory, type Inventory } from '../../src/simulate/edge/applyInventory.js';
import type { Manifest } from '../../src/simulate/edge/buildOutput.js';
import { KubeRest } from '../../src/simulate/edge/kubeRest.js';
import { SimulatedCluster } from '../../src/simulate/edge/simulatedCluster.js';
import { SimulatedEdge, type EdgeEvent, type EdgeState } from '../../src/simulate/edge/simulatedEdge.js';
import { observeRollout, workloadStatus, type Rollout, type WorkloadKind } from '../../src/simulate/edge/workloadStatus.js';
import { objectHealth } from '../../src/status/health.js';
import { createBareRepo, startGitServer, type GitServer } from '../support/gitServer.js';
import { changeSpec, git, gitAsync, refsUnder, runCli, specRepoFrom, tempDir } from '../support/specRepo.js';
import { kubectlPath } from '../support/tools.js';

const USER = 'fleet-bot';
const TOKEN = 'center-token-31c9';
const STATIONS = ['kiruna', 'cebreros', 'redu'] as const;
type Station = (typeof STATIONS)[number];
const tokenOf = (station: string) => `edge-token-${station}`;

/** The images the simulated registry has: the fixture's node-exporter and two ingest releases. */
const IMAGES = new Set(['quay.io/prometheus/node-exporter:v1.8.2', 'registry.example.org/ingest:1.4.2', 'registry.example.org/ingest:1.5.0']);

/**
 * A big ConfigMap in the telemetry workload (antenna calibration tables, ~130 KB of hex): a station's branch is
 * then far bigger than a one-line change to it, so the bytes an edge fetches for a change can be told apart.
 */
function calibrationTable(): string {
  const rows: string[] = [];
  let digest = 'calibration';
  for (let i = 0; i < 2000; i++) {
    digest = createHash('sha256').update(digest).digest('hex');
    rows.push(`  row-${String(i).padStart(4, '0')}: "${digest}"`);
  }
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: calibration\n  namespace: telemetry\ndata:\n${rows.join('\n')}\n`;
}

/** Waits until `check` holds (polling every 50 ms), or fails with `what` after `timeoutMs`. */
async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Bytes of `ref`'s whole history packed, as a fresh clone of only that branch would download it. */
function packedSize(gitdir: string, ref: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['pack-objects', '--revs', '--stdout', '-q'], { cwd: gitdir, stdio: ['pipe', 'pipe', 'inherit'] });
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(bytes) : reject(new Error(`git pack-objects exited ${code}`))));
    child.stdin.end(`${ref}\n`);
  });
}

const TIMING = { startupMs: 1_000, progressDeadlineMs: 5_000 };
const REGISTRY = new Set(['ingest:1.4.0', 'ingest:1.5.0', 'busybox:1.36']);

/** A workload as the API server stores it, at `generation`, with `image` in its only container. */
function workload(kind: WorkloadKind, image: string, options: { generation?: number; replicas?: number; init?: string; status?: object } = {}): Record<string, any> {
  const pod = { containers: [{ name: 'main', image }], ...(options.init ? { initContainers: [{ name: 'init', image: options.init }] } : {}) };
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name: 'ingest', namespace: 'telemetry', uid: 'u-1', generation: options.generation ?? 1 },
    spec: { ...(options.replicas !== undefined ? { replicas: options.replicas } : {}), selector: { matchLabels: { app: 'ingest' } }, template: { metadata: { labels: { app: 'ingest' } }, spec: pod } },
    ...(options.status ? { status: options.status } : {}),
  };
}

describe('the simulated controllers (pure): workload status as a real cluster would write it', () => {
  const since = 1_000_000;
  const fresh: Rollout = { generation: 1, sinceMs: since, previousReady: 0 };
  const cases: { name: string; kind: WorkloadKind; object: Record<string, any>; rollout?: Rollout; at: number; health: string; status?: Record<string, unknown>; next: number | undefined }[] = [
    { name: 'a new Deployment is Progressing while its pods start', kind: 'Deployment', object: workload('Deployment', 'ingest:1.4.0', { replicas: 2 }), at: since, health: 'Progressing', status: { replicas: 2, updatedReplicas: 2, readyReplicas: 0, availableReplicas: 0, unavailableReplicas: 2 }, next: since + 1_000 },
    { name: '... and Healthy startupMs later, with every field Argo CD reads', kind: 'Deployment', object: workload('Deployment', 'ingest:1.4.0', { replicas: 2 }), at: since + 1_000, health: 'Healthy', status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }, next: undefined },
    { name: 'no replicas field means one', kind: 'Deployment', object: workload('Deployment', 'ingest:1.4.0'), at: since + 5_000, health: 'Healthy', status: { replicas: 1, readyReplicas: 1 }, next: undefined },
    { name: 'an image the registry lacks never starts: Progressing until the deadline', kind: 'Deployment', object: workload('Deployment', 'ingest:9.9.9'), at: since + 4_999, health: 'Progressing', status: { readyReplicas: 0 }, next: since + 5_000 },
    { name: '... then ProgressDeadlineExceeded: Degraded', kind: 'Deployment', object: workload('Deployment', 'ingest:9.9.9'), at: since + 5_000, health: 'Degraded', status: { readyReplicas: 0 }, next: undefined },
    { name: 'an unknown init container image counts too', kind: 'Deployment', object: workload('Deployment', 'ingest:1.5.0', { init: 'migrate:0.1' }), at: since + 60_000, health: 'Degraded', next: undefined },
    { name: 'a failing new revision leaves the old pods serving', kind: 'Deployment', object: workload('Deployment', 'ingest:9.9.9', { generation: 2, replicas: 3 }), rollout: { generation: 2, sinceMs: since, previousReady: 3 }, at: since + 6_000, health: 'Degraded', status: { replicas: 6, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 3 }, next: undefined },
    { name: 'a StatefulSet rolls out the same way', kind: 'StatefulSet', object: workload('StatefulSet', 'ingest:1.4.0', { replicas: 2 }), at: since + 500, health: 'Progressing', next: since + 1_000 },
    { name: '... and is Healthy once its pods are ready', kind: 'StatefulSet', object: workload('StatefulSet', 'ingest:1.4.0', { replicas: 2 }), at: since + 1_000, health: 'Healthy', status: { readyReplicas: 2, updatedReplicas: 2 }, next: undefined },
    { name: 'a DaemonSet runs one pod on the one node', kind: 'DaemonSet', object: workload('DaemonSet', 'busybox:1.36'), at: since + 1_000, health: 'Healthy', status: { desiredNumberScheduled: 1, numberAvailable: 1, updatedNumberScheduled: 1 }, next: undefined },
    { name: 'a DaemonSet with an unknown image has no deadline: Progressing for good', kind: 'DaemonSet', object: workload('DaemonSet', 'busybox:9'), at: since + 60_000, health: 'Progressing', next: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { status, nextChangeMs } = workloadStatus(c.kind, c.object, c.rollout ?? fresh, c.at, REGISTRY, TIMING);
      assert.equal(objectHealth({ ...c.object, status }).status, c.health, JSON.stringify(status));
      for (const [field, value] of Object.entries(c.status ?? {})) assert.deepEqual(status[field], value, field);
      assert.equal(nextChangeMs, c.next);
    });
  }

  it('writes the conditions a Deployment controller writes, and keeps their times while they say the same', () => {
    const object = workload('Deployment', 'ingest:9.9.9');
    const first: Record<string, any> = workloadStatus('Deployment', object, fresh, since, REGISTRY, TIMING).status;
    const conditions = (s: Record<string, any>) => s['conditions'].map((c: any) => `${c.type}=${c.status} ${c.reason}`);
    assert.deepEqual(conditions(first), ['Available=False MinimumReplicasUnavailable', 'Progressing=True ReplicaSetUpdated']);
    assert.match(first['conditions'][1].message, /^ReplicaSet "ingest-[a-z0-9]{10}" is progressing\. Back-off pulling image "ingest:9\.9\.9"/);
    const later = workloadStatus('Deployment', { ...object, status: first }, fresh, since + 2_000, REGISTRY, TIMING).status;
    assert.deepEqual(later, first, 'nothing new to say: the same status, so the controller writes nothing');
    const failed: Record<string, any> = workloadStatus('Deployment', { ...object, status: first }, fresh, since + 5_000, REGISTRY, TIMING).status;
    assert.deepEqual(conditions(failed), ['Available=False MinimumReplicasUnavailable', 'Progressing=False ProgressDeadlineExceeded']);
    assert.equal(failed['conditions'][0].lastTransitionTime, first['conditions'][0].lastTransitionTime);
    assert.equal(failed['conditions'][1].lastTransitionTime, new Date(since + 5_000).toISOString().replace('.000Z', 'Z'));
  });

  it('starts a rollout when the generation moves, carrying the ready pods over; one it never saw finished before it', () => {
    const rolledOut = { observedGeneration: 1, readyReplicas: 3 };
    const seen: Rollout = { generation: 1, sinceMs: 5, previousReady: 0 };
    assert.equal(observeRollout(workload('Deployment', 'ingest:1.4.0', { status: rolledOut }), seen, 99), seen, 'same generation: same rollout');
    assert.deepEqual(observeRollout(workload('Deployment', 'ingest:1.5.0', { generation: 2, status: rolledOut }), seen, 99), { generation: 2, sinceMs: 99, previousReady: 3 });
    assert.deepEqual(observeRollout(workload('Deployment', 'ingest:1.4.0', { status: rolledOut }), undefined, 99), { generation: 1, sinceMs: -Infinity, previousReady: 3 });
    assert.deepEqual(observeRollout(workload('Deployment', 'ingest:1.4.0'), undefined, 99), { generation: 1, sinceMs: 99, previousReady: 0 });
  });
});

describe('a simulated cluster: the controllers over a real API server', () => {
  let cluster: SimulatedCluster;
  let objects: KubernetesObjectApi;
  let now = 1_000_000;
  let changes = 0;

  before(async () => {
    cluster = await SimulatedCluster.start({ images: REGISTRY, ...TIMING, kubeconfigDir: tempDir('edgeplane-cluster-'), clock: () => now, resyncMs: 0, onStatusChange: () => changes++ });
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
    objects = KubernetesObjectApi.makeApiClient(kc);
  });
  after(() => cluster.stop());

  /** What a user applies: the workload without what the server sets. */
  const apply = async (image: string) => {
    const manifest = workload('Deployment', image, { replicas: 2 });
    manifest['metadata'] = { name: 'ingest', namespace: 'telemetry' };
    if (!cluster.server.get('v1', 'Namespace', undefined, 'telemetry')) await objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'telemetry' } });
    return objects.patch(manifest as KubernetesObject, undefined, undefined, 'test', true, PatchStrategy.ServerSideApply);
  };
  const health = async () => objectHealth(await objects.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ingest', namespace: 'telemetry' } })).status;

  it('finds what was applied on settle() and makes it ready startupMs later; an unknown image fails its deadline; a fix heals it', async () => {
    await apply('ingest:1.4.0');
    assert.equal(await cluster.settle(), 1);
    assert.equal(await health(), 'Progressing');
    assert.equal(await cluster.settle(), 0, 'nothing new: nothing written');
    now += 1_000;
    assert.equal(await cluster.settle(), 1);
    assert.equal(await health(), 'Healthy');
    assert.equal(changes, 2, 'each change is told');

    await apply('ingest:9.9.9');
    await cluster.settle();
    assert.equal(await health(), 'Progressing');
    now += 5_000;
    await cluster.settle();
    assert.equal(await health(), 'Degraded');
    const live = cluster.server.get('apps/v1', 'Deployment', 'telemetry', 'ingest')!;
    assert.deepEqual([live['metadata'].generation, live['status'].observedGeneration, live['status'].availableReplicas], [2, 2, 2], 'the old pods still serve');

    await apply('ingest:1.5.0');
    await cluster.settle();
    now += 1_000;
    await cluster.settle();
    assert.equal(await health(), 'Healthy');
  });

  it('applies a build as kubectl --server-side --prune would: users after their CRD and Namespace, schemas intact, what left pruned, orphans kept', async () => {
    const rest = new KubeRest(cluster.server);
    const schema = { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { band: { type: 'string', enum: ['s', 'x', 'ka'], default: 'x' } } } };
    const crd: Manifest = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'antennas.gs.example' }, spec: { group: 'gs.example', scope: 'Namespaced', names: { kind: 'Antenna', plural: 'antennas' }, versions: [{ name: 'v1', served: true, storage: true, schema }] } };
    const antenna: Manifest = { apiVersion: 'gs.example/v1', kind: 'Antenna', metadata: { name: 'k1', namespace: 'ops' }, spec: { band: 'x' } };
    const config = (name: string, annotations: Record<string, string> = {}): Manifest => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ops', annotations }, data: { a: '1' } });
    const ops: Manifest = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ops' } };
    // Users first in the build: the apply still puts the CRD and the Namespace before them.
    const first = await applyInventory(rest, 'c1', [antenna, config('keep'), config('old'), config('kept', { 'edgeplane.io/deletion-policy': 'Orphan' }), crd, ops], { commit: null, objects: [] });
    assert.equal(first.applied, 6);
    assert.deepEqual(cluster.server.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, 'antennas.gs.example')!['spec'].versions[0].schema, schema, 'enum, default and x-kubernetes-* as written');
    assert.equal(cluster.server.get('gs.example/v1', 'Antenna', 'ops', 'k1')!['spec'].band, 'x');

    const second = await applyInventory(rest, 'c2', [ops, config('keep')], first.inventory);
    assert.deepEqual(second.pruned.map((e) => e.name).sort(), ['antennas.gs.example', 'k1', 'old']);
    assert.equal(cluster.server.get('v1', 'ConfigMap', 'ops', 'old'), undefined);
    assert.ok(cluster.server.get('v1', 'ConfigMap', 'ops', 'kept'), 'an Orphan object stays');
    assert.equal(cluster.server.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, 'antennas.gs.example'), undefined);
    assert.deepEqual(second.inventory.objects.map((e) => `${e.kind}/${e.name}`), ['Namespace/ops', 'ConfigMap/keep', 'ConfigMap/kept']);

    // A refused object: nothing pruned, and the inventory keeps everything that may exist under the old commit.
    const bad: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_A_Name', namespace: 'ops' } };
    const refused = await applyInventory(rest, 'c3', [ops, bad], second.inventory).then(
      () => assert.fail('the apply should fail'),
      (error: { code: string; message: string; data: { inventory: Inventory } }) => error,
    );
    assert.equal(refused.code, 'APPLY_FAILED');
    assert.match(refused.message, /ConfigMap ops\/Not_A_Name: .*metadata\.name/);
    assert.equal(refused.data.inventory.commit, 'c2');
    assert.ok(cluster.server.get('v1', 'ConfigMap', 'ops', 'keep'), 'nothing pruned');
  });

  it('moves a due rollout on its own timer, without a settle()', async () => {
    const timed = await SimulatedCluster.start({ images: REGISTRY, startupMs: 150, progressDeadlineMs: 1_000, kubeconfigDir: tempDir('edgeplane-cluster-'), resyncMs: 0 });
    try {
      const kc = new KubeConfig();
      kc.loadFromFile(timed.kubeconfig);
      const client = KubernetesObjectApi.makeApiClient(kc);
      await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'telemetry' } });
      await client.create({ ...workload('Deployment', 'ingest:1.4.0'), metadata: { name: 'ingest', namespace: 'telemetry' } } as KubernetesObject);
      await timed.settle();
      const read = () => objectHealth(timed.server.get('apps/v1', 'Deployment', 'telemetry', 'ingest')).status;
      assert.equal(read(), 'Progressing');
      await waitFor('the Deployment is ready', () => read() === 'Healthy', 5_000);
    } finally {
      await timed.stop();
    }
  });
});

describe('simulated edges: each pulls its own branch, builds it with kustomize, applies it, and reports with the real agent', function () {
  this.timeout(120_000);
  let server: GitServer;
  let remote: string;
  let work: string;
  let cache: string;
  let tokenFile: string;
  const dark = new Set<string>();
  const edges = new Map<Station, SimulatedEdge>();
  const events: EdgeEvent[] = [];

  const edge = (station: Station) => edges.get(station)!;
  const state = (station: Station): EdgeState => edge(station).state();
  const running = (station: Station) => state(station).history.at(-1)?.sourceCommit;
  const specHead = () => git(work, 'rev-parse', 'HEAD').trim();
  const remoteReport = (station: Station): LocationReport | undefined => {
    const ref = `refs/heads/edgeplane-reports/${station}`;
    if (!refsUnder(remote, ref).has(ref)) return undefined;
    return parse(git(remote, 'show', `${ref}:report.yaml`)) as LocationReport;
  };
  const deployment = (station: Station) => edge(station).cluster.server.get('apps/v1', 'Deployment', 'telemetry', 'telemetry-ingest')!;

  /** Commits a spec change, pushes it and reconciles: the location branches on the server move. */
  async function publish(files: Record<string, string>, message: string): Promise<string> {
    changeSpec(work, files, message);
    await gitAsync(work, 'push', '-q', server.authUrl('demo.git'), 'main');
    const result = await runCli('reconcile', '--repo', server.url('demo.git'), '--token-file', tokenFile, '--cache-dir', cache);
    assert.equal(result.code, 0, result.err);
    return specHead();
  }
  const withImageTag = (tag: string) => ({
    'customizers/telemetry.yaml': fs.readFileSync(path.join(work, 'customizers/telemetry.yaml'), 'utf8').replace(/imageTag: "[^"]*"/, `imageTag: "${tag}"`),
  });

  before(async () => {
    const root = tempDir('edgeplane-edges-');
    server = await startGitServer({
      root,
      user: USER,
      token: TOKEN,
      accounts: Object.fromEntries(STATIONS.map((s) => [s, tokenOf(s)])),
      link: (user) => (user !== undefined && dark.has(user) ? { down: true } : undefined),
    });
    remote = await createBareRepo(root, 'demo.git');
    work = specRepoFrom('demo');
    cache = tempDir('edgeplane-edges-cache-');
    tokenFile = path.join(tempDir(), 'token');
    fs.writeFileSync(tokenFile, TOKEN);
    process.env['EDGEPLANE_GIT_USERNAME'] = USER;
    await publish({ 'workloads/telemetry/calibration.yaml': calibrationTable() }, 'calibration tables');

    for (const station of STATIONS) {
      edges.set(
        station,
        await SimulatedEdge.start({
          station,
          repoUrl: server.url('demo.git'),
          auth: { username: station, token: tokenOf(station) },
          stateDir: tempDir(`edgeplane-edge-${station}-`),
          kubectl: kubectlPath(),
          pollIntervalMs: 400,
          reportIntervalMs: 10_000,
          images: IMAGES,
          startupMs: 200,
          progressDeadlineMs: 1_000,
          onEvent: (event) => events.push(event),
        }),
      );
    }
  });

  after(async () => {
    delete process.env['EDGEPLANE_GIT_USERNAME'];
    await Promise.all([...edges.values()].map((e) => e.stop()));
    await server.close();
  });

  it('applies its own branch, workloads become ready, and the report on edgeplane-reports/<station> says applied and Healthy', async () => {
    const source = specHead();
    await waitFor('every station runs the spec', () => STATIONS.every((s) => running(s) === source));
    for (const station of STATIONS) {
      const branch = refsUnder(remote, `refs/heads/edgeplane/${station}`).get(`refs/heads/edgeplane/${station}`)!;
      const now = state(station);
      assert.equal(now.appliedCommit, branch);
      assert.equal(now.sourceCommit, source);
      assert.equal(now.fetchFailures, 0);
      // The edge fetched its own branch and nothing else.
      const fetched = [...refsUnder(`${stateDirOf(station)}/agent/output.git`, 'refs/remotes/output/edgeplane/').keys()];
      assert.deepEqual(fetched, [`refs/remotes/output/edgeplane/${station}`]);
      await waitFor(`${station}'s report reaches the server`, () => remoteReport(station)?.status.applied?.sourceCommit === source && remoteReport(station)?.status.consumer?.health === 'Healthy');
      const report = remoteReport(station)!;
      assert.equal(report.status.applied?.commit, branch);
      assert.deepEqual(report.status.consumer, { kind: 'kubectl', sync: 'Synced', health: 'Healthy' });
      assert.ok(report.status.objects!.every((o) => o.health === 'Healthy' && o.sync === 'Synced'), JSON.stringify(report.status.objects));
    }
    const live = deployment('cebreros');
    assert.equal(live['spec'].template.spec.containers[0].image, 'registry.example.org/ingest:1.4.2');
    assert.deepEqual([live['status'].readyReplicas, live['status'].availableReplicas, live['status'].observedGeneration], [3, 3, live['metadata'].generation]);
    assert.equal(deployment('kiruna')['status'].readyReplicas, 2, 'per-station replicas from the customizer');
    // Kiruna's antenna controller: its CRD went in first, then the custom resource of that kind.
    assert.ok(edge('kiruna').cluster.server.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, 'antennaconfigs.groundstation.edgeplane.io'));
    assert.equal(remoteReport('kiruna')!.status.objects!.filter((o) => o.kind === 'AntennaConfig' || o.kind === 'CustomResourceDefinition').length, 2);
    assert.equal(edge('redu').cluster.server.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, 'antennaconfigs.groundstation.edgeplane.io'), undefined);
  });

  it('takes a new revision on its own schedule, fetching a small fraction of its branch for a small change', async () => {
    const before = new Map(STATIONS.map((s) => [s, server.traffic(s).bytesSent]));
    const source = await publish(withImageTag('1.5.0'), 'ingest 1.5.0');
    await waitFor('every station runs ingest 1.5.0', () => STATIONS.every((s) => running(s) === source));
    assert.equal(deployment('redu')['spec'].template.spec.containers[0].image, 'registry.example.org/ingest:1.5.0');
    const branchBytes = await packedSize(remote, 'refs/heads/edgeplane/cebreros');
    for (const station of STATIONS) {
      const fetched = server.traffic(station).bytesSent - before.get(station)!;
      assert.ok(fetched > 0 && fetched * 10 < branchBytes, `${station} downloaded ${fetched} bytes for a one-line change; its branch packs to ${branchBytes}`);
    }
    // Nothing new: a poll costs one small fetch, no build and no apply.
    const idle = state('cebreros');
    const idleBytes = server.traffic('cebreros').bytesSent;
    await waitFor('three more polls', () => state('cebreros').fetches >= idle.fetches + 3);
    const after = state('cebreros');
    assert.equal(after.applies, idle.applies);
    assert.ok((server.traffic('cebreros').bytesSent - idleBytes) / (after.fetches - idle.fetches) < 1_000, "an idle poll downloads next to nothing");
  });

  it('an image the registry lacks: the old pods keep serving, the rollout passes its deadline, the report says Degraded; a rollback heals it', async () => {
    const good = running('cebreros')!;
    const bad = await publish(withImageTag('9.9.9'), 'ingest 9.9.9 (never built)');
    await waitFor('the report says Degraded', () => remoteReport('cebreros')?.status.applied?.sourceCommit === bad && remoteReport('cebreros')?.status.consumer?.health === 'Degraded');
    const ingest = remoteReport('cebreros')!.status.objects!.find((o) => o.kind === 'Deployment')!;
    assert.equal(ingest.health, 'Degraded');
    assert.match(ingest.message ?? '', /exceeded its progress deadline/);
    const live = deployment('cebreros');
    assert.equal(live['status'].availableReplicas, 3, 'the previous revision still serves');
    assert.deepEqual(live['status'].conditions.find((c: { type: string }) => c.type === 'Progressing').reason, 'ProgressDeadlineExceeded');
    assert.equal(running('cebreros'), good, 'a degraded revision is never "running"');
    await waitFor('the edge tells of it', () => events.some((e) => e.station === 'cebreros' && e.kind === 'reported' && e.health === 'Degraded'));

    const healed = await publish(withImageTag('1.5.0'), 'back to ingest 1.5.0');
    await waitFor('every station runs the rollback', () => STATIONS.every((s) => running(s) === healed));
    assert.equal(remoteReport('cebreros')?.status.consumer?.health, 'Healthy');
  });

  it('a dark link: fetches fail and the cluster keeps running; when the link returns the edge catches up and reports', async () => {
    const before = state('redu');
    dark.add('redu');
    const table = fs.readFileSync(path.join(work, 'workloads/telemetry/calibration.yaml'), 'utf8');
    const source = await publish({ 'workloads/telemetry/calibration.yaml': table.replace(/row-0000: "[0-9a-f]+"/, 'row-0000: "recalibrated"') }, 'recalibrate');
    await waitFor('the lit stations run it', () => running('kiruna') === source && running('cebreros') === source);
    await waitFor('redu fails a few fetches', () => state('redu').fetchFailures >= before.fetchFailures + 3);
    const cut = state('redu');
    assert.equal(cut.appliedCommit, before.appliedCommit, 'nothing new reached it');
    assert.match(cut.lastFetchError ?? '', /fetch/);
    assert.equal(deployment('redu')['status'].readyReplicas, 1, 'its workloads keep running');
    await edge('redu').report();
    assert.equal(state('redu').reportPending, true, 'the report waits for the link');
    assert.notEqual(remoteReport('redu')?.status.observedAt, undefined);

    dark.delete('redu');
    await waitFor('redu catches up', () => running('redu') === source);
    await waitFor('its report lands', () => remoteReport('redu')?.status.applied?.sourceCommit === source);
    assert.equal(state('redu').reportPending, false);
  });

  it('retries a failed fetch soon, backing off, rather than a whole poll interval later', async () => {
    // A second edge for redu (same account, so the same link) that polls once a minute, its first poll at once.
    const draws = [0];
    dark.add('redu');
    const slow = await SimulatedEdge.start({
      station: 'redu',
      repoUrl: server.url('demo.git'),
      auth: { username: 'redu', token: tokenOf('redu') },
      stateDir: tempDir('edgeplane-edge-redu-retry-'),
      kubectl: kubectlPath(),
      pollIntervalMs: 60_000,
      retryMs: 100,
      reportIntervalMs: 60_000,
      images: IMAGES,
      startupMs: 200,
      progressDeadlineMs: 1_000,
      random: () => draws.shift() ?? 0.5,
    });
    try {
      await waitFor('four fetches failed within seconds', () => slow.state().fetchFailures >= 4, 10_000);
      assert.equal(slow.state().appliedCommit, null);
      dark.delete('redu');
      await waitFor('a retry gets through once the link is back', () => slow.state().appliedCommit !== null, 15_000);
      const { fetches } = slow.state();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(slow.state().fetches, fetches, 'after a success the edge polls at its interval again');
    } finally {
      dark.delete('redu');
      await slow.stop();
    }
  });

  function stateDirOf(station: Station): string {
    return path.dirname(edge(station).cluster.kubeconfig);
  }
});
