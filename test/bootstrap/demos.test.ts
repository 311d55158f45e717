import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CrdSchemas } from '../support/crdSchemas.js';
import { kustomizeBuild } from '../support/tools.js';
import { checkout, fsck, git, readTreeFiles, runCli, tempDir } from '../support/specRepo.js';

/** The bundled demos, each run end to end on local repositories by `edgeplane demo <name>`. */
const DEMOS = [
  { name: 'kubectl-baseline', mode: 'branch', locations: 2, consumers: ['kubectl/florin.sh', 'kubectl/guilder.sh'] },
  { name: 'argocd-hub', mode: 'folder', locations: 12, consumers: ['argocd-hub/applicationset.yaml', 'argocd-edge/lyon.yaml'] },
  { name: 'flux-edge', mode: 'branch', locations: 12, consumers: ['flux/aurora.yaml', 'flux/lumen.yaml'] },
] as const;

describe('the bundled demos: kubectl baseline, Argo CD hub, Flux at the edge', () => {
  const crds = new CrdSchemas();

  for (const demo of DEMOS) {
    it(`${demo.name}: renders every location, writes its bootstrap, says how to point a cluster at it`, async () => {
      const dir = path.join(tempDir(), demo.name);
      const result = await runCli('demo', demo.name, '--dir', dir);
      assert.equal(result.code, 0, result.err);
      assert.match(result.out, new RegExp(`${demo.locations} created, 0 updated`));
      assert.match(result.out, /How a cluster pulls it/);

      const bootstrap = readTreeFiles(dir, 'edgeplane-bootstrap');
      for (const file of demo.consumers) assert.ok(bootstrap.has(file), `${file} in ${[...bootstrap.keys()].join(', ')}`);
      for (const [file, text] of bootstrap) {
        if (!file.endsWith('.yaml')) continue;
        for (const doc of parseAllDocuments(text)) assert.deepEqual(crds.problems(doc.toJS()), [], file);
      }

      const locations =
        demo.mode === 'folder'
          ? git(dir, 'ls-tree', '--name-only', 'edgeplane-locations:locations').split('\n').filter(Boolean).map((n) => `edgeplane-locations:locations/${n}`)
          : git(dir, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/edgeplane/').split('\n').filter(Boolean);
      assert.equal(locations.length, demo.locations);
      for (const treeish of locations) assert.match(await kustomizeBuild(checkout(dir, treeish)), /^apiVersion: /m, treeish);
      fsck(dir);
    });
  }

  it('kubectl-baseline is KubeStellar example1: common workload at both, the special one with a CRD, a custom resource and a cluster-scoped object at one', () => {
    const dir = path.join(tempDir(), 'kb');
    return runCli('demo', 'kubectl-baseline', '--dir', dir).then((result) => {
      assert.equal(result.code, 0, result.err);
      const files = (branch: string) => git(dir, 'ls-tree', '-r', '--name-only', branch);
      assert.match(files('edgeplane/florin'), /common\/deployment\.apps_commonstuff_commond\.yaml/);
      assert.doesNotMatch(files('edgeplane/florin'), /special\//);
      const guilder = files('edgeplane/guilder');
      for (const file of ['special/customresourcedefinition.apiextensions.k8s.io_widgets.example.edgeplane.io.yaml', 'special/widget.example.edgeplane.io_special-widget.yaml', 'special/clusterrole.rbac.authorization.k8s.io_widget-reader.yaml']) {
        assert.ok(guilder.includes(file), file);
      }
    });
  });
});
