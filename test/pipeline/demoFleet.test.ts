import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { kustomizeBuild } from '../support/tools.js';
import { checkout, fsck, git, readTreeFiles, refsUnder, ROOT, runCli, specRepoFrom } from '../support/specRepo.js';

const NOW = '2026-01-01T00:00:00Z';
const LOCATIONS = ['cebreros', 'darmstadt-lab', 'kiruna', 'kourou', 'malargue', 'new-norcia', 'redu'];
const GOLDEN = path.join(ROOT, 'test', 'golden', 'demo');

async function reconcile(repo: string, ...extra: string[]) {
  const result = await runCli('reconcile', '--repo', repo, '--now', NOW, ...extra);
  assert.equal(result.code, 0, result.err);
  return result;
}


function objectsOf(yamlText: string): { kind: string; name: string; namespace?: string; object: Record<string, any> }[] {
  return parseAllDocuments(yamlText).map((doc) => {
    const object = doc.toJS() as Record<string, any>;
    return { kind: object['kind'], name: object['metadata'].name, namespace: object['metadata'].namespace, object };
  });
}

describe('the demo fleet, end to end (real git, real kustomize)', () => {
  let repo: string;
  before(async () => {
    repo = specRepoFrom('demo');
    await reconcile(repo);
  });

  it('publishes one branch per location, each commit naming its spec commit', () => {
    const refs = refsUnder(repo, 'refs/heads/edgeplane/');
    assert.deepEqual([...refs.keys()].map((r) => r.replace('refs/heads/edgeplane/', '')).sort(), LOCATIONS);
    const spec = git(repo, 'rev-parse', 'main').trim();
    for (const ref of refs.keys()) {
      assert.match(git(repo, 'log', '-1', '--format=%B', ref), new RegExp(`^Edgeplane-Source: ${spec}$`, 'm'));
    }
    fsck(repo);
  });

  it('writes exactly the golden trees', () => {
    const update = process.env['UPDATE_GOLDEN'] === '1';
    for (const location of LOCATIONS) {
      const files = readTreeFiles(repo, `edgeplane/${location}`);
      const golden = path.join(GOLDEN, location);
      if (update) {
        fs.rmSync(golden, { recursive: true, force: true });
        for (const [file, text] of files) {
          fs.mkdirSync(path.dirname(path.join(golden, file)), { recursive: true });
          // The source commit differs per checkout of the fixture; the golden file says where it goes.
          fs.writeFileSync(path.join(golden, file), text.replaceAll(git(repo, 'rev-parse', 'main').trim(), '<spec-commit>'));
        }
        continue;
      }
      const spec = git(repo, 'rev-parse', 'main').trim();
      const expected = readGolden(golden);
      assert.deepEqual([...files.keys()].sort(), [...expected.keys()].sort(), `files of ${location}`);
      for (const [file, text] of files) assert.equal(text.replaceAll(spec, '<spec-commit>'), expected.get(file), `${location}/${file}`);
    }
  });

  it('builds every location with the real kustomize into exactly the placed objects', async () => {
    for (const location of LOCATIONS) {
      const dir = checkout(repo, `edgeplane/${location}`);
      const built = objectsOf(await kustomizeBuild(dir));
      const record = objectsOf(fs.readFileSync(path.join(dir, '.edgeplane/placement.yaml'), 'utf8'))[0]!.object;
      const files: string[] = record['spec'].placements.flatMap((p: { files: string[] }) => p.files);
      assert.equal(built.length, files.length, `${location}: kustomize yields one object per file`);
      const names = built.map((o) => `${o.kind}/${o.namespace ?? ''}/${o.name}`).sort();
      assert.equal(new Set(names).size, names.length, `${location}: no object twice`);
    }
  });

  it('customizes per location: replacements, JSON patches, strategic merge, templates, %(name) expansion', async () => {
    const kiruna = objectsOf(await kustomizeBuild(checkout(repo, 'edgeplane/kiruna')));
    const redu = objectsOf(await kustomizeBuild(checkout(repo, 'edgeplane/redu')));
    const find = (objects: typeof kiruna, kind: string, name: string) => objects.find((o) => o.kind === kind && o.name === name)!.object;

    const kDeploy = find(kiruna, 'Deployment', 'telemetry-ingest');
    assert.equal(kDeploy['spec'].replicas, 2, 'replacement keeps the number type');
    assert.equal(kDeploy['metadata'].labels.station, 'kiruna', 'JSON patch add');
    assert.equal(kDeploy['spec'].template.spec.containers[0].image, 'registry.example.org/ingest:1.4.2', 'JSONPath filter');
    assert.deepEqual(kDeploy['spec'].template.spec.containers[0].env, [{ name: 'LOG_LEVEL', value: 'debug' }], 'strategic merge (eu-north only)');
    const rDeploy = find(redu, 'Deployment', 'telemetry-ingest');
    assert.equal(rDeploy['spec'].replicas, 1);
    assert.deepEqual(rDeploy['spec'].template.spec.containers[0].env, [{ name: 'LOG_LEVEL', value: 'info' }]);

    assert.deepEqual(find(kiruna, 'ConfigMap', 'station')['data'], {
      station: 'kiruna',
      antenna: 'K-1',
      band: 'x',
      operator: 'esa',
      'downlink-mhz': '8025',
    });
    assert.equal(find(redu, 'ConfigMap', 'station')['data'].operator, 'unknown', 'template default helper');
    assert.deepEqual(find(redu, 'ConfigMap', 'scrape-labels')['data'], { region: 'eu-west', ring: 'stable' }, '%(name) expansion');
    assert.deepEqual(find(kiruna, 'AntennaConfig', 'primary')['spec'], { antennaId: 'K-1', downlinkMHz: 8025, tracking: true });
  });

  it('places cluster-scoped objects, CRDs and implied Namespaces, CRDs and Namespaces first', () => {
    const kustomization = git(repo, 'show', 'edgeplane/kiruna:kustomization.yaml');
    const resources = kustomization.split('\n').filter((l) => l.startsWith('- ')).map((l) => l.slice(2));
    const crd = resources.findIndex((r) => r.includes('customresourcedefinition'));
    const cr = resources.findIndex((r) => r.includes('antennaconfig.groundstation'));
    const lastNamespace = resources.map((r) => r.includes('/namespace_')).lastIndexOf(true);
    assert.ok(lastNamespace < crd && crd < cr, kustomization);
    assert.ok(resources.includes('antenna-control/clusterrole.rbac.authorization.k8s.io_antenna-controller.yaml'));
    // monitoring lists no Namespace object: the DaemonSet's namespace is implied; kube-public never is.
    assert.ok(resources.includes('monitoring/namespace_monitoring.yaml'));
    assert.ok(!resources.some((r) => r.includes('namespace_kube-public')));
    // Only kiruna runs antenna-control; the filtered-out Service never appears.
    assert.ok(!git(repo, 'ls-tree', '-r', '--name-only', 'edgeplane/redu').includes('antenna-control/'));
    assert.ok(!resources.some((r) => r.includes('service_monitoring_node-exporter')));
  });

  it('orders cluster-wide definitions first for Argo CD with sync waves', () => {
    const wave = (file: string) => /argocd\.argoproj\.io\/sync-wave: "(-?\d+)"/.exec(git(repo, 'show', `edgeplane/kiruna:${file}`))?.[1];
    assert.equal(wave('antenna-control/customresourcedefinition.apiextensions.k8s.io_antennaconfigs.groundstation.edgeplane.io.yaml'), '-2');
    assert.equal(wave('monitoring/namespace_monitoring.yaml'), '-2', 'implied Namespaces too');
    assert.equal(wave('telemetry/namespace_telemetry.yaml'), '-2');
    assert.equal(wave('antenna-control/clusterrole.rbac.authorization.k8s.io_antenna-controller.yaml'), '-1');
    assert.equal(wave('antenna-control/antennaconfig.groundstation.edgeplane.io_antenna-control_primary.yaml'), undefined);
    assert.equal(wave('telemetry/deployment.apps_telemetry_telemetry-ingest.yaml'), undefined);
  });

  it('writes an identical object from two placements once', () => {
    const files = git(repo, 'ls-tree', '-r', '--name-only', 'edgeplane/kiruna').split('\n');
    assert.deepEqual(
      files.filter((f) => f.endsWith('configmap_kube-public_fleet-info.yaml')),
      ['monitoring/configmap_kube-public_fleet-info.yaml'],
    );
  });

  it('marks orphaned placements so consumers do not prune them', () => {
    const crd = git(repo, 'show', 'edgeplane/kiruna:antenna-control/customresourcedefinition.apiextensions.k8s.io_antennaconfigs.groundstation.edgeplane.io.yaml');
    assert.match(crd, /kustomize\.toolkit\.fluxcd\.io\/prune: disabled/);
    assert.match(crd, /argocd\.argoproj\.io\/sync-options: Prune=false/);
  });

  it('is deterministic: a second render of the same commit gives the same tree ids', async () => {
    const again = specRepoFrom('demo');
    await reconcile(again);
    for (const location of LOCATIONS) {
      const tree = (r: string) => git(r, 'rev-parse', `edgeplane/${location}^{tree}`).trim();
      assert.equal(tree(again), tree(repo), location);
    }
  });
});

function readGolden(dir: string, prefix = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [k, v] of readGolden(dir, rel)) files.set(k, v);
    else files.set(rel, fs.readFileSync(path.join(dir, rel), 'utf8'));
  }
  return files;
}
