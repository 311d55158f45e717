import assert from 'node:assert/strict';
import { Octokit } from '@octokit/rest';
import { OpenApiValidator, type MatchedOperation } from './openApiValidator.js';
import { FORGE_TOKEN, OWNER, REPO, startForgeFixture, type ForgeFixture } from './forgeFixture.js';

const QUIET = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** The fake forge itself: its OpenAPI checks are real, and it merges like GitHub. */
describe('test forge server', function () {
  let fixture: ForgeFixture;

  beforeEach(async function () {
    fixture = await startForgeFixture();
  });

  afterEach(async function () {
    await fixture?.stop();
  });

  async function call(method: string, path: string, body?: unknown, token: string | null = FORGE_TOKEN): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${fixture.forge.apiUrl}${path}`, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
  }

  it('rejects a create-pull-request body without head (422) and records the violation', async function () {
    await fixture.push('feature', { 'a.txt': 'a\n' });
    const answer = await call('POST', `/repos/${OWNER}/${REPO}/pulls`, { title: 'no head', base: 'main' });
    assert.equal(answer.status, 422);
    assert.match((answer.json as { message: string }).message, /must have required property 'head'/);
    assert.equal(fixture.forge.violations.length, 1);
    const [violation] = fixture.forge.violations;
    assert.equal(violation!.kind, 'request');
    assert.equal(violation!.operationId, 'pulls/create');
    assert.deepEqual(violation!.errors, [`body must have required property 'head' {"missingProperty":"head"}`]);
    assert.deepEqual(fixture.forge.pullRequests(), []);
  });

  it('rejects wrong types, enum values, unknown query parameters, unknown paths and methods, and bad JSON', async function () {
    const cases: { method: string; path: string; body?: unknown; status: number; error: RegExp }[] = [
      { method: 'POST', path: `/repos/${OWNER}/${REPO}/pulls`, body: { head: 'a', base: 'main', title: 7 }, status: 422, error: /body\/title must be string/ },
      { method: 'POST', path: `/repos/${OWNER}/${REPO}/pulls`, body: { head: 'a', base: 'main', draft: 'yes' }, status: 422, error: /body\/draft must be boolean/ },
      { method: 'GET', path: `/repos/${OWNER}/${REPO}/pulls?state=merged`, status: 422, error: /query parameter state must be equal to one of the allowed values/ },
      { method: 'GET', path: `/repos/${OWNER}/${REPO}/pulls?limit=50`, status: 422, error: /query parameter limit is not one of pulls\/list's/ },
      { method: 'GET', path: `/repos/${OWNER}/${REPO}/pulls/first`, status: 422, error: /path parameter pull_number must be integer/ },
      { method: 'PATCH', path: `/repos/${OWNER}/${REPO}/pulls/1`, body: { state: 'merged' }, status: 422, error: /body\/state must be equal to one of the allowed values/ },
      { method: 'POST', path: `/repos/${OWNER}/${REPO}/issues/1/comments`, body: {}, status: 422, error: /body must have required property 'body'/ },
      { method: 'GET', path: `/repos/${OWNER}/${REPO}/pull-requests`, status: 404, error: /no path of GitHub's REST API matches/ },
      { method: 'DELETE', path: `/repos/${OWNER}/${REPO}/pulls/1`, status: 404, error: /DELETE is not an operation of \/repos\/\{owner\}\/\{repo\}\/pulls\/\{pull_number\}/ },
      { method: 'POST', path: `/repos/${OWNER}/${REPO}/pulls`, body: '{"head": ', status: 400, error: /the body is not JSON/ },
    ];
    for (const [i, c] of cases.entries()) {
      const answer = await call(c.method, c.path, c.body);
      assert.equal(answer.status, c.status, `${c.method} ${c.path}`);
      assert.equal(fixture.forge.violations.length, i + 1, `${c.method} ${c.path} recorded`);
      assert.match(fixture.forge.violations[i]!.errors.join('\n'), c.error);
    }
  });

  it('answers 401 without the token, and records unimplemented operations', async function () {
    assert.equal((await call('GET', `/repos/${OWNER}/${REPO}/pulls`, undefined, null)).status, 401);
    assert.equal((await call('GET', `/repos/${OWNER}/${REPO}/pulls`, undefined, 'nope')).status, 401);
    assert.equal(fixture.forge.violations.length, 0);
    assert.equal((await call('GET', `/repos/${OWNER}/${REPO}/pulls/1/files`)).status, 501);
    assert.equal(fixture.forge.violations[0]?.kind, 'unimplemented');
    assert.equal(fixture.forge.violations[0]?.operationId, 'pulls/list-files');
  });

  it('checks answers against the response schemas for real', async function () {
    const validator = await OpenApiValidator.load();
    const operation = validator.match('GET', `/repos/${OWNER}/${REPO}/pulls/3`) as MatchedOperation;
    assert.equal(operation.operationId, 'pulls/get');
    assert.deepEqual(operation.pathParams, { owner: OWNER, repo: REPO, pull_number: '3' });
    const problems = validator.checkResponse(operation, 200, { number: 3, state: 'open' }, true);
    assert.ok(problems.some((p) => /must have required property 'head'/.test(p)), problems.join('\n'));
    assert.ok(validator.checkResponse(operation, 404, { message: 'Not Found' }, true).length === 0);
    // GitHub's own example of a pull request does not quite follow the schema; ours must.
    await fixture.push('feature', { 'a.txt': 'a\n' });
    const created = await call('POST', `/repos/${OWNER}/${REPO}/pulls`, { title: 'ok', head: 'feature', base: 'main' });
    assert.equal(created.status, 201);
    assert.deepEqual(validator.checkResponse(operation, 200, created.json, true), []);
    const withBadDate = { ...(created.json as object), created_at: 'yesterday' };
    assert.match(validator.checkResponse(operation, 200, withBadDate, true).join('\n'), /created_at must match format "date-time"/);
    assert.deepEqual(fixture.forge.violations, []);
  });

  it('merges through the API like GitHub: sha check, merge commit, then 405 for a merged pull request', async function () {
    const octokit = new Octokit({ auth: FORGE_TOKEN, baseUrl: fixture.forge.apiUrl, log: QUIET });
    const head = await fixture.push('feature', { 'a.txt': 'a\n' });
    await fixture.push('other', { 'b.txt': 'b\n' });
    const { data: pr } = await octokit.rest.pulls.create({ owner: OWNER, repo: REPO, head: 'feature', base: 'main', title: 'feature' });
    // main moves on, so the merge is a real three-way merge.
    const { data: other } = await octokit.rest.pulls.create({ owner: OWNER, repo: REPO, head: 'other', base: 'main', title: 'other' });
    const otherMerge = await fixture.forge.merge(other.number, { method: 'rebase' });

    await assert.rejects(
      octokit.rest.pulls.merge({ owner: OWNER, repo: REPO, pull_number: pr.number, sha: '0'.repeat(40) }),
      (error: { status: number }) => error.status === 409,
    );
    const { data: merged } = await octokit.rest.pulls.merge({ owner: OWNER, repo: REPO, pull_number: pr.number, sha: head, commit_title: 'Release wave canary' });
    assert.equal(merged.merged, true);
    assert.deepEqual(await fixture.parents(merged.sha), [otherMerge, head]);
    assert.equal(await fixture.tip('main'), merged.sha);
    await assert.rejects(octokit.rest.pulls.merge({ owner: OWNER, repo: REPO, pull_number: pr.number }), (error: { status: number }) => error.status === 405);
    const { status } = await octokit.rest.pulls.checkIfMerged({ owner: OWNER, repo: REPO, pull_number: pr.number });
    assert.equal(status, 204);
    const { data: got } = await octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: pr.number });
    assert.equal(got.merged_by?.login, 'edgeplane-bot');
    assert.equal(got.merge_commit_sha, merged.sha);
    assert.equal(got.commits, 1);
    assert.equal(got.changed_files, 1);
    assert.deepEqual(fixture.forge.violations, []);
  });

  it('refuses to merge a conflict', async function () {
    await fixture.push('left', { 'same.txt': 'left\n' });
    await fixture.push('right', { 'same.txt': 'right\n' });
    const octokit = new Octokit({ auth: FORGE_TOKEN, baseUrl: fixture.forge.apiUrl, log: QUIET });
    const { data: left } = await octokit.rest.pulls.create({ owner: OWNER, repo: REPO, head: 'left', base: 'main', title: 'left' });
    const { data: right } = await octokit.rest.pulls.create({ owner: OWNER, repo: REPO, head: 'right', base: 'main', title: 'right' });
    await fixture.forge.merge(left.number);
    const { data: view } = await octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: right.number });
    assert.equal(view.mergeable, false);
    assert.equal(view.mergeable_state, 'dirty');
    await assert.rejects(fixture.forge.merge(right.number), /Merge conflict/);
    assert.deepEqual(fixture.forge.violations, []);
  });
});
