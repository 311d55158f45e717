import assert from 'node:assert/strict';
import { EdgeplaneError } from '../../src/errors/edgeplaneError.js';
import { MAX_PULL_REQUEST_BODY, type Forge } from '../../src/forge/forge.js';
import { GitHubForge } from '../../src/forge/githubForge.js';
import { fsck } from '../support/specRepo.js';
import { FORGE_TOKEN, OWNER, REPO, startForgeFixture, type ForgeFixture } from './forgeFixture.js';

const WAVE_BODY = [
  '### Wave `canary` of rollout `telemetry`',
  '',
  '| location | change |',
  '| --- | --- |',
  '| kiruna | Deployment/telemetry: image 1.4 → 1.5 |',
  '| svalbard | Deployment/telemetry: image 1.4 → 1.5 |',
  '',
  'Merge to release this wave; close to abort the rollout.',
].join('\n');

describe('GitHubForge against a GitHub-API server checked with GitHub\'s OpenAPI description', function () {
  let fixture: ForgeFixture;
  let forge: Forge;

  before(async function () {
    fixture = await startForgeFixture();
    forge = new GitHubForge({ apiUrl: fixture.forge.apiUrl, owner: OWNER, repo: REPO, token: FORGE_TOKEN });
  });

  after(async function () {
    await fixture?.stop();
  });

  afterEach(function () {
    // Every request the forge made, and every answer it read, is GitHub's REST API as documented.
    assert.deepEqual(fixture.forge.violations, []);
  });

  it('opens a wave pull request, and opening it again returns the same one instead of a duplicate', async function () {
    const head = await fixture.push('edgeplane/rollout/telemetry/canary', { 'kiruna/deployment.yaml': 'image: 1.5\n' });
    const opened = await forge.openPullRequest({ head: 'edgeplane/rollout/telemetry/canary', base: 'main', title: 'Rollout telemetry: wave canary', body: WAVE_BODY });
    assert.equal(opened.created, true);
    assert.equal(opened.state, 'open');
    assert.equal(opened.headSha, head);
    assert.equal(opened.head, 'edgeplane/rollout/telemetry/canary');
    assert.equal(opened.base, 'main');
    assert.equal(opened.body, WAVE_BODY);
    assert.match(opened.url, new RegExp(`/${OWNER}/${REPO}/pull/${opened.number}$`));

    // A restarted reconciler asks again, with a description that has moved on meanwhile.
    const again = await forge.openPullRequest({ head: 'edgeplane/rollout/telemetry/canary', base: 'main', title: 'Rollout telemetry: wave canary', body: `${WAVE_BODY}\n(restarted)` });
    assert.equal(again.created, false);
    assert.equal(again.number, opened.number);
    assert.equal(again.body, WAVE_BODY, 'the existing description is returned, for the caller to compare and update');
    const creates = fixture.forge.requests.filter((r) => r.operationId === 'pulls/create');
    assert.equal(creates.length, 1);
    assert.equal(fixture.forge.pullRequests().filter((pr) => pr.head === 'edgeplane/rollout/telemetry/canary').length, 1);
  });

  it('two replicas opening the same pull request at once end up with one', async function () {
    await fixture.push('edgeplane/rollout/race/canary', { 'race.yaml': 'x: 1\n' });
    const options = { head: 'edgeplane/rollout/race/canary', base: 'main', title: 'Rollout race: wave canary', body: 'race' };
    const [a, b] = await Promise.all([forge.openPullRequest(options), forge.openPullRequest(options)]);
    assert.equal(a.number, b.number);
    assert.deepEqual([a.created, b.created].sort(), [false, true]);
    assert.equal(fixture.forge.pullRequests().filter((pr) => pr.head === options.head).length, 1);
  });

  it('finds the newest pull request between two branches in any state, and null when there is none', async function () {
    assert.equal(await forge.findPullRequest({ head: 'edgeplane/rollout/nothing/here', base: 'main' }), null);
    await fixture.push('edgeplane/rollout/find/eu', { 'eu.yaml': 'a: 1\n' });
    const first = await forge.openPullRequest({ head: 'edgeplane/rollout/find/eu', base: 'main', title: 'first', body: '' });
    await fixture.forge.close(first.number);
    const closed = await forge.findPullRequest({ head: 'edgeplane/rollout/find/eu', base: 'main' });
    assert.equal(closed?.number, first.number);
    assert.equal(closed?.state, 'closed');

    // After a closed one, opening creates a new pull request; find returns the newer.
    const second = await forge.openPullRequest({ head: 'edgeplane/rollout/find/eu', base: 'main', title: 'second', body: '' });
    assert.equal(second.created, true);
    assert.notEqual(second.number, first.number);
    const found = await forge.findPullRequest({ head: 'edgeplane/rollout/find/eu', base: 'main' });
    assert.equal(found?.number, second.number);
    assert.equal(found?.state, 'open');
    // Another base is another pair of branches.
    assert.equal(await forge.findPullRequest({ head: 'edgeplane/rollout/find/eu', base: 'edgeplane/rollout/telemetry/canary' }), null);
  });

  it('reports open, then merged with the merge commit on the base branch, after a person merges', async function () {
    await fixture.push('edgeplane/rollout/merge/canary', { 'merge.yaml': 'v: 1\n' });
    const pr = await forge.openPullRequest({ head: 'edgeplane/rollout/merge/canary', base: 'main', title: 'Rollout merge: wave canary', body: WAVE_BODY });
    // The head follows pushes while the pull request is open.
    const head = await fixture.push('edgeplane/rollout/merge/canary', { 'merge.yaml': 'v: 2\n' }, 'edgeplane/rollout/merge/canary');
    const open = await forge.getPullRequest(pr.number);
    assert.equal(open.state, 'open');
    assert.equal(open.headSha, head);
    assert.equal(open.mergeCommit, undefined);

    const baseBefore = await fixture.tip('main');
    const merged = await fixture.forge.merge(pr.number);
    const state = await forge.getPullRequest(pr.number);
    assert.equal(state.state, 'merged');
    assert.equal(state.mergeCommit, merged);
    assert.equal(state.mergedBy, 'release-manager');
    assert.equal(state.headSha, head);
    assert.equal(await fixture.tip('main'), merged);
    assert.deepEqual(await fixture.parents(merged), [baseBefore, head], 'a real merge commit: base first, then head');
    await fsck(fixture.gitdir);

    // A merged pull request is found as merged, and opening again for the same branches opens nothing new
    // only while one is open: here there is none, and the head has nothing main lacks, so the forge refuses.
    const found = await forge.findPullRequest({ head: 'edgeplane/rollout/merge/canary', base: 'main' });
    assert.equal(found?.state, 'merged');
    assert.equal(found?.mergeCommit, merged);
    await assert.rejects(
      forge.openPullRequest({ head: 'edgeplane/rollout/merge/canary', base: 'main', title: 'again', body: '' }),
      (error: EdgeplaneError) => error.code === 'GIT_FAILED' && error.data.status === 422 && /No commits between/.test(error.message),
    );
  });

  it('reports a fast-forward merge (rebase method, base not moved): the merge commit is the head', async function () {
    const head = await fixture.push('edgeplane/rollout/ff/canary', { 'ff.yaml': 'v: 1\n' });
    const pr = await forge.openPullRequest({ head: 'edgeplane/rollout/ff/canary', base: 'main', title: 'ff', body: '' });
    assert.equal(await fixture.forge.merge(pr.number, { method: 'rebase' }), head);
    const state = await forge.getPullRequest(pr.number);
    assert.equal(state.state, 'merged');
    assert.equal(state.mergeCommit, head);
    assert.equal(await fixture.tip('main'), head);
  });

  it('reports closed (not merged) after a person closes it, or after closePullRequest', async function () {
    await fixture.push('edgeplane/rollout/abort/canary', { 'abort.yaml': 'v: 1\n' });
    const pr = await forge.openPullRequest({ head: 'edgeplane/rollout/abort/canary', base: 'main', title: 'abort', body: '' });
    await fixture.forge.close(pr.number);
    const state = await forge.getPullRequest(pr.number);
    assert.equal(state.state, 'closed');
    assert.equal(state.mergeCommit, undefined);

    await fixture.push('edgeplane/rollout/superseded/canary', { 'superseded.yaml': 'v: 1\n' });
    const old = await forge.openPullRequest({ head: 'edgeplane/rollout/superseded/canary', base: 'main', title: 'old', body: '' });
    const closed = await forge.closePullRequest(old.number);
    assert.equal(closed.state, 'closed');
    assert.equal((await forge.closePullRequest(old.number)).state, 'closed', 'closing twice changes nothing');
    assert.equal(fixture.forge.pullRequests().find((p) => p.number === old.number)?.merged, false);
  });

  it('comments on a pull request and updates its title and description', async function () {
    await fixture.push('edgeplane/rollout/talk/canary', { 'talk.yaml': 'v: 1\n' });
    const pr = await forge.openPullRequest({ head: 'edgeplane/rollout/talk/canary', base: 'main', title: 'talk', body: 'v1' });
    const comment = await forge.commentOnPullRequest(pr.number, 'Wave `canary` is healthy: 2/2 locations.');
    assert.ok(comment.id > 0);
    assert.match(comment.url, new RegExp(`/pull/${pr.number}#issuecomment-${comment.id}$`));
    assert.deepEqual(fixture.forge.pullRequests().find((p) => p.number === pr.number)?.comments, ['Wave `canary` is healthy: 2/2 locations.']);

    const updated = await forge.updatePullRequest(pr.number, { body: 'v2' });
    assert.equal(updated.body, 'v2');
    assert.equal(updated.title, 'talk');
    const retitled = await forge.updatePullRequest(pr.number, { title: 'Rollout talk: wave canary (2 locations)' });
    assert.equal(retitled.title, 'Rollout talk: wave canary (2 locations)');
    assert.equal(retitled.body, 'v2');
    assert.equal((await forge.updatePullRequest(pr.number, {})).title, retitled.title, 'no change, no write');
  });

  it('maps a missing pull request to NOT_FOUND', async function () {
    await assert.rejects(forge.getPullRequest(9999), (error: EdgeplaneError) => {
      assert.equal(error.code, 'NOT_FOUND');
      assert.equal(error.data.status, 404);
      assert.equal(error.data.pullRequest, 9999);
      assert.match(error.message, /reading pull request #9999/);
      return true;
    });
    await assert.rejects(forge.commentOnPullRequest(9999, 'hello'), { code: 'NOT_FOUND' });
  });

  it('maps a refused token to AUTH without the token anywhere in the error', async function () {
    const wrongToken = 'ghp_WRONGwrongWRONG0123456789';
    const bad = new GitHubForge({ apiUrl: fixture.forge.apiUrl, owner: OWNER, repo: REPO, token: wrongToken });
    for (const call of [() => bad.getPullRequest(1), () => bad.findPullRequest({ head: 'x', base: 'main' }), () => bad.commentOnPullRequest(1, 'x')]) {
      const error = await call().then(
        () => assert.fail('expected a refusal'),
        (e: unknown) => e as EdgeplaneError,
      );
      assert.ok(error instanceof EdgeplaneError);
      assert.equal(error.code, 'AUTH');
      assert.equal(error.data.status, 401);
      assert.match(error.message, /refused the token \(HTTP 401: Bad credentials\)/);
      const everything = `${error.message} ${error.stack ?? ''} ${JSON.stringify(error.data)} ${String(error.cause)}`;
      assert.ok(!everything.includes(wrongToken), everything);
      assert.ok(!everything.includes(FORGE_TOKEN));
    }
  });

  it('refuses arguments no forge would take, before sending anything', async function () {
    const before = fixture.forge.requests.length;
    const tooLong = 'x'.repeat(MAX_PULL_REQUEST_BODY + 1);
    await assert.rejects(forge.openPullRequest({ head: 'a', base: 'main', title: 't', body: tooLong }), (e: EdgeplaneError) => e.code === 'BAD_ARGUMENT' && /summarize/.test(e.message));
    await assert.rejects(forge.openPullRequest({ head: 'refs/heads/a', base: 'main', title: 't', body: '' }), { code: 'BAD_ARGUMENT' });
    await assert.rejects(forge.openPullRequest({ head: 'a..b', base: 'main', title: 't', body: '' }), { code: 'BAD_ARGUMENT' });
    await assert.rejects(forge.openPullRequest({ head: 'main', base: 'main', title: 't', body: '' }), { code: 'BAD_ARGUMENT' });
    await assert.rejects(forge.openPullRequest({ head: 'a', base: 'main', title: 'two\nlines', body: '' }), { code: 'BAD_ARGUMENT' });
    await assert.rejects(forge.getPullRequest(0), { code: 'BAD_ARGUMENT' });
    await assert.rejects(forge.commentOnPullRequest(1, '  '), { code: 'BAD_ARGUMENT' });
    assert.equal(fixture.forge.requests.length, before);
  });

  it('maps an unreachable forge to a transient GIT_FAILED', async function () {
    const gone = await startForgeFixture();
    const apiUrl = gone.forge.apiUrl;
    await gone.stop();
    const unreachable = new GitHubForge({ apiUrl, owner: OWNER, repo: REPO, token: FORGE_TOKEN, timeoutMs: 5000 });
    await assert.rejects(unreachable.getPullRequest(1), (error: EdgeplaneError) => {
      assert.equal(error.code, 'GIT_FAILED');
      assert.equal(error.data.transient, true);
      assert.match(error.message, /no answer from the forge/);
      return true;
    });
  });
});
