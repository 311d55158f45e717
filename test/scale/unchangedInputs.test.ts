import { strict as assert } from 'node:assert';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { mayReadSourceCommit } from '../../src/render/inputDigest.js';
import { changeSpec, git, tempDir } from '../support/specRepo.js';

const NOW = new Date('2026-01-01T00:00:00Z');

const writeFiles = (dir: string, files: Record<string, string | null>): void => void changeSpec(dir, files);

const inventory = (aParams: string) => `apiVersion: edgeplane.io/v1alpha1
kind: Location
metadata: {name: a}
spec:
  params: ${aParams}
---
apiVersion: edgeplane.io/v1alpha1
kind: Location
metadata: {name: b}
spec:
  params: {x: 2}
`;

const placement = (name: string) => `apiVersion: edgeplane.io/v1alpha1
kind: EdgePlacement
metadata: {name: ${name}}
spec:
  locationSelectors: [{}]
  workloads: [{path: workloads/${name}}]
`;

const configMap = (name: string, data: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: default}
data: ${data}
`;

/**
 * A location whose inputs equal those its output records is not rendered again (render/inputDigest.ts). These are
 * the cases where skipping it would be wrong, and the output must still change.
 */
describe('skipping locations whose inputs did not change', () => {
  let repo: string;
  const run = () => reconcile({ source: { repo }, now: NOW, workers: 1 });
  const show = (location: string, file: string) => git(repo, 'show', `edgeplane/${location}:${file}`);
  const trailers = (location: string) => git(repo, 'log', '-1', '--format=%(trailers:only)', `edgeplane/${location}`);

  beforeEach(() => {
    repo = tempDir('edgeplane-inputs-');
    git(repo, 'init', '-q', '-b', 'main');
    writeFiles(repo, {
      'edgeplane.yaml': 'apiVersion: edgeplane.io/v1alpha1\nkind: Settings\nspec: {output: {repo: self, mode: branch}}\n',
      'inventory/sites.yaml': inventory('{x: 1}'),
      'placements/p.yaml': placement('p'),
      'placements/q.yaml': placement('q'),
      'workloads/p/p.yaml.hbs': configMap('p', '{x: "{{location.params.x}}", version: v1}'),
      'workloads/q/q.yaml': configMap('q', '{v: "1"}'),
    });
  });

  it('records the inputs digest in each location commit, and a second reconcile renders nothing', async () => {
    assert.deepEqual((await run()).created, ['a', 'b']);
    assert.match(trailers('b'), /^Edgeplane-Inputs: sha1:[0-9a-f]{40}$/m);
    const again = await run();
    assert.equal(again.unchanged, 2);
    assert.deepEqual(again.publish.updates, []);
  });

  it('a location written while a placement was held records no inputs, so it gets the placement once it renders', async () => {
    await run();
    // p's new revision fails at a (no x there): p is held everywhere. q changes too, so b gets a commit meanwhile.
    writeFiles(repo, {
      'inventory/sites.yaml': inventory('{}'),
      'workloads/p/p.yaml.hbs': configMap('p', '{x: "{{location.params.x}}", version: v2}'),
      'workloads/q/q.yaml': configMap('q', '{v: "2"}'),
    });
    const held = await run();
    assert.deepEqual(held.held, ['p']);
    assert.deepEqual(held.updated, ['a', 'b']);
    assert.match(show('b', 'p/configmap_default_p.yaml'), /version: v1/);
    assert.doesNotMatch(trailers('b'), /Edgeplane-Inputs/);

    // a is fixed. b's own inputs are what they were at its last commit, but p is no longer held there.
    writeFiles(repo, { 'inventory/sites.yaml': inventory('{x: 1}') });
    const fixed = await run();
    assert.deepEqual(fixed.held, []);
    assert.deepEqual(fixed.updated, ['a', 'b']);
    assert.match(show('b', 'p/configmap_default_p.yaml'), /version: v2/);
  });

  it('a template reading the source commit renders again at every spec commit', async () => {
    writeFiles(repo, { 'workloads/q/q.yaml.hbs': configMap('q', '{source: "{{source.commit}}"}'), 'workloads/q/q.yaml': null });
    await run();
    writeFiles(repo, { 'README.md': '# the fleet\n' });
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    const result = await run();
    assert.deepEqual(result.updated, ['a', 'b']);
    assert.match(show('a', 'q/configmap_default_q.yaml'), new RegExp(head));
  });

  it('a change to a placement the location receives renders it again; one it does not receive does not', async () => {
    await run();
    writeFiles(repo, { 'workloads/q/q.yaml': configMap('q', '{v: "3"}') });
    assert.deepEqual((await run()).updated, ['a', 'b']);
    writeFiles(repo, {
      'placements/r.yaml': placement('r').replace('[{}]', '[{matchLabels: {tier: none}}]'),
      'workloads/r/r.yaml': configMap('r', '{v: "1"}'),
    });
    const result = await run();
    assert.equal(result.unchanged, 2);
    assert.deepEqual(result.publish.updates, []);
  });

  it('counts the source commit among the inputs only where an expression can read it', () => {
    const cases: [string, boolean][] = [
      ['{"resources":{"requests":{"cpu":"100m"}},"source":"a key, not an expression"}', false],
      ['{{location.name}} and {{location.params.replicas}}', false],
      ['{{source.commit}}', true],
      ['{{ default source.commit "none" }}', true],
      ['{{#with source}}{{commit}}{{/with}}', true],
      ['{{json this}}', true],
      ['{{yaml .}}', true],
      ['{{@root.source.commit}}', true],
      ['{{#each location.labels}}{{../source.commit}}{{/each}}', true],
      ['%(source.commit)', true],
      ['%(location.name) from the source', false],
    ];
    for (const [text, expected] of cases) assert.equal(mayReadSourceCommit(text), expected, text);
  });
});
