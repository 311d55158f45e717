import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { changeSpec, fsck, git, readTreeFiles, refsUnder, runCli, specRepoFrom } from '../support/specRepo.js';

const NOW = '2026-01-01T00:00:00Z';

async function reconcile(repo: string, ...extra: string[]) {
  const result = await runCli('reconcile', '--repo', repo, '--now', NOW, '--json', ...extra);
  assert.equal(result.code, 0, result.err);
  return JSON.parse(result.out) as { created: string[]; updated: string[]; unchanged: number; retired: string[]; refs: string[] };
}

/** The refs that differ between two snapshots. */
function moved(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((ref) => before.get(ref) !== after.get(ref)).sort();
}

function edit(repo: string, file: string, from: string, to: string): string {
  const text = fs.readFileSync(path.join(repo, file), 'utf8');
  assert.ok(text.includes(from), `${file} contains ${from}`);
  return text.replace(from, to);
}

describe('reconciling changes: cost follows the change', () => {
  let repo: string;
  beforeEach(async () => {
    repo = specRepoFrom('demo');
    await reconcile(repo);
  });

  it('a second reconcile of the same commit writes nothing', async () => {
    const before = refsUnder(repo, 'refs/');
    const objects = git(repo, 'count-objects', '-v');
    const result = await reconcile(repo);
    assert.deepEqual(result.refs, []);
    assert.equal(result.unchanged, 7);
    assert.deepEqual(moved(before, refsUnder(repo, 'refs/')), []);
    assert.equal(git(repo, 'count-objects', '-v'), objects, 'no new objects either');
  });

  it('a spec commit that changes nothing rendered writes nothing', async () => {
    changeSpec(repo, { 'README.md': '# our fleet\n' });
    const before = refsUnder(repo, 'refs/heads/edgeplane/');
    await reconcile(repo);
    assert.deepEqual(moved(before, refsUnder(repo, 'refs/heads/edgeplane/')), []);
  });

  it('changing one label of one location commits to that location alone', async () => {
    const before = refsUnder(repo, 'refs/heads/edgeplane/');
    changeSpec(repo, { 'inventory/europe.yaml': edit(repo, 'inventory/europe.yaml', 'region: eu-south, tier: groundstation, ring: stable', 'region: eu-south, tier: groundstation, ring: canary') });
    const result = await reconcile(repo);
    assert.deepEqual(result.updated, ['cebreros']);
    assert.deepEqual(moved(before, refsUnder(repo, 'refs/heads/edgeplane/')), ['refs/heads/edgeplane/cebreros']);
    assert.match(git(repo, 'show', 'edgeplane/cebreros:monitoring/configmap_monitoring_scrape-labels.yaml'), /ring: canary/);
    // One new commit on top of the old one: history is kept.
    assert.equal(git(repo, 'rev-parse', 'edgeplane/cebreros~1').trim(), before.get('refs/heads/edgeplane/cebreros'));
    fsck(repo);
  });

  it('removing a location empties its output, so its consumer prunes, and touches no other', async () => {
    const before = refsUnder(repo, 'refs/heads/edgeplane/');
    const text = fs.readFileSync(path.join(repo, 'inventory/rest-of-world.yaml'), 'utf8');
    const without = text.split('\n---\n').filter((doc) => !doc.includes('name: darmstadt-lab')).join('\n---\n') + '\n';
    changeSpec(repo, { 'inventory/rest-of-world.yaml': without });
    const result = await reconcile(repo);
    assert.deepEqual(result.retired, ['darmstadt-lab']);
    assert.deepEqual(moved(before, refsUnder(repo, 'refs/heads/edgeplane/')), ['refs/heads/edgeplane/darmstadt-lab']);
    const files = readTreeFiles(repo, 'edgeplane/darmstadt-lab');
    assert.deepEqual([...files.keys()].sort(), ['.edgeplane/placement.yaml', 'README.md', 'kustomization.yaml']);
    assert.match(files.get('kustomization.yaml')!, /^resources: \[\]$/m);
    // Retired once: the next reconcile leaves it alone.
    const again = await reconcile(repo);
    assert.deepEqual(again.retired, []);
  });

  it('a location that stops matching a placement loses that placement folder only', async () => {
    changeSpec(repo, { 'inventory/europe.yaml': edit(repo, 'inventory/europe.yaml', ', station: kiruna}', '}') });
    const result = await reconcile(repo);
    assert.deepEqual(result.updated, ['kiruna']);
    const files = [...readTreeFiles(repo, 'edgeplane/kiruna').keys()];
    assert.ok(!files.some((f) => f.startsWith('antenna-control/')));
    assert.ok(files.some((f) => f.startsWith('telemetry/')) && files.some((f) => f.startsWith('monitoring/')));
  });

  it('plan shows, per location, what a spec revision changes, before anything is written', async () => {
    changeSpec(repo, {
      'customizers/telemetry.yaml': edit(repo, 'customizers/telemetry.yaml', 'imageTag: "1.4.2"', 'imageTag: "1.5.0"'),
    });
    const before = refsUnder(repo, 'refs/');
    const plan = await runCli('plan', '--repo', repo);
    assert.equal(plan.code, 0, plan.err);
    assert.deepEqual(moved(before, refsUnder(repo, 'refs/')), [], 'plan writes nothing');
    for (const station of ['cebreros', 'kiruna', 'kourou', 'malargue', 'new-norcia', 'redu']) {
      assert.match(plan.out, new RegExp(`### ${station} \\(update\\)\\n\\n\\| \\| object \\|\\n\\| --- \\| --- \\|\\n\\| ~ \\| telemetry: deployment.apps telemetry/telemetry-ingest \\|`));
    }
    assert.doesNotMatch(plan.out, /darmstadt-lab/);
    assert.match(plan.out, /6 location\(s\) change, 1 unchanged/);
  });

  it('never loses a commit someone else made on a location branch, and says so', async () => {
    git(repo, 'update-ref', 'refs/heads/edgeplane/redu', git(repo, 'commit-tree', '-p', 'edgeplane/redu', '-m', 'hotfix by hand', 'edgeplane/redu^{tree}').trim());
    const hotfix = git(repo, 'rev-parse', 'edgeplane/redu').trim();
    changeSpec(repo, { 'inventory/europe.yaml': edit(repo, 'inventory/europe.yaml', 'R-3', 'R-4') });
    const result = await runCli('reconcile', '--repo', repo, '--now', NOW);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /WARNING: redu's branch had a commit edgeplane did not make/);
    assert.equal(git(repo, 'rev-parse', 'edgeplane/redu~1').trim(), hotfix);
  });
});

