import assert from 'node:assert/strict';
import type { Forge } from '../../src/forge/forge.js';
import { createForge } from '../../src/forge/createForge.js';
import { FORGE_TOKEN, OWNER, REPO, startForgeFixture, type ForgeFixture } from './forgeFixture.js';

describe('Gitea/Forgejo through their GitHub-compatible API (mounted at /api/v1)', function () {
  let fixture: ForgeFixture;
  let forge: Forge;

  before(async function () {
    // Gitea's differences a client must cope with: list filters ignored, pages of its own size (2 here, so a
    // handful of pull requests spans pages), duplicates refused with 409.
    fixture = await startForgeFixture({ basePath: '/api/v1', flavor: 'gitea', maxPageSize: 2 });
    const server = fixture.forge.apiUrl.replace(/\/api\/v1$/, '');
    forge = await createForge(
      { type: 'gitea', url: server, owner: OWNER, repo: REPO, tokenEnv: 'FLEET_GITEA_TOKEN' },
      { env: { FLEET_GITEA_TOKEN: `${FORGE_TOKEN}\n` } },
    );
  });

  after(async function () {
    await fixture?.stop();
  });

  afterEach(function () {
    assert.deepEqual(fixture.forge.violations, []);
  });

  it('adds /api/v1 to the server address and names the forge', function () {
    assert.equal(forge.description, `gitea ${OWNER}/${REPO} at ${fixture.forge.apiUrl}`);
  });

  it('opens, finds among several pages of unfiltered pull requests, and stays idempotent', async function () {
    const waves = ['canary', 'eu', 'us', 'apac', 'rest'];
    const opened = new Map<string, number>();
    for (const wave of waves) {
      await fixture.push(`edgeplane/rollout/gitea/${wave}`, { [`${wave}.yaml`]: `wave: ${wave}\n` });
      const pr = await forge.openPullRequest({ head: `edgeplane/rollout/gitea/${wave}`, base: 'main', title: `wave ${wave}`, body: wave });
      assert.equal(pr.created, true);
      opened.set(wave, pr.number);
    }
    for (const wave of waves) {
      const again = await forge.openPullRequest({ head: `edgeplane/rollout/gitea/${wave}`, base: 'main', title: `wave ${wave}`, body: wave });
      assert.equal(again.created, false);
      assert.equal(again.number, opened.get(wave));
      const found = await forge.findPullRequest({ head: `edgeplane/rollout/gitea/${wave}`, base: 'main' });
      assert.equal(found?.number, opened.get(wave));
      assert.equal(found?.title, `wave ${wave}`);
    }
    assert.equal(fixture.forge.requests.filter((r) => r.operationId === 'pulls/create').length, waves.length);
    assert.ok(fixture.forge.requests.every((r) => r.status !== 404), 'every request went under /api/v1');
  });

  it('concurrent opens end with one pull request (Gitea refuses the duplicate with 409)', async function () {
    await fixture.push('edgeplane/rollout/gitea-race/canary', { 'race.yaml': 'x: 1\n' });
    const options = { head: 'edgeplane/rollout/gitea-race/canary', base: 'main', title: 'race', body: '' };
    const results = await Promise.all([forge.openPullRequest(options), forge.openPullRequest(options), forge.openPullRequest(options)]);
    assert.equal(new Set(results.map((r) => r.number)).size, 1);
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.equal(fixture.forge.pullRequests().filter((pr) => pr.head === options.head).length, 1);
  });

  it('reports merged, then closed states, and comments', async function () {
    const head = await fixture.push('edgeplane/rollout/gitea-state/canary', { 'state.yaml': 'v: 1\n' });
    const pr = await forge.openPullRequest({ head: 'edgeplane/rollout/gitea-state/canary', base: 'main', title: 'state', body: '' });
    await forge.commentOnPullRequest(pr.number, 'waiting for review');
    const mergeCommit = await fixture.forge.merge(pr.number, { method: 'squash', by: 'ops-lead' });
    const merged = await forge.getPullRequest(pr.number);
    assert.equal(merged.state, 'merged');
    assert.equal(merged.mergeCommit, mergeCommit);
    assert.equal(merged.mergedBy, 'ops-lead');
    assert.equal(merged.headSha, head);
    assert.deepEqual((await fixture.parents(mergeCommit)).length, 1, 'squash: one new commit on main');

    await fixture.push('edgeplane/rollout/gitea-state/eu', { 'eu.yaml': 'v: 1\n' });
    const eu = await forge.openPullRequest({ head: 'edgeplane/rollout/gitea-state/eu', base: 'main', title: 'eu', body: '' });
    await fixture.forge.close(eu.number);
    assert.equal((await forge.getPullRequest(eu.number)).state, 'closed');
  });
});
