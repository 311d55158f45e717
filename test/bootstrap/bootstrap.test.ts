import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { bootstrapTemplates } from '../../src/bootstrap/bootstrapTemplates.js';
import { composeBootstrap, type BootstrapInput } from '../../src/bootstrap/composeBootstrap.js';
import { CrdSchemas } from '../support/crdSchemas.js';
import { kustomizeBuild } from '../support/tools.js';
import { checkout, git, runCli, specRepoFrom } from '../support/specRepo.js';

const LOCATIONS: BootstrapInput['locations'] = [
  { name: 'kiruna', consumer: 'argocd' },
  { name: 'new-norcia', consumer: 'argocd' },
  { name: 'redu', consumer: 'flux' },
  { name: 'malargue', consumer: 'flux' },
  { name: 'cebreros', consumer: 'kubectl' },
];

function input(mode: 'branch' | 'folder'): BootstrapInput {
  return { repoURL: 'https://git.example.org/fleet/output.git', mode, branchPrefix: 'edgeplane/', folderBranch: 'edgeplane-locations', locations: LOCATIONS };
}

function objects(files: Map<string, string>) {
  return [...files]
    .filter(([file]) => file.endsWith('.yaml'))
    .flatMap(([file, text]) => parseAllDocuments(text).map((doc) => ({ file, object: doc.toJS() as Record<string, any> })));
}

/** Go's path.Match for the `*` patterns Argo CD's git directories generator takes: `*` never crosses `/`. */
function matchesDirectoryPattern(pattern: string, dir: string): boolean {
  const p = pattern.split('/');
  const d = dir.split('/');
  return p.length === d.length && p.every((part, i) => new RegExp(`^${part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`).test(d[i]!));
}


describe('bootstrap manifests for Argo CD, Flux and kubectl', () => {
  const crds = new CrdSchemas();

  for (const mode of ['branch', 'folder'] as const) {
    it(`${mode} mode: every generated object validates against the real CRDs`, () => {
      const files = composeBootstrap(input(mode), bootstrapTemplates());
      const all = objects(files);
      assert.deepEqual(
        all.map((o) => `${o.object['kind']}/${o.object['metadata'].name}`).sort(),
        [
          'Application/edgeplane-kiruna',
          'Application/edgeplane-new-norcia',
          'ApplicationSet/edgeplane',
          'GitRepository/edgeplane-malargue',
          'GitRepository/edgeplane-redu',
          'Kustomization/edgeplane-malargue',
          'Kustomization/edgeplane-redu',
        ],
      );
      for (const { file, object } of all) assert.deepEqual(crds.problems(object as never), [], `${file} ${object['kind']}`);
      assert.ok(files.get('kubectl/cebreros.sh')!.includes('--applyset="secret/edgeplane-cebreros"'));
    });
  }

  it('the CRD check catches what the API server would refuse', () => {
    const bad = { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'x' }, spec: { interval: '5m', prune: 'yes', sourceRef: { kind: 'Bucket' } } };
    const problems = crds.problems(bad);
    assert.ok(problems.some((p) => p.startsWith('/spec/prune must be boolean')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('/spec/sourceRef')), problems.join('\n'));
  });

  it('points each consumer at the location branch (branch mode) or folder (folder mode)', () => {
    const branch = objects(composeBootstrap(input('branch'), bootstrapTemplates()));
    const app = branch.find((o) => o.object['kind'] === 'Application' && o.object['metadata'].name === 'edgeplane-kiruna')!.object;
    assert.deepEqual(app['spec'].source, { repoURL: 'https://git.example.org/fleet/output.git', targetRevision: 'edgeplane/kiruna', path: '.' });
    const appset = branch.find((o) => o.object['kind'] === 'ApplicationSet')!.object;
    assert.equal(appset['spec'].template.spec.source.targetRevision, 'edgeplane/{{.name}}');
    assert.deepEqual(appset['spec'].generators[0].clusters.selector.matchLabels, { 'edgeplane.io/managed': 'true' });

    const folder = objects(composeBootstrap(input('folder'), bootstrapTemplates()));
    const ks = folder.find((o) => o.object['kind'] === 'Kustomization' && o.object['metadata'].name === 'edgeplane-redu')!.object;
    assert.equal(ks['spec'].path, 'locations/redu');
    assert.equal(ks['spec'].prune, true);
    const repo = folder.find((o) => o.object['kind'] === 'GitRepository' && o.object['metadata'].name === 'edgeplane-redu')!.object;
    assert.deepEqual(repo['spec'].ref, { branch: 'edgeplane-locations' });
  });

  it("a spec repo's templates/bootstrap/ overrides a packaged template", () => {
    const custom = new Map([['templates/bootstrap/kubectl-apply.sh.hbs', '#!/bin/sh\necho {{location.name}} {{location.revision}}\n']]);
    const files = composeBootstrap(input('branch'), bootstrapTemplates(custom));
    assert.equal(files.get('kubectl/cebreros.sh'), '#!/bin/sh\necho cebreros edgeplane/cebreros\n');
  });

  it("folder mode: the git directories pattern matches exactly the location folders, each builds as Argo CD's and Flux's kustomize would", async () => {
    const repo = specRepoFrom('demo');
    const result = await runCli('reconcile', '--repo', repo, '--mode', 'folder');
    assert.equal(result.code, 0, result.err);
    const appset = objects(composeBootstrap(input('folder'), bootstrapTemplates())).find((o) => o.object['kind'] === 'ApplicationSet')!.object;
    const pattern: string = appset['spec'].generators[0].git.directories[0].path;
    const dirs = git(repo, 'ls-tree', '-r', '-d', '--name-only', 'edgeplane-locations').split('\n').filter(Boolean);
    const matched = dirs.filter((dir) => matchesDirectoryPattern(pattern, dir));
    assert.deepEqual(matched, ['locations/cebreros', 'locations/darmstadt-lab', 'locations/kiruna', 'locations/kourou', 'locations/malargue', 'locations/new-norcia', 'locations/redu']);

    // Argo CD and Flux both run a kustomize build of the path at the revision: the same as the location branch.
    const branchRepo = specRepoFrom('demo');
    assert.equal((await runCli('reconcile', '--repo', branchRepo)).code, 0);
    const tree = checkout(repo, 'edgeplane-locations');
    for (const dir of matched) {
      const name = path.basename(dir);
      assert.equal(await kustomizeBuild(path.join(tree, dir)), await kustomizeBuild(checkout(branchRepo, `edgeplane/${name}`)), name);
    }
  });
});