describe('folder mode: locations/<name>/ on one branch', () => {
  it('writes every location folder, buildable, and commits only what changed', async () => {
    const repo = specRepoFrom('demo');
    await reconcile(repo, '--mode', 'folder');
    const folders = git(repo, 'ls-tree', '--name-only', 'edgeplane-locations:locations').split('\n').filter(Boolean);
    assert.deepEqual(folders, ['cebreros', 'darmstadt-lab', 'kiruna', 'kourou', 'malargue', 'new-norcia', 'redu']);
    assert.deepEqual([...refsUnder(repo, 'refs/heads/edgeplane/').keys()], [], 'no location branches in folder mode');
    // The same tree as branch mode, location by location.
    const branchRepo = specRepoFrom('demo');
    await reconcile(branchRepo);
    for (const location of folders) {
      assert.equal(
        git(repo, 'rev-parse', `edgeplane-locations:locations/${location}`).trim(),
        git(branchRepo, 'rev-parse', `edgeplane/${location}^{tree}`).trim(),
        location,
      );
    }
    const head = git(repo, 'rev-parse', 'edgeplane-locations').trim();
    assert.deepEqual((await reconcile(repo, '--mode', 'folder')).refs, []);
    changeSpec(repo, { 'inventory/europe.yaml': edit(repo, 'inventory/europe.yaml', 'R-3', 'R-4') });
    const result = await reconcile(repo, '--mode', 'folder');
    assert.deepEqual(result.updated, ['redu']);
    const diff = git(repo, 'diff', '--name-only', head, 'edgeplane-locations').split('\n').filter(Boolean);
    assert.ok(diff.length > 0 && diff.every((f) => f.startsWith('locations/redu/')), diff.join(','));
    fsck(repo);
  });
});
