import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBareRepo, startGitServer, type GitServer } from '../support/gitServer.js';
import { PackSink } from '../../src/git/packSink.js';
import type { OutputTarget } from '../../src/publish/outputTarget.js';
import { readPublishedState } from '../../src/publish/publishedState.js';
import { Publisher } from '../../src/publish/publisher.js';
import { loadSpec } from '../../src/reconcile/loadSpec.js';
import { prepareFleet, renderFleet } from '../../src/reconcile/renderFleet.js';
import { kustomizeBuild } from '../support/tools.js';
import { changeSpec, fsck, git, gitAsync, refsUnder, runCli, specRepoFrom, tempDir } from '../support/specRepo.js';

const USER = 'fleet-bot';
const TOKEN = 'test-token-4f1d';

describe('remote repositories over smart HTTP (git http-backend, with auth for pushes)', () => {
  let server: GitServer;
  let root: string;
  let work: string;
  let cache: string;
  let tokenFile: string;

  before(async () => {
    root = tempDir('edgeplane-remote-');
    server = await startGitServer({ root, user: USER, token: TOKEN });
    work = specRepoFrom('demo');
    await createBareRepo(root, 'spec.git');
    await gitAsync(work, 'push', '-q', server.authUrl('spec.git'), 'main');
    cache = tempDir('edgeplane-cache-');
    tokenFile = path.join(tempDir(), 'token');
    fs.writeFileSync(tokenFile, `${TOKEN}\n`);
    process.env['EDGEPLANE_GIT_USERNAME'] = USER;
  });
  after(async () => {
    delete process.env['EDGEPLANE_GIT_USERNAME'];
    await server.close();
  });

  const reconcile = (...extra: string[]) =>
    runCli('reconcile', '--repo', server.url('spec.git'), '--token-file', tokenFile, '--cache-dir', cache, '--json', ...extra);

  it('reads the spec over HTTP, renders, and pushes every location branch back', async () => {
    const result = await reconcile();
    assert.equal(result.code, 0, result.err);
    const summary = JSON.parse(result.out);
    assert.equal(summary.created.length, 7);
    assert.equal(summary.pushed, 7);
    const remote = path.join(root, 'spec.git');
    assert.equal(refsUnder(remote, 'refs/heads/edgeplane/').size, 7);
    fsck(remote);
    fsck(fs.readdirSync(cache).map((d) => path.join(cache, d))[0]!);
    assert.ok(!result.out.includes(TOKEN) && !result.err.includes(TOKEN), 'the token is never printed');
  });

  it('a clone of one location branch shows its tree, and it builds', async () => {
    const clone = path.join(tempDir(), 'kiruna');
    await gitAsync(tempDir(), 'clone', '-q', '--single-branch', '--branch', 'edgeplane/kiruna', server.url('spec.git'), clone);
    const files = git(clone, 'ls-files').split('\n');
    assert.ok(files.includes('kustomization.yaml') && files.includes('.edgeplane/placement.yaml'));
    assert.match(await kustomizeBuild(clone), /kind: AntennaConfig/);
    fsck(clone);
  });

  it('a second reconcile pushes nothing; a spec change pushes only what changed', async () => {
    const again = JSON.parse((await reconcile()).out);
    assert.deepEqual([again.pushed, again.refs], [0, []]);
    const text = fs.readFileSync(path.join(work, 'inventory/europe.yaml'), 'utf8').replace('R-3', 'R-4');
    changeSpec(work, { 'inventory/europe.yaml': text });
    await gitAsync(work, 'push', '-q', server.authUrl('spec.git'), 'main');
    const changed = JSON.parse((await reconcile()).out);
    assert.deepEqual(changed.updated, ['redu']);
    assert.equal(changed.pushed, 1);
  });

  it('without credentials the push is refused with a clear error and nothing is lost', async () => {
    const before = refsUnder(path.join(root, 'spec.git'), 'refs/');
    const text = fs.readFileSync(path.join(work, 'inventory/europe.yaml'), 'utf8').replace('R-4', 'R-5');
    changeSpec(work, { 'inventory/europe.yaml': text });
    await gitAsync(work, 'push', '-q', server.authUrl('spec.git'), 'main');
    const spec = git(work, 'rev-parse', 'main').trim();
    const result = await runCli('reconcile', '--repo', server.url('spec.git'), '--cache-dir', cache);
    assert.equal(result.code, 2, result.out);
    assert.match(result.err, /auth|credential|401/i);
    const after = refsUnder(path.join(root, 'spec.git'), 'refs/');
    assert.deepEqual(after, new Map([...before, ['refs/heads/main', spec]]));
    // The refused commit stayed in the local cache only: the next reconcile with credentials still pushes it.
    const retried = JSON.parse((await reconcile()).out);
    assert.deepEqual([retried.updated, retried.pushed], [['redu'], 1]);
    assert.match(git(path.join(root, 'spec.git'), 'show', 'edgeplane/redu:telemetry/configmap_telemetry_station.yaml'), /antenna: R-5/);
  });

  it('a branch someone pushed to is built on, never overwritten', async () => {
    const other = path.join(tempDir(), 'other');
    await gitAsync(tempDir(), 'clone', '-q', '--branch', 'edgeplane/redu', server.url('spec.git'), other);
    fs.writeFileSync(path.join(other, 'NOTES.md'), 'on call: ana\n');
    git(other, 'add', 'NOTES.md');
    git(other, 'commit', '-qm', 'notes');
    await gitAsync(other, 'push', '-q', server.authUrl('spec.git'), 'HEAD:edgeplane/redu');
    const theirs = git(other, 'rev-parse', 'HEAD').trim();
    const text = fs.readFileSync(path.join(work, 'inventory/europe.yaml'), 'utf8').replace('R-5', 'R-6');
    changeSpec(work, { 'inventory/europe.yaml': text });
    await gitAsync(work, 'push', '-q', server.authUrl('spec.git'), 'main');
    const result = await runCli('reconcile', '--repo', server.url('spec.git'), '--token-file', tokenFile, '--cache-dir', cache);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /WARNING: redu's branch had a commit edgeplane did not make/);
    const remote = path.join(root, 'spec.git');
    git(remote, 'merge-base', '--is-ancestor', theirs, 'refs/heads/edgeplane/redu');
    assert.ok(!git(remote, 'ls-tree', '--name-only', 'edgeplane/redu').includes('NOTES.md'), 'the output is exactly the rendered tree');
    fsck(remote);
  });

  it('a push rejected because the remote moved meanwhile is fetched, committed on top, and pushed again', async () => {
    const { spec } = await loadSpec({ repo: server.url('spec.git'), cacheDir: cache, auth: { username: USER, token: TOKEN } });
    const gitdir = fs.readdirSync(cache).map((d) => path.join(cache, d))[0]!;
    const target: OutputTarget = {
      gitdir,
      remote: { url: server.url('spec.git'), auth: { username: USER, token: TOKEN } },
      mode: 'branch',
      branchPrefix: 'edgeplane/',
      folderBranch: 'edgeplane-locations',
    };
    // Our view of what is published, read before another writer pushes to kiruna...
    const published = await readPublishedState(target);
    const other = path.join(tempDir(), 'other');
    await gitAsync(tempDir(), 'clone', '-q', '--branch', 'edgeplane/kiruna', server.url('spec.git'), other);
    git(other, 'commit', '-q', '--allow-empty', '-m', 'someone else');
    await gitAsync(other, 'push', '-q', server.authUrl('spec.git'), 'HEAD:edgeplane/kiruna');
    const theirs = git(other, 'rev-parse', 'HEAD').trim();
    // ...so our kiruna commit, made on the old head, is rejected as not a fast-forward.
    const stale = new Map(published.locations);
    stale.set('kiruna', { ...stale.get('kiruna')!, digest: 'sha1:stale' });
    const publisher = new Publisher({ target, published: { ...published, locations: stale }, createSink: () => new PackSink(gitdir), sourceCommit: spec.commit, now: new Date() });
    const fleet = prepareFleet(spec, published);
    await renderFleet(fleet, target, published, new Set(), ({ tree }) => {
      if (tree.location === 'kiruna') publisher.add(tree);
    });
    const result = await publisher.finish();
    assert.deepEqual(result.push?.rebased, ['refs/heads/edgeplane/kiruna']);
    const remote = path.join(root, 'spec.git');
    git(remote, 'merge-base', '--is-ancestor', theirs, 'refs/heads/edgeplane/kiruna');
    fsck(remote);
  });
});
