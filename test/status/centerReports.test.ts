import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { Summary } from '../../src/status/summary.js';
import { startKubeApiServer, type KubeApiServer } from '../support/kubeApiServer.js';
import { refsUnder, ROOT, runCli, specRepoFrom, tempDir } from '../support/specRepo.js';

/** The demo fleet with a hub Argo CD (kiruna, new-norcia) and Flux at redu and malargue, all on one API server. */
describe('edgeplane status --from-argocd --from-flux: reports built at the center', function () {
  this.timeout(120_000);
  let repo: string;
  let kube: KubeApiServer;
  let hub: string;
  let edges: string;
  const head = (location: string) => refsUnder(repo, `refs/heads/edgeplane/${location}`).get(`refs/heads/edgeplane/${location}`)!;

  before(async () => {
    repo = specRepoFrom('demo');
    assert.equal((await runCli('reconcile', '--repo', repo, '--now', '2026-05-01T00:00:00Z')).code, 0);
    kube = await startKubeApiServer();
    hub = kube.writeKubeconfig(tempDir(), 'hub');
    // One kubeconfig whose contexts are named after the Flux locations (here all reach the same test server).
    const config = JSON.parse(fs.readFileSync(hub, 'utf8'));
    config.contexts = ['redu', 'malargue'].map((name) => ({ name, context: { ...config.contexts[0].context } }));
    edges = path.join(tempDir(), 'edges.kubeconfig');
    fs.writeFileSync(edges, JSON.stringify(config));

    const sockshop = parse(fs.readFileSync(path.join(ROOT, 'test/reference/examples/argocd/application-synced-healthy-sockshop.yaml'), 'utf8'));
    const degraded = parse(fs.readFileSync(path.join(ROOT, 'test/reference/examples/argocd/application-synced-degraded-helm.yaml'), 'utf8'));
    const application = (location: string, status: object) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: `edgeplane-${location}`, namespace: 'argocd', labels: { 'app.kubernetes.io/managed-by': 'edgeplane' } },
      spec: { project: 'default', source: { repoURL: repo, targetRevision: `edgeplane/${location}`, path: '.' }, destination: { name: location } },
      status,
    });
    kube.put(application('kiruna', { ...sockshop.status, reconciledAt: '2026-05-01T00:09:00Z', sync: { status: 'Synced', revision: head('kiruna') }, resources: [] }));
    kube.put(application('new-norcia', { ...degraded.status, reconciledAt: '2026-05-01T00:09:30Z', sync: { status: 'Synced', revision: head('new-norcia') }, resources: [] }));

    const ready = parse(fs.readFileSync(path.join(ROOT, 'test/reference/examples/flux/kustomization-v1-ready-healthy.yaml'), 'utf8'));
    kube.put({
      ...ready,
      metadata: { name: 'edgeplane-redu', namespace: 'flux-system', generation: 1 },
      status: { ...ready.status, inventory: { entries: [] }, lastAppliedRevision: `edgeplane/redu@sha1:${head('redu')}`, lastAttemptedRevision: `edgeplane/redu@sha1:${head('redu')}` },
    });
  });
  after(async () => kube.close());

  it('counts the Argo CD and Flux locations by what their consumers say', async () => {
    const result = await runCli('status', '--repo', repo, '--now', '2026-05-01T00:10:00Z', '--from-argocd', hub, '--from-flux', edges, '-o', 'json');
    assert.equal(result.code, 0, result.err);
    const summary = JSON.parse(result.out) as Summary;
    const telemetry = summary.placements.find((p) => p.metadata.name === 'telemetry')!;
    const state = (location: string) => telemetry.status.locationStatuses.find((l) => l.name === location)!;
    assert.equal(state('kiruna').state, 'healthy');
    assert.equal(state('kiruna').commit, head('kiruna'));
    assert.deepEqual([state('new-norcia').state, state('new-norcia').reason], ['degraded', 'argocd reports Degraded']);
    assert.equal(state('redu').state, 'healthy');
    assert.equal(state('malargue').state, 'unknown', 'Flux at malargue has no edgeplane Kustomization');
    assert.deepEqual(summary.notes, ['flux at malargue: no Kustomization edgeplane-malargue (or one labeled app.kubernetes.io/managed-by=edgeplane); no report']);
    assert.deepEqual(telemetry.status.counts, { healthy: 2, progressing: 0, pending: 0, degraded: 1, stale: 0, unknown: 3 });
  });

  it('a hub that stopped reconciling makes its locations stale', async () => {
    const result = await runCli('status', '--repo', repo, '--now', '2026-05-01T01:00:00Z', '--from-argocd', hub, '-o', 'json');
    const summary = JSON.parse(result.out) as Summary;
    const telemetry = summary.placements.find((p) => p.metadata.name === 'telemetry')!;
    assert.deepEqual(
      telemetry.status.locationStatuses.filter((l) => l.state === 'stale').map((l) => [l.name, l.lastReport]),
      [
        ['kiruna', '2026-05-01T00:09:00Z'],
        ['new-norcia', '2026-05-01T00:09:30Z'],
      ],
    );
  });
});
