import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { changeSpec, copyTree, git, refsUnder, runCli, specRepoFrom, tempDir } from '../support/specRepo.js';

/**
 * The bad-input corpus: each case breaks the demo spec one way. Each must get its own clear error
 * (`file:line:col Kind/name: what is wrong (how to fix)`), exit code 1 from validate and reconcile, and
 * publish nothing: every ref stays where the last good spec put it.
 */
interface BadInput {
  name: string;
  files: (read: (file: string) => string) => Record<string, string | null>;
  /** The error line, as validate prints it. */
  expect: RegExp;
}

const location = (name: string, extra = '') =>
  `apiVersion: edgeplane.io/v1alpha1\nkind: Location\nmetadata:\n  name: ${JSON.stringify(name)}\n  labels: {tier: lab}\n${extra}`;
const placement = (name: string, spec: string) => `apiVersion: edgeplane.io/v1alpha1\nkind: EdgePlacement\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
/** The demo's telemetry placement (11 lines) with `spec.rollout` appended from line 12. */
const withRollout = (read: (file: string) => string, rollout: string) => ({ 'placements/telemetry.yaml': `${read('placements/telemetry.yaml')}  rollout:\n${rollout}` });
const replace = (text: string, from: string, to: string) => {
  assert.ok(text.includes(from), `fixture contains ${from}`);
  return text.replace(from, to);
};

const CASES: BadInput[] = [
  {
    name: 'malformed YAML',
    files: () => ({ 'inventory/broken.yaml': 'apiVersion: edgeplane.io/v1alpha1\nkind: Location\nmetadata:\n  name: x\n   labels: {a: b}\n' }),
    expect: /^inventory\/broken\.yaml:4:9: invalid YAML: Implicit keys need to be on a single line \(fix the YAML syntax/m,
  },
  {
    name: 'unknown kind',
    files: () => ({ 'placements/typo.yaml': placement('typo', '  workloads: [{path: workloads/telemetry}]\n').replace('EdgePlacement', 'EdgePlacment') }),
    expect: /^placements\/typo\.yaml:2:1 EdgePlacment\/typo: unknown kind "EdgePlacment" .*\(spec folders hold Location, EdgePlacement, Customizer/m,
  },
  {
    name: 'unknown field',
    files: () => ({ 'inventory/extra.yaml': location('extra', 'spec:\n  replica: 2\n') }),
    expect: /^inventory\/extra\.yaml:7:3 Location\/extra: unknown field 'replica' \(remove it; allowed fields here: consumer, params, cluster\)/m,
  },
  {
    name: 'wrong type',
    files: () => ({ 'placements/wrong.yaml': placement('wrong', '  workloads: workloads/telemetry\n') }),
    expect: /^placements\/wrong\.yaml:6:3 EdgePlacement\/wrong: must be a list/m,
  },
  {
    name: 'bad selector operator',
    files: () => ({
      'placements/op.yaml': placement('op', '  locationSelectors:\n  - matchExpressions:\n    - {key: tier, operator: Equals, values: [lab]}\n  workloads: [{path: workloads/telemetry}]\n'),
    }),
    expect: /^placements\/op\.yaml:8:\d+ EdgePlacement\/op: .*In, NotIn, Exists.*DoesNotExist/m,
  },
  {
    name: 'In without values',
    files: () => ({
      'placements/in.yaml': placement('in', '  locationSelectors:\n  - matchExpressions:\n    - {key: tier, operator: In}\n  workloads: [{path: workloads/telemetry}]\n'),
    }),
    expect: /^placements\/in\.yaml:8:\d+ EdgePlacement\/in: .*values/m,
  },
  {
    name: 'bad JSONPath',
    files: (read) => ({ 'customizers/telemetry.yaml': replace(read('customizers/telemetry.yaml'), '"$.spec.replicas"', '"$.spec.[replicas"') }),
    expect: /^customizers\/telemetry\.yaml:11:8 Customizer\/telemetry: bad JSONPath "\$\.spec\.\[replicas": expected a name at column 8/m,
  },
  {
    name: 'missing template property',
    files: (read) => ({ 'workloads/telemetry/station.yaml.hbs': replace(read('workloads/telemetry/station.yaml.hbs'), '{{band}}', '{{location.params.feed}}') }),
    expect: /^workloads\/telemetry\/station\.yaml\.hbs:10:11: property location\.params\.feed is not defined \(define params\.feed on the Location/m,
  },
  {
    name: 'duplicate location name',
    files: () => ({ 'inventory/twin.yaml': location('kiruna') }),
    expect: /^inventory\/twin\.yaml:4:3 Location\/kiruna: "kiruna" is defined more than once \(also at inventory\/europe\.yaml:1\)/m,
  },
  {
    name: 'duplicate placement name',
    files: (read) => ({ 'placements/telemetry-copy.yaml': read('placements/telemetry.yaml') }),
    expect: /^placements\/telemetry-copy\.yaml:\d+:\d+ EdgePlacement\/telemetry: "telemetry" is defined more than once/m,
  },
  {
    name: 'name ../x',
    files: () => ({ 'inventory/dots.yaml': location('../x') }),
    expect: /^inventory\/dots\.yaml:4:3 Location\/\.\.\/x: name "\.\.\/x" cannot become a branch or folder name: .*"\/"/m,
  },
  {
    name: 'name a/b',
    files: () => ({ 'inventory/slash.yaml': location('a/b') }),
    expect: /^inventory\/slash\.yaml:4:3 Location\/a\/b: name "a\/b" cannot become a branch or folder name/m,
  },
  {
    name: 'name -x',
    files: () => ({ 'inventory/dash.yaml': location('-x') }),
    expect: /^inventory\/dash\.yaml:4:3 Location\/-x: name "-x" cannot become a branch or folder name: .*DNS-1123/m,
  },
  {
    name: 'placement naming a missing workload',
    files: () => ({ 'placements/ghost.yaml': placement('ghost', '  locationSelectors: [{}]\n  workloads: [{path: workloads/ghost}]\n') }),
    expect: /^placements\/ghost\.yaml:7:\d+ EdgePlacement\/ghost: workload folder "workloads\/ghost" does not exist/m,
  },
  {
    name: 'placement naming a missing customizer',
    files: () => ({
      'placements/nocust.yaml': placement('nocust', '  locationSelectors: [{}]\n  workloads: [{path: workloads/telemetry}]\n  customizers: [telemetri]\n'),
    }),
    expect: /^placements\/nocust\.yaml:8:\d+ EdgePlacement\/nocust: customizer "telemetri" does not exist/m,
  },
  {
    name: 'conflicting objects from two placements',
    files: (read) => ({ 'workloads/monitoring/fleet-info.yaml': replace(read('workloads/monitoring/fleet-info.yaml'), 'esa-groundstations', 'esa-monitoring') }),
    expect: /^workloads\/monitoring\/fleet-info\.yaml:\d+:\d+ ConfigMap\/fleet-info: placements "monitoring" and "telemetry" both place ConfigMap\/fleet-info .* differently/m,
  },
  {
    name: 'unknown consumer',
    files: () => ({ 'inventory/helm.yaml': location('helmsite', 'spec:\n  consumer: helm\n') }),
    expect: /^inventory\/helm\.yaml:7:\d+ Location\/helmsite: .*argocd, flux.*kubectl/m,
  },
  {
    name: 'credentials inline in a Location',
    files: () => ({ 'inventory/creds.yaml': location('creds', 'spec:\n  cluster:\n    server: https://10.0.0.5:6443\n    token: s3cr3t\n') }),
    expect: /^inventory\/creds\.yaml:9:5 Location\/creds: unknown field 'token' \(remove it; allowed fields here: server\)/m,
  },
  {
    name: 'manifest without kind',
    files: () => ({ 'workloads/telemetry/nokind.yaml': 'apiVersion: v1\nmetadata:\n  name: x\n  namespace: telemetry\n' }),
    expect: /^workloads\/telemetry\/nokind\.yaml:1:1: the object has no kind/m,
  },
  {
    name: 'manifest without a name',
    files: () => ({ 'workloads/telemetry/noname.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: telemetry\n' }),
    expect: /^workloads\/telemetry\/noname\.yaml:4:\d+ ConfigMap\/\?: the object has no metadata\.name/m,
  },
  {
    name: 'bad label value',
    files: () => ({ 'inventory/label.yaml': location('label').replace('{tier: lab}', '{tier: "lab site"}') }),
    expect: /^inventory\/label\.yaml:5:\d+ Location\/label: .*label/mi,
  },
  {
    name: 'JSON patch path that is not a pointer',
    files: (read) => ({ 'customizers/telemetry.yaml': replace(read('customizers/telemetry.yaml'), 'path: /metadata/labels/station', 'path: metadata.labels.station') }),
    expect: /^customizers\/telemetry\.yaml:14:17 Customizer\/telemetry: path "metadata\.labels\.station" is not a JSON pointer/m,
  },
  {
    name: 'JSON patch removing what is not there',
    files: (read) => ({
      'customizers/telemetry.yaml': replace(read('customizers/telemetry.yaml'), '{op: add, path: /metadata/labels/station, value: "{{location.name}}"}', '{op: remove, path: /metadata/labels/station}'),
    }),
    expect: /^customizers\/telemetry\.yaml:14:7 Deployment\/telemetry-ingest: JSON patch operation 0 \(remove \/metadata\/labels\/station\): \/metadata\/labels\/station does not exist/m,
  },
  {
    name: 'replacement path that matches nothing',
    files: (read) => ({ 'customizers/telemetry.yaml': replace(read('customizers/telemetry.yaml'), "@.name=='ingest'", "@.name=='ingester'") }),
    expect: /^customizers\/telemetry\.yaml:12:78 Deployment\/telemetry-ingest: JSONPath .* matched nothing/m,
  },
  {
    name: 'template syntax error',
    files: (read) => ({ 'workloads/telemetry/station.yaml.hbs': read('workloads/telemetry/station.yaml.hbs') + '  extra: {{#if location.name}}\n' }),
    expect: /^workloads\/telemetry\/station\.yaml\.hbs:\d+:\d+: .*(if|block|close)/mi,
  },
  {
    name: 'unknown output mode in edgeplane.yaml',
    files: (read) => ({ 'edgeplane.yaml': replace(read('edgeplane.yaml'), 'mode: branch', 'mode: tree') }),
    expect: /^edgeplane\.yaml:6:\d+ Settings: .*branch.*folder/m,
  },
  {
    name: 'workload path leaving the repo',
    files: () => ({ 'placements/escape.yaml': placement('escape', '  locationSelectors: [{}]\n  workloads: [{path: ../outside}]\n') }),
    expect: /^placements\/escape\.yaml:7:\d+ EdgePlacement\/escape: workload path "\.\.\/outside" is not a folder inside the spec repo/m,
  },
  {
    name: 'the same object twice in a workload',
    files: (read) => ({ 'workloads/telemetry/namespace-again.yaml': read('workloads/telemetry/namespace.yaml') }),
    expect: /^workloads\/telemetry\/namespace\.yaml:1:1 Namespace\/telemetry: the workload has this object twice/m,
  },
  {
    name: 'undefined %(name) parameter',
    files: (read) => ({ 'workloads/monitoring/node-exporter.yaml': replace(read('workloads/monitoring/node-exporter.yaml'), '"%(ring)"', '"%(rung)"') }),
    expect: /^workloads\/monitoring\/node-exporter\.yaml:\d+:\d+ ConfigMap\/scrape-labels: .*rung/m,
  },
  {
    name: 'a spec document that is not a mapping',
    files: () => ({ 'inventory/list.yaml': '- kiruna\n- redu\n' }),
    expect: /^inventory\/list\.yaml:1:1: a spec document must be a mapping/m,
  },
  {
    name: 'rollout wave that selects nothing',
    files: (read) => withRollout(read, '    waves:\n    - {name: canary, locationSelector: {matchLabels: {ring: nowhere}}}\n    - {name: rest}\n'),
    expect: /^placements\/telemetry\.yaml:14:7 EdgePlacement\/telemetry: wave canary selects no location \(fix its locationSelector or percent/m,
  },
  {
    name: 'rollout location in two waves',
    files: (read) =>
      withRollout(read, '    waves:\n    - {name: americas, locationSelector: {matchLabels: {region: americas}}}\n    - {name: canary, locationSelector: {matchLabels: {ring: canary}}}\n    - {name: rest}\n'),
    expect: /^placements\/telemetry\.yaml:15:7 EdgePlacement\/telemetry: location kourou is in two waves: americas and canary \(make the waves' selectors disjoint/m,
  },
  {
    name: 'rollout duration that is not one',
    files: (read) => withRollout(read, '    waves: [{name: all}]\n    soak: 10 minutes\n'),
    expect: /^placements\/telemetry\.yaml:14:5 EdgePlacement\/telemetry: must be a duration such as 30s, 10m, 1h30m or 2d/m,
  },
  {
    name: 'rollout window with a bad cron schedule',
    files: (read) => withRollout(read, '    waves: [{name: all}]\n    window: {schedule: "61 * * * *", duration: 4h}\n'),
    expect: /^placements\/telemetry\.yaml:14:14 EdgePlacement\/telemetry: window schedule "61 \* \* \* \*" is not a valid cron expression \(write 5 or 6 node-cron fields/m,
  },
  {
    name: 'rollout advanceWhen with a CEL syntax error',
    files: (read) => withRollout(read, '    waves: [{name: all}]\n    advanceWhen: "wave.healthy =="\n'),
    expect: /^placements\/telemetry\.yaml:14:\d+ EdgePlacement\/telemetry: advanceWhen: CEL syntax error at 1:\d+ of the expression: .*\(advanceWhen reads wave\.name/m,
  },
  {
    name: 'rollout advanceWhen reading an unknown field',
    files: (read) => withRollout(read, '    waves: [{name: all}]\n    advanceWhen: "wave.healty == wave.total"\n'),
    expect: /^placements\/telemetry\.yaml:14:\d+ EdgePlacement\/telemetry: advanceWhen: CEL type error at 1:\d+ of the expression: .*healty/m,
  },
  {
    name: 'rollout constraint reading an unknown variable',
    files: (read) => withRollout(read, '    waves: [{name: all}]\n    constraints: [{name: one-per-region, expr: "a.labels.region != c.labels.region"}]\n'),
    expect: /^placements\/telemetry\.yaml:14:\d+ EdgePlacement\/telemetry: constraint one-per-region: CEL type error at 1:20 of the expression: .*\(a constraint reads a and b/m,
  },
  {
    name: 'rollout review by pull request without a forge',
    files: (read) => withRollout(read, '    waves: [{name: all}]\n    review: pullRequest\n'),
    expect: /^placements\/telemetry\.yaml:14:5 EdgePlacement\/telemetry: review: pullRequest needs a forge, and edgeplane\.yaml has no valid spec\.forge \(add spec\.forge/m,
  },
  {
    name: 'unknown forge type in edgeplane.yaml',
    files: (read) => ({ 'edgeplane.yaml': `${read('edgeplane.yaml')}  forge: {type: gitlab, owner: fleet, repo: deploy}\n` }),
    expect: /^edgeplane\.yaml:9:\d+ Settings: must be one of gitea, github/m,
  },
];

describe('bad input: every problem gets its own clear error, and nothing is published', function () {
  let good: string;
  before(async () => {
    good = specRepoFrom('demo');
    const result = await runCli('reconcile', '--repo', good);
    assert.equal(result.code, 0, result.err);
  });

  for (const bad of CASES) {
    it(bad.name, async () => {
      const repo = tempDir();
      copyTree(good, repo);
      // The bootstrap manifests name the output repo by its file:// URL: bring them to this copy's path first.
      assert.equal((await runCli('reconcile', '--repo', repo)).code, 0);
      const read = (file: string) => fs.readFileSync(path.join(repo, file), 'utf8');
      changeSpec(repo, bad.files(read), `break: ${bad.name}`);
      const before = refsUnder(repo, 'refs/');

      const validate = await runCli('validate', '--repo', repo);
      assert.equal(validate.code, 1, `validate exits 1\n${validate.out}${validate.err}`);
      assert.match(validate.err, bad.expect);
      assert.match(validate.err, /\(.+\)/, 'says how to fix it');

      const reconcile = await runCli('reconcile', '--repo', repo);
      assert.equal(reconcile.code, 1, `reconcile exits 1\n${reconcile.out}${reconcile.err}`);
      assert.match(reconcile.err, bad.expect);
      assert.deepEqual(refsUnder(repo, 'refs/'), before, 'no ref moved');
      git(repo, 'fsck', '--strict');
    });
  }

  it('reports every problem of a spec in one run', async () => {
    const repo = tempDir();
    copyTree(good, repo);
    changeSpec(repo, {
      'inventory/dots.yaml': location('../x'),
      'inventory/twin.yaml': location('kiruna'),
      'placements/ghost.yaml': placement('ghost', '  locationSelectors: [{}]\n  workloads: [{path: workloads/ghost}]\n'),
    });
    const validate = await runCli('validate', '--repo', repo);
    assert.equal(validate.code, 1);
    const lines = validate.err.split('\n').filter((line) => /^\S+:\d+:\d+ /.test(line));
    assert.equal(lines.length, 4, validate.err);
    assert.match(validate.err, /4 problem\(s\)/);
  });

  it('a placement that fails is held everywhere while the others go on', async () => {
    const repo = tempDir();
    copyTree(good, repo);
    const read = (file: string) => fs.readFileSync(path.join(repo, file), 'utf8');
    changeSpec(repo, {
      'workloads/telemetry/station.yaml.hbs': replace(read('workloads/telemetry/station.yaml.hbs'), '{{band}}', '{{location.params.feed}}'),
      'workloads/monitoring/node-exporter.yaml': replace(read('workloads/monitoring/node-exporter.yaml'), 'v1.8.2', 'v1.9.0'),
    });
    const before = refsUnder(repo, 'refs/heads/edgeplane/');
    const result = await runCli('reconcile', '--repo', repo);
    assert.equal(result.code, 1);
    const after = refsUnder(repo, 'refs/heads/edgeplane/');
    for (const [ref, commit] of after) {
      const hasMonitoring = git(repo, 'ls-tree', '--name-only', ref).includes('monitoring');
      assert.equal(commit !== before.get(ref), hasMonitoring, `${ref} moves exactly when it carries monitoring`);
      if (hasMonitoring) assert.match(git(repo, 'show', `${ref}:monitoring/daemonset.apps_monitoring_node-exporter.yaml`), /v1\.9\.0/);
      // telemetry keeps its last good output, and the record says it is held.
      if (git(repo, 'ls-tree', '--name-only', ref).includes('telemetry')) {
        assert.equal(git(repo, 'rev-parse', `${ref}:telemetry`).trim(), git(repo, 'rev-parse', `${before.get(ref)}:telemetry`).trim());
      }
    }
  });
});
