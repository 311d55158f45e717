import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { LocationReport } from '../../src/api/locationReport.js';
import { readLocationOutput } from '../../src/status/agent/locationOutput.js';
import { runAgent, runAgentOnce, type AgentOptions, type AgentRound } from '../../src/status/agent/runAgent.js';
import { objectHealth } from '../../src/status/health.js';
import type { Summary } from '../../src/status/summary.js';
import { createBareRepo, startGitServer, type GitServer } from '../support/gitServer.js';
import { startKubeApiServer, type KubeApiServer } from '../support/kubeApiServer.js';
import { fsck, git, gitAsync, refsUnder, ROOT, runCli, specRepoFrom, tempDir } from '../support/specRepo.js';

const USER = 'edge';
const TOKEN = 'agent-token-77aa';
const T0 = new Date('2026-04-01T08:00:00Z');

/** The status a Deployment controller writes for a finished rollout of `replicas`. */
function rolledOut(replicas: number) {
  return {
    observedGeneration: 1,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    conditions: [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet has successfully progressed.' },
    ],
  };
}

describe('edgeplane agent at a location: reads its objects, computes health, pushes reports; keeps them while Git is away', function () {
  this.timeout(180_000);
  let git_: GitServer;
  let kube: KubeApiServer;
  let kubeconfig: string;
  let remote: string;
  let cache: string;
  let tokenFile: string;
  let options: AgentOptions;

  before(async () => {
    const root = tempDir('edgeplane-agent-server-');
    git_ = await startGitServer({ root, user: USER, token: TOKEN });
    remote = await createBareRepo(root, 'demo.git');
    const spec = specRepoFrom('demo');
    await gitAsync(spec, 'push', '-q', git_.authUrl('demo.git'), 'main');
    cache = tempDir('edgeplane-agent-cache-');
    tokenFile = path.join(tempDir(), 'token');
    fs.writeFileSync(tokenFile, TOKEN);
    process.env['EDGEPLANE_GIT_USERNAME'] = USER;
    const reconciled = await runCli('reconcile', '--repo', git_.url('demo.git'), '--token-file', tokenFile, '--cache-dir', cache, '--now', '2026-04-01T07:00:00Z');
    assert.equal(reconciled.code, 0, reconciled.err);

    // The location's cluster runs what `kubectl apply -k` of its branch created, with controller-written status.
    kube = await startKubeApiServer();
    kubeconfig = kube.writeKubeconfig(tempDir('edgeplane-agent-kube-'), 'cebreros');
    const head = refsUnder(remote, 'refs/heads/edgeplane/cebreros').get('refs/heads/edgeplane/cebreros')!;
    const output = (await readLocationOutput(remote, head, ''))!;
    for (const object of output.objects) {
      const live: Record<string, any> = { ...object.manifest, metadata: { ...(object.manifest['metadata'] as object), generation: 1 } };
      if (object.kind === 'Deployment') live['status'] = rolledOut(live['spec'].replicas);
      if (object.kind === 'DaemonSet') live['status'] = { observedGeneration: 1, currentNumberScheduled: 1, desiredNumberScheduled: 1, numberAvailable: 1, numberReady: 1, updatedNumberScheduled: 1, numberMisscheduled: 0 };
      kube.put(live);
    }
    options = {
      location: 'cebreros',
      repo: git_.url('demo.git'),
      auth: { username: USER, token: TOKEN },
      stateDir: tempDir('edgeplane-agent-state-'),
      access: { kubeconfig },
      healthOf: objectHealth,
    };
  });

  after(async () => {
    delete process.env['EDGEPLANE_GIT_USERNAME'];
    await git_.close();
    await kube.close();
  });

  const remoteReport = (): LocationReport => parse(git(remote, 'show', 'refs/heads/edgeplane-reports/cebreros:report.yaml')) as LocationReport;
  const status = async (now: string): Promise<Summary> => {
    const result = await runCli('status', '--repo', git_.url('demo.git'), '--token-file', tokenFile, '--cache-dir', cache, '--now', now, '--format', 'json');
    assert.equal(result.code, 0, result.err);
    return JSON.parse(result.out) as Summary;
  };
  const stateOf = (summary: Summary, placement: string, location: string) =>
    summary.placements.find((p) => p.metadata.name === placement)!.status.locationStatuses.find((l) => l.name === location)!;

  it('reports every object of its output with its health, and the output commit as applied when the cluster matches it', async () => {
    const round = await runAgentOnce(options, T0);
    assert.equal(round.delivery.delivery, 'pushed', round.delivery.error);
    assert.ok(round.fetched);
    const report = remoteReport();
    const head = refsUnder(remote, 'refs/heads/edgeplane/cebreros').get('refs/heads/edgeplane/cebreros')!;
    assert.equal(report.status.applied?.commit, head);
    assert.match(report.status.applied?.digest ?? '', /^sha1:[0-9a-f]{40}$/);
    assert.deepEqual(report.status.consumer, { kind: 'kubectl', sync: 'Synced', health: 'Healthy' });
    assert.deepEqual(
      report.status.objects!.map((o) => `${o.kind}/${o.name} ${o.health} ${o.sync}`),
      [
        'ConfigMap/fleet-info Healthy Synced',
        'ConfigMap/scrape-labels Healthy Synced',
        'ConfigMap/station Healthy Synced',
        'Namespace/monitoring Healthy Synced',
        'Namespace/telemetry Healthy Synced',
        'Service/telemetry-ingest Healthy Synced',
        'ServiceAccount/node-exporter Healthy Synced',
        'DaemonSet/node-exporter Healthy Synced',
        'Deployment/telemetry-ingest Healthy Synced',
      ],
    );
    const deployment = report.status.objects!.find((o) => o.kind === 'Deployment')!;
    assert.equal((deployment.status as { readyReplicas: number }).readyReplicas, 3);
    const summary = await status('2026-04-01T08:01:00Z');
    assert.equal(stateOf(summary, 'telemetry', 'cebreros').state, 'healthy');
    assert.equal(stateOf(summary, 'monitoring', 'cebreros').state, 'healthy');
    assert.equal(stateOf(summary, 'telemetry', 'kiruna').state, 'unknown');
  });

  it('computes health from what the controller wrote: a Deployment past its progress deadline is Degraded', async () => {
    const example = parse(fs.readFileSync(path.join(ROOT, 'test/reference/examples/kubernetes/deployment-progress-deadline-exceeded.yaml'), 'utf8'));
    const live = kube.get('apps/v1', 'Deployment', 'telemetry', 'telemetry-ingest')!;
    kube.put({ ...live, status: example.status });
    const round = await runAgentOnce(options, new Date(T0.getTime() + 60_000));
    const deployment = round.report.status.objects!.find((o) => o.kind === 'Deployment')!;
    assert.equal(deployment.health, 'Degraded');
    assert.match(deployment.message!, /progress deadline/);
    const summary = await status('2026-04-01T08:02:00Z');
    assert.equal(stateOf(summary, 'telemetry', 'cebreros').state, 'degraded');
    assert.equal(stateOf(summary, 'monitoring', 'cebreros').state, 'healthy', 'a broken object of one placement does not taint the other');
    const broken = summary.placements.find((p) => p.metadata.name === 'telemetry')!.status.brokenObjects.first;
    assert.deepEqual(broken.map((o) => [o.location, o.kind, o.name, o.health]), [['cebreros', 'Deployment', 'telemetry-ingest', 'Degraded']]);
    kube.put({ ...live, status: rolledOut(3) });
  });

  it('sees drift: a changed live object is OutOfSync and the placement progressing; a deleted one is Missing', async () => {
    const station = kube.get('v1', 'ConfigMap', 'telemetry', 'station')!;
    kube.put({ ...station, data: { ...station['data'], antenna: 'edited-by-hand' } });
    const drifted = await runAgentOnce(options, new Date(T0.getTime() + 120_000));
    assert.equal(drifted.report.status.consumer?.sync, 'OutOfSync');
    assert.equal(drifted.report.status.objects!.find((o) => o.name === 'station')!.sync, 'OutOfSync');
    assert.equal(stateOf(await status('2026-04-01T08:03:00Z'), 'telemetry', 'cebreros').state, 'progressing');

    kube.put(station);
    kube.remove('v1', 'ServiceAccount', 'monitoring', 'node-exporter');
    const missing = await runAgentOnce(options, new Date(T0.getTime() + 180_000));
    const account = missing.report.status.objects!.find((o) => o.kind === 'ServiceAccount')!;
    assert.deepEqual([account.health, account.message], ['Missing', 'ServiceAccount node-exporter does not exist']);
    assert.equal(stateOf(await status('2026-04-01T08:04:00Z'), 'monitoring', 'cebreros').state, 'degraded');
  });

  it('keeps reporting while Git is unreachable and pushes only the latest report when it is back', async () => {
    const before = refsUnder(remote, 'refs/heads/edgeplane-reports/cebreros').get('refs/heads/edgeplane-reports/cebreros')!;
    const offline = { ...options, repo: 'http://127.0.0.1:9/demo.git' };
    const first = await runAgentOnce(offline, new Date(T0.getTime() + 240_000));
    const second = await runAgentOnce(offline, new Date(T0.getTime() + 300_000));
    for (const round of [first, second]) {
      assert.equal(round.delivery.delivery, 'offline');
      assert.equal(round.fetched, false, 'the output was not fetched: the last copy was used');
      assert.equal(round.report.status.objects!.length, 9, 'the edge runs on: it still knows what it should run');
    }
    assert.equal(refsUnder(remote, 'refs/heads/edgeplane-reports/cebreros').get('refs/heads/edgeplane-reports/cebreros'), before, 'nothing reached the center');
    const stateRepo = path.join(options.stateDir, 'output.git');
    assert.equal(git(stateRepo, 'rev-parse', 'refs/heads/edgeplane-reports/cebreros').trim(), second.delivery.commit, 'the latest report is kept');
    assert.equal(git(stateRepo, 'rev-parse', `${second.delivery.commit}^`).trim(), before, 'built on the last pushed report, not on the unpushed one');

    const back = await runAgentOnce(options, new Date(T0.getTime() + 360_000));
    assert.equal(back.delivery.delivery, 'pushed');
    const head = refsUnder(remote, 'refs/heads/edgeplane-reports/cebreros').get('refs/heads/edgeplane-reports/cebreros')!;
    assert.equal(head, back.delivery.commit);
    assert.equal(git(remote, 'rev-parse', `${head}^`).trim(), before, 'fast-forward from what the center had');
    assert.equal(remoteReport().status.observedAt, '2026-04-01T08:06:00Z');
    fsck(remote);
  });

  it('an agent that lost its state builds on the reports already pushed (fast-forward only)', async () => {
    const before = refsUnder(remote, 'refs/heads/edgeplane-reports/cebreros').get('refs/heads/edgeplane-reports/cebreros')!;
    const fresh = { ...options, stateDir: tempDir('edgeplane-agent-fresh-') };
    const round = await runAgentOnce(fresh, new Date(T0.getTime() + 420_000));
    assert.equal(round.delivery.delivery, 'pushed', round.delivery.error);
    assert.equal(git(remote, 'rev-parse', `${round.delivery.commit}^`).trim(), before);
    fsck(remote);
  });

  it('runs a round every interval until stopped; a failing round does not stop it', async () => {
    const controller = new AbortController();
    const rounds: (AgentRound | Error)[] = [];
    let tick = 0;
    let broken = true;
    await runAgent({
      ...options,
      get access() {
        return broken ? { kubeconfig: path.join(tempDir(), 'gone.kubeconfig') } : { kubeconfig };
      },
      intervalMs: 5,
      signal: controller.signal,
      clock: () => new Date(T0.getTime() + 600_000 + 1000 * tick++),
      onRound: (round) => {
        rounds.push(round);
        if (rounds.length === 2) broken = false;
        if (rounds.length === 3) controller.abort();
      },
    });
    assert.deepEqual(rounds.map((r) => (r instanceof Error ? 'error' : r.delivery.delivery)), ['error', 'error', 'pushed']);
    assert.match((rounds[0] as Error).message, /cannot load Kubernetes credentials/);
  });

  it('reads an Argo CD Application at the edge for what it applied', async () => {
    const head = refsUnder(remote, 'refs/heads/edgeplane/kiruna').get('refs/heads/edgeplane/kiruna')!;
    const example = parse(fs.readFileSync(path.join(ROOT, 'test/reference/examples/argocd/application-synced-healthy-sockshop.yaml'), 'utf8'));
    kube.put({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'edgeplane-kiruna', namespace: 'argocd' },
      spec: { project: 'default', source: { repoURL: git_.url('demo.git'), targetRevision: 'edgeplane/kiruna', path: '.' }, destination: { server: 'https://kubernetes.default.svc' } },
      status: { ...example.status, sync: { status: 'Synced', revision: head }, resources: [] },
    });
    const round = await runAgentOnce({ ...options, location: 'kiruna', stateDir: tempDir('edgeplane-agent-kiruna-') }, T0);
    assert.equal(round.report.status.consumer?.kind, 'argocd', 'the consumer comes from the published record');
    assert.deepEqual([round.report.status.consumer?.sync, round.report.status.consumer?.health], ['Synced', 'Healthy']);
    assert.equal(round.report.status.applied?.commit, head);
    assert.match(round.report.status.applied?.digest ?? '', /^sha1:/);
  });
});
