import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { LocationReport } from '../../src/api/locationReport.js';
import { validateAgainstSchema } from '../../src/api/schemas.js';
import { objectHealth } from '../../src/status/health.js';
import { locationOfApplication } from '../../src/status/sources/argocdApplication.js';
import { readArgoReports } from '../../src/status/sources/readArgocd.js';
import { readFluxReports } from '../../src/status/sources/readFlux.js';
import { startKubeApiServer, type KubeApiServer } from '../support/kubeApiServer.js';
import { ROOT, tempDir } from '../support/specRepo.js';

const EXAMPLES = path.join(ROOT, 'test/reference/examples');
const NOW = new Date('2030-01-01T00:00:00Z');

/** Every YAML document of a reference example file, as the controller wrote it. */
function documentsOf(file: string): Record<string, any>[] {
  return parseAllDocuments(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'))
    .map((d) => d.toJS() as Record<string, any>)
    .filter((d) => d && typeof d === 'object');
}

/** The parts of a report the tables below compare. */
function digest(report: LocationReport) {
  const s = report.status;
  return {
    observedAt: s.observedAt,
    applied: s.applied?.commit,
    sync: s.consumer?.sync,
    health: s.consumer?.health,
    revision: s.consumer?.revision,
    operation: s.consumer?.operation?.phase,
    objects: (s.objects ?? []).length,
  };
}

describe('reports built at the center from the real objects of test/reference/examples, served by a Kubernetes API server', () => {
  let server: KubeApiServer;
  let kubeconfig: string;

  before(async () => {
    server = await startKubeApiServer();
    kubeconfig = server.writeKubeconfig(tempDir('edgeplane-kube-'), 'hub');
  });
  after(async () => server.close());

  describe('a hub Argo CD: Application sync, health, resources and operationState', () => {
    const expected: Record<string, ReturnType<typeof digest> & { location: string }> = {
      'application-health-only-degraded.yaml': { location: 'health-only-degraded', observedAt: '2030-01-01T00:00:00Z', applied: undefined, sync: 'Unknown', health: 'Degraded', revision: undefined, operation: undefined, objects: 0 },
      'application-multisource-succeeded.yaml': { location: 'my-app', observedAt: '2030-01-01T00:00:00Z', applied: 'a'.repeat(40), sync: 'Unknown', health: 'Unknown', revision: 'a'.repeat(40), operation: 'Succeeded', objects: 0 },
      'application-operation-running.yaml': { location: 'my-app', observedAt: '2030-01-01T00:00:00Z', applied: undefined, sync: 'OutOfSync', health: 'Progressing', revision: undefined, operation: 'Running', objects: 0 },
      'application-operation-succeeded-minimal.yaml': { location: 'my-app', observedAt: '2030-01-01T00:00:00Z', applied: undefined, sync: 'Synced', health: 'Healthy', revision: undefined, operation: 'Succeeded', objects: 0 },
      'application-outofsync-degraded-conditions.yaml': { location: 'my-app-4', observedAt: '2030-01-01T00:00:00Z', applied: undefined, sync: 'OutOfSync', health: 'Degraded', revision: undefined, operation: undefined, objects: 0 },
      'application-outofsync-missing.yaml': { location: 'health', observedAt: '2020-06-10T06:16:38Z', applied: 'd538b66198c18e4d4363ba6b92b98e171747861f', sync: 'OutOfSync', health: 'Missing', revision: 'd538b66198c18e4d4363ba6b92b98e171747861f', operation: 'Succeeded', objects: 3 },
      'application-synced-degraded-helm.yaml': { location: 'snipe-it-helm', observedAt: '2024-10-07T10:00:30Z', applied: undefined, sync: 'Synced', health: 'Degraded', revision: '3.4.1', operation: 'Succeeded', objects: 5 },
      'application-synced-healthy-full.yaml': { location: 'velero-test', observedAt: '2024-03-05T07:33:04Z', applied: undefined, sync: 'Synced', health: 'Healthy', revision: 'rev1', operation: 'Succeeded', objects: 2 },
      'application-synced-healthy-sockshop.yaml': { location: 'sock-shop', observedAt: '2024-01-22T18:13:51Z', applied: 'd7927a27b4533926b7d86b5f249cd9ebe7625e90', sync: 'Synced', health: 'Healthy', revision: 'd7927a27b4533926b7d86b5f249cd9ebe7625e90', operation: 'Succeeded', objects: 27 },
    };
    const files = fs.readdirSync(path.join(EXAMPLES, 'argocd')).filter((f) => f.startsWith('application-'));

    it('covers every Application example', () => assert.deepEqual(files.sort(), Object.keys(expected).sort()));

    for (const file of files) {
      it(`reads ${file}`, async () => {
        const [app] = documentsOf(`argocd/${file}`);
        // A real API server cannot hold an object without a name: the name-less fixture gets one, nothing else.
        const stored = app!['metadata'] ? app! : { ...app!, metadata: { name: 'health-only-degraded', namespace: 'argocd' } };
        server.put(stored);
        // ApplicationSets live beside them and are not Applications: the reader must not pick them up.
        for (const set of documentsOf('argocd/applicationset-healthy.yaml')) server.put(set);
        try {
          const read = await readArgoReports({ access: { kubeconfig }, mapping: { branchPrefix: 'edgeplane/' }, now: NOW, locationOf: (a) => (a as any)?.metadata?.name });
          assert.equal(read.reports.length, 1);
          const report = read.reports[0]!;
          const want = expected[file]!;
          assert.deepEqual({ location: report.metadata.name, ...digest(report) }, want);
          assert.deepEqual(validateAgainstSchema('LocationReport', JSON.parse(JSON.stringify(report))), [], 'a valid LocationReport');
        } finally {
          server.remove(stored['apiVersion'], 'Application', stored['metadata'].namespace, stored['metadata'].name);
        }
      });
    }

    it('keeps each resource: group and version, namespace, health, health message and sync', async () => {
      const [app] = documentsOf('argocd/application-outofsync-missing.yaml');
      server.put(app!);
      try {
        const read = await readArgoReports({ access: { kubeconfig }, mapping: { branchPrefix: 'edgeplane/' }, now: NOW, locationOf: () => 'bridge' });
        assert.deepEqual(
          read.reports[0]!.status.objects!.map((o) => [o.apiVersion, o.kind, o.namespace, o.name, o.health, o.sync]),
          [
            ['v1', 'Service', 'bridge', 'test-healthcheck-service', 'Healthy', 'Synced'],
            ['bitnami.com/v1alpha1', 'SealedSecret', 'bridge', 'test-healthcheck-secret', 'Missing', 'OutOfSync'],
            ['cert-manager.io/v1alpha2', 'Certificate', 'bridge', 'test-certificate-v1', 'Missing', 'OutOfSync'],
          ],
        );
      } finally {
        server.remove('argoproj.io/v1alpha1', 'Application', 'argocd', 'health');
      }
    });

    it('maps edgeplane Applications to locations by label, target revision, folder path or name, and notes the rest', async () => {
      const mapping = { branchPrefix: 'edgeplane/' };
      assert.equal(locationOfApplication({ metadata: { labels: { 'edgeplane.io/location': 'kiruna' } } }, mapping), 'kiruna');
      assert.equal(locationOfApplication({ spec: { source: { targetRevision: 'edgeplane/redu', path: '.' } } }, mapping), 'redu');
      assert.equal(locationOfApplication({ spec: { source: { targetRevision: 'edgeplane-locations', path: 'locations/kourou' } } }, mapping), 'kourou');
      assert.equal(locationOfApplication({ metadata: { name: 'edgeplane-cebreros' } }, mapping), 'cebreros');
      assert.equal(locationOfApplication({ status: { health: { status: 'Degraded' } } }, mapping), undefined);
      const [app] = documentsOf('argocd/application-synced-healthy-full.yaml');
      server.put(app!);
      try {
        const read = await readArgoReports({ access: { kubeconfig }, mapping, now: NOW });
        assert.deepEqual(read.reports, []);
        assert.deepEqual(read.notes, ['Argo CD Application argo-cd/velero-test: deploys no edgeplane location; skipped']);
      } finally {
        server.remove('argoproj.io/v1alpha1', 'Application', 'argo-cd', 'velero-test');
      }
    });
  });

  describe('Flux at a location: Kustomization Ready condition, inventory and lastAppliedRevision', () => {
    const expected: Record<string, ReturnType<typeof digest>> = {
      'mission-control-agent': { observedAt: '2030-01-01T00:00:00Z', applied: 'dcd6f4eeafdac4a4d34affc1c23883eb6fa8a772', sync: 'OutOfSync', health: 'Degraded', revision: 'v1.40.2@sha1:dcd6f4eeafdac4a4d34affc1c23883eb6fa8a772', operation: 'Failed', objects: 16 },
      cronjobs: { observedAt: '2030-01-01T00:00:00Z', applied: undefined, sync: 'OutOfSync', health: 'Degraded', revision: undefined, operation: 'Failed', objects: 0 },
      'saas-prod': { observedAt: '2030-01-01T00:00:00Z', applied: '9b42e2fb78ab28c2751fd990adf70e99876fc773', sync: 'Synced', health: 'Healthy', revision: 'main@sha1:9b42e2fb78ab28c2751fd990adf70e99876fc773', operation: 'Succeeded', objects: 3 },
      'sass-dev': { observedAt: '2030-01-01T00:00:00Z', applied: 'c75656a8fdb322852f038f863aca0bf94a79f7e4', sync: 'OutOfSync', health: 'Progressing', revision: 'main@sha1:c75656a8fdb322852f038f863aca0bf94a79f7e4', operation: 'Running', objects: 30 },
      canaries: { observedAt: '2030-01-01T00:00:00Z', applied: 'df995110d56b6192fbc6d58d80385c4664ae38ba', sync: 'OutOfSync', health: 'Degraded', revision: 'master/df995110d56b6192fbc6d58d80385c4664ae38ba', operation: 'Failed', objects: 65 },
      'flux-system': { observedAt: '2030-01-01T00:00:00Z', applied: '696f056df216eea4f9401adbee0ff744d4df390f', sync: 'Synced', health: 'Healthy', revision: 'main@sha1:696f056df216eea4f9401adbee0ff744d4df390f', operation: 'Succeeded', objects: 7 },
      infrastructure: { observedAt: '2030-01-01T00:00:00Z', applied: '696f056df216eea4f9401adbee0ff744d4df390f', sync: 'Synced', health: 'Healthy', revision: 'main@sha1:696f056df216eea4f9401adbee0ff744d4df390f', operation: 'Succeeded', objects: 2 },
      empty: { observedAt: '2030-01-01T00:00:00Z', applied: '696f056df216eea4f9401adbee0ff744d4df390f', sync: 'Synced', health: 'Healthy', revision: 'main@sha1:696f056df216eea4f9401adbee0ff744d4df390f', operation: 'Succeeded', objects: 0 },
      test: { observedAt: '2030-01-01T00:00:00Z', applied: undefined, sync: 'Unknown', health: 'Unknown', revision: undefined, operation: undefined, objects: 0 },
      'test-from': { observedAt: '2030-01-01T00:00:00Z', applied: undefined, sync: 'Unknown', health: 'Unknown', revision: undefined, operation: undefined, objects: 0 },
      'test-with-history': { observedAt: '2030-01-01T00:00:00Z', applied: undefined, sync: 'Unknown', health: 'Unknown', revision: undefined, operation: undefined, objects: 0 },
    };
    const files = fs.readdirSync(path.join(EXAMPLES, 'flux')).filter((f) => /^kustomizations?-/.test(f));

    for (const file of files) {
      it(`reads ${file}`, async () => {
        const docs = documentsOf(`flux/${file}`);
        // v1beta2 objects are from before Flux 2.3; current clusters serve them through v1, the only version left.
        const kustomizations: Record<string, any>[] = docs.filter((d) => d['kind'] === 'Kustomization').map((d) => ({ ...d, apiVersion: 'kustomize.toolkit.fluxcd.io/v1' }));
        for (const k of kustomizations) server.put(k);
        try {
          const names = kustomizations.map((k) => k['metadata'].name as string);
          const read = await readFluxReports({
            locations: names,
            accessOf: () => ({ kubeconfig }),
            now: NOW,
            select: (all, location) => all.find((k) => (k as any)?.metadata?.name === location),
            healthOf: objectHealth,
          });
          assert.deepEqual(read.notes, []);
          for (const report of read.reports) {
            const want = expected[report.metadata.name];
            assert.ok(want, `no expectation for ${report.metadata.name}`);
            assert.deepEqual(digest(report), want);
            assert.deepEqual(validateAgainstSchema('LocationReport', JSON.parse(JSON.stringify(report))), []);
          }
          assert.equal(read.reports.length, kustomizations.length);
        } finally {
          for (const k of kustomizations) server.remove(k['apiVersion'], 'Kustomization', k['metadata'].namespace, k['metadata'].name);
        }
      });
    }

    it('reads the legacy revision formats: <branch>@sha1:<commit> and v1beta2 <branch>/<commit>', async () => {
      const failed: Record<string, any> = documentsOf('flux/kustomization-v1beta2-build-failed.yaml')[0]!;
      const dryRun: Record<string, any> = documentsOf('flux/kustomization-v1-ready-false-dryrun-failed.yaml')[0]!;
      for (const k of [failed, dryRun]) server.put({ ...k, apiVersion: 'kustomize.toolkit.fluxcd.io/v1' });
      try {
        const read = await readFluxReports({
          locations: [failed['metadata'].name, dryRun['metadata'].name],
          accessOf: () => ({ kubeconfig }),
          now: NOW,
          select: (all, location) => all.find((k) => (k as any)?.metadata?.name === location),
          readObjects: false,
          healthOf: objectHealth,
        });
        const applied = Object.fromEntries(read.reports.map((r) => [r.metadata.name, [r.status.applied?.commit, r.status.consumer?.revision]]));
        assert.deepEqual(applied[failed['metadata'].name], [failed['status'].lastAppliedRevision.split('/').pop(), failed['status'].lastAppliedRevision]);
        assert.match(applied[dryRun['metadata'].name]![1] as string, /@sha1:[0-9a-f]{40}$/);
      } finally {
        server.remove('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', failed['metadata'].namespace, failed['metadata'].name);
        server.remove('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', dryRun['metadata'].namespace, dryRun['metadata'].name);
      }
    });

    it('reads the inventory objects live with their health; ones it cannot read are Unknown, absent ones Missing', async () => {
      const [k] = documentsOf('flux/kustomization-v1-ready-healthy.yaml');
      server.put(k!);
      server.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-credentials', namespace: 'org-km5ujf27jyjt' }, data: {} });
      try {
        const read = await readFluxReports({ locations: ['saas-prod'], accessOf: () => ({ kubeconfig }), now: NOW, select: (all) => all[0], healthOf: objectHealth });
        const objects = read.reports[0]!.status.objects!.map((o) => [o.apiVersion, o.kind, o.namespace ?? '', o.name, o.health]);
        assert.deepEqual(objects.slice(0, 2), [
          ['v1', 'Namespace', '', 'org-km5ujf27jyjt', 'Healthy'],
          ['v1', 'Secret', 'org-km5ujf27jyjt', 'db-credentials', 'Healthy'],
        ]);
        const release = read.reports[0]!.status.objects!.find((o) => o.kind === 'HelmRelease')!;
        assert.equal(release.apiVersion, 'helm.toolkit.fluxcd.io/v2beta1');
        assert.ok(release.health === 'Unknown' || release.health === 'Missing', release.health);
      } finally {
        server.remove('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', 'flux-system', 'saas-prod');
      }
    });

    it('a location whose cluster cannot be reached gets a note, not an exception', async () => {
      const read = await readFluxReports({ locations: ['far-away'], accessOf: () => ({ kubeconfig: path.join(tempDir(), 'missing.kubeconfig') }), now: NOW, healthOf: objectHealth });
      assert.deepEqual(read.reports, []);
      assert.match(read.notes[0]!, /^flux at far-away: cannot load Kubernetes credentials from .*missing\.kubeconfig/);
    });
  });
});
