import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateFleet, writeSpecRepo } from '../../bench/fleet.js';
import { loadSpec } from '../../src/reconcile/loadSpec.js';
import { prepareFleet } from '../../src/reconcile/renderFleet.js';
import { compileCustomization } from '../../src/render/compiledCustomization.js';
import { rulesAt, targets } from '../../src/render/placementPlan.js';
import { renderLocation } from '../../src/render/renderLocation.js';
import { git, specRepoFrom, tempDir } from '../support/specRepo.js';

/** Renders every location of a spec repo with compiled customizations and step by step: the same output. */
async function assertSameBothWays(repo: string): Promise<number> {
  const { spec } = await loadSpec({ repo });
  const fleet = prepareFleet(spec, { locations: new Map(), folderHead: null });
  const compiled = { values: new Map<string, unknown>() };
  const stepwise = { values: new Map<string, unknown>(), compile: false };
  let objects = 0;
  for (const { value: location } of spec.locations) {
    const placements = fleet.assignments.get(location.metadata.name) ?? [];
    const fast = renderLocation(location, placements, fleet.plans, fleet.scopes, spec.commit, compiled);
    const slow = renderLocation(location, placements, fleet.plans, fleet.scopes, spec.commit, stepwise);
    const shape = (r: typeof fast) => ({
      objects: r.objects.map((o) => ({ key: o.key, placement: o.placement, text: o.text, kind: o.object.kind, name: o.object.metadata.name, namespace: o.object.metadata.namespace })),
      failed: [...r.failed].sort(),
      problems: r.problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.message}`),
    });
    assert.deepEqual(shape(fast), shape(slow), location.metadata.name);
    objects += fast.objects.length;
  }
  return objects;
}

function writeRepo(files: Record<string, string>): string {
  const dir = tempDir('edgeplane-compiled-');
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'spec');
  return dir;
}

const location = (name: string, labels: string, params: string) => `apiVersion: edgeplane.io/v1alpha1
kind: Location
metadata:
  name: ${name}
  labels: ${labels}
spec:
  params: ${params}
`;

/**
 * Rules of every kind, and values of every kind: what compiles, what does not (a filter, a templated path, a merge
 * after a templated value, a test op, a templated name), and values that do not fit a hole (a map at one location).
 */
const RULES = `apiVersion: edgeplane.io/v1alpha1
kind: Customizer
metadata: {name: everything}
spec:
  params: {motd: "hello"}
  rules:
  - target: {kind: ConfigMap, name: plain}
    replacements:
    - {path: "$.data.site", value: "{{location.name}}"}
    - {path: "$.data.count", value: "{{location.params.count}}"}
    - {path: "$.data.text", value: "{{location.params.text}}"}
    - {path: "$.data.nested.deep.key", value: "x-{{location.name}}"}
    patches:
    - {op: add, path: /metadata/labels/site, value: "{{location.name}}"}
    - {op: add, path: /data/list/-, value: "{{location.params.count}}"}
    - {op: copy, from: /data/site, path: /data/copied}
    - {op: remove, path: /data/drop}
    - {op: add, path: /data/map, value: {a: "{{location.params.count}}", b: fixed}}
  - target: {kind: ConfigMap, name: merged}
    patches:
    - merge: {data: {merged: "yes"}, metadata: {annotations: {note: constant}}}
    - {op: replace, path: /data/site, value: "{{location.name}}"}
  - target: {kind: ConfigMap, name: merged-late}
    replacements:
    - {path: "$.data.site", value: "{{location.name}}"}
    patches:
    - merge: {data: {merged: "yes"}}
  - target: {kind: Deployment, name: app}
    replacements:
    - {path: "$.spec.template.spec.containers[?(@.name=='app')].image", value: "img:{{location.params.count}}"}
    - {path: "$.spec.replicas", value: "{{location.params.count}}"}
  - target: {kind: ConfigMap, name: typed}
    replacements:
    - {path: "$.data.value", value: "{{location.params.value}}"}
  - target: {kind: ConfigMap, name: tested}
    patches:
    - {op: test, path: /data/site, value: none}
  - locationSelector: {matchLabels: {ring: canary}}
    target: {kind: ConfigMap, name: plain}
    replacements:
    - {path: "$.data.ring", value: canary}
`;

const WORKLOAD = `apiVersion: v1
kind: ConfigMap
metadata: {name: plain, namespace: w, labels: {app: w}}
data: {site: none, drop: me, list: [a], text: t}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: merged, namespace: w}
data: {site: none}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: merged-late, namespace: w}
data: {site: none}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: typed, namespace: w}
data: {value: none}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: tested, namespace: w}
data: {site: none}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: w}
spec:
  replicas: 1
  template:
    spec:
      containers:
      - {name: app, image: img:0}
      - {name: side, image: side:0}
`;

describe('compiled customizations give what customizing step by step gives', () => {
  it('for every kind of rule and value, at locations that differ in kind of value', async () => {
    const repo = writeRepo({
      'edgeplane.yaml': 'apiVersion: edgeplane.io/v1alpha1\nkind: Settings\nspec: {output: {repo: self, mode: branch}}\n',
      'inventory/sites.yaml': [
        location('a', '{ring: canary}', '{count: 3, text: "one line", value: 7}'),
        location('b', '{ring: stable}', '{count: "3", text: "two\\nlines\\n", value: {a: 1}}'),
        location('c', '{ring: stable}', '{count: true, text: "  leading space", value: []}'),
        location('d', '{ring: stable}', '{count: null, text: "yes", value: "multi\\nline"}'),
        location('e', '{ring: stable}', '{count: 1.5, text: "a: b", value: {}}'),
      ].join('---\n'),
      'placements/p.yaml': 'apiVersion: edgeplane.io/v1alpha1\nkind: EdgePlacement\nmetadata: {name: p}\nspec:\n  locationSelectors: [{}]\n  workloads: [{path: workloads/w}]\n  customizers: [everything]\n',
      'customizers/everything.yaml': RULES,
      'workloads/w/objects.yaml': WORKLOAD,
    });
    assert.ok((await assertSameBothWays(repo)) >= 30);

    // And it did compile what it can, and only that.
    const { spec } = await loadSpec({ repo });
    const plan = prepareFleet(spec, { locations: new Map(), folderHead: null }).plans.get('p')!;
    const compiles = Object.fromEntries(
      plan.items.flatMap((item) => {
        if (item.type !== 'static') return [];
        const rules = rulesAt(plan, { ring: 'canary' }).filter((rule) => targets(rule, item.object));
        return [[item.object.metadata.name, compileCustomization(item.object, rules) !== null]];
      }),
    );
    assert.deepEqual(compiles, { plain: true, merged: true, 'merged-late': false, typed: true, tested: false, app: false });
  });

  it('for the demo fleet', async () => {
    assert.ok((await assertSameBothWays(specRepoFrom('demo'))) > 20);
  });

  it("for the benchmark's fleet", async () => {
    const dir = path.join(tempDir('edgeplane-compiled-fleet-'), 'spec');
    await writeSpecRepo(dir, generateFleet({ locations: 200 }));
    assert.ok((await assertSameBothWays(dir)) > 5000);
  });
});
