import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GitHubForge } from '../../src/forge/githubForge.js';
import { FORGE_ROUTES } from '../../src/simulate/forge/forgeRoutes.js';
import { OpenApiValidator, type MatchedOperation } from './openApiValidator.js';
import { FORGE_TOKEN, OWNER, REPO, startForgeFixture, type ForgeFixture } from './forgeFixture.js';

/** GET/POST/... with JSON, as any client would send it. */
async function call(apiUrl: string, method: string, route: string, body?: unknown, token: string | null = FORGE_TOKEN): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${apiUrl}${route}`, {
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

/** The simulated forge as edgeplane's demo runs it: its own route table, no OpenAPI description at hand. */
describe('simulated forge (src/simulate/forge)', function () {
  it('routes exactly as GitHub\'s OpenAPI description: operationId, path parameters, query and body fields and their types', async function () {
    const validator = await OpenApiValidator.load();
    for (const route of FORGE_ROUTES) {
      const matched = validator.match(route.method, route.template);
      assert.ok(!('error' in matched), `${route.method} ${route.template}: ${'error' in matched ? matched.error : ''}`);
      const operation = matched as MatchedOperation;
      assert.equal(operation.operationId, route.operationId, `${route.method} ${route.template}`);
      assert.equal(operation.template, route.template);
      const inputs = validator.inputsOf(operation);
      assert.deepEqual(Object.keys(route.pathParams), Object.keys(inputs.path), `${route.operationId} path parameters`);
      const fields: [string, Record<string, { type: string; required?: true; oneOf?: readonly string[] }>, Record<string, Record<string, unknown>>][] = [
        ['path', route.pathParams, inputs.path],
        ['query', 'query' in route ? route.query : {}, inputs.query],
        ['body', 'body' in route ? route.body : {}, inputs.body?.properties ?? {}],
      ];
      for (const [where, ours, documented] of fields) {
        for (const [name, field] of Object.entries(ours)) {
          const schema = documented[name];
          assert.ok(schema !== undefined, `${route.operationId}: GitHub documents no ${where} field ${name}`);
          assert.equal(schema.type, field.type, `${route.operationId} ${where} ${name} type`);
          assert.deepEqual(field.oneOf ?? null, (schema.enum as string[] | undefined) ?? null, `${route.operationId} ${where} ${name} values`);
        }
      }
      assert.equal('body' in route, inputs.body !== undefined, `${route.operationId} takes a body exactly when GitHub's does`);
      const required = Object.entries('body' in route ? route.body : {}).filter(([, f]) => 'required' in f).map(([name]) => name);
      assert.deepEqual(required.sort(), [...(inputs.body?.required ?? [])].sort(), `${route.operationId} required body fields`);
    }
  });

  it('lets GitHub\'s description decide the operation under the checker: a path the route table would misread is unimplemented', async function () {
    const fixture = await startForgeFixture();
    try {
      // The route table would take `comments` for a pull_number; GitHub has an operation of its own there.
      const answer = await call(fixture.forge.apiUrl, 'GET', `/repos/${OWNER}/${REPO}/pulls/comments`);
      assert.equal(answer.status, 501);
      assert.deepEqual(
        fixture.forge.violations.map((v) => [v.kind, v.operationId]),
        [['unimplemented', 'pulls/list-review-comments-for-repo']],
      );
    } finally {
      await fixture.stop();
    }
  });

  describe('without a checker', function () {
    let fixture: ForgeFixture;

    before(async function () {
      fixture = await startForgeFixture({ unchecked: true });
    });

    after(async function () {
      await fixture?.stop();
    });

    it('serves edgeplane\'s GitHub client: open, find, comment, a person merges, the client sees it merged', async function () {
      const forge = new GitHubForge({ apiUrl: fixture.forge.apiUrl, owner: OWNER, repo: REPO, token: FORGE_TOKEN });
      const head = await fixture.push('edgeplane/rollout/telemetry/canary', { 'kiruna.yaml': 'image: 1.5\n' });
      const opened = await forge.openPullRequest({ head: 'edgeplane/rollout/telemetry/canary', base: 'main', title: 'wave canary', body: 'kiruna' });
      assert.equal(opened.created, true);
      assert.equal(opened.headSha, head);
      assert.equal((await forge.findPullRequest({ head: 'edgeplane/rollout/telemetry/canary', base: 'main' }))?.number, opened.number);
      await forge.commentOnPullRequest(opened.number, 'approved by the demo script');
      const merged = await fixture.forge.merge(opened.number);
      const state = await forge.getPullRequest(opened.number);
      assert.equal(state.state, 'merged');
      assert.equal(state.mergeCommit, merged);
      assert.equal(await fixture.tip('main'), merged);
      assert.deepEqual(fixture.forge.pullRequests()[0]?.comments, ['approved by the demo script']);
      assert.equal(fixture.forge.apiVersion, null);
      assert.deepEqual(fixture.forge.violations, []);
    });

    it('still refuses bad requests with GitHub\'s statuses, says what is wrong, and records them', async function () {
      const pulls = `/repos/${OWNER}/${REPO}/pulls`;
      const cases: { method: string; path: string; body?: unknown; status: number; error: RegExp }[] = [
        { method: 'POST', path: pulls, body: { title: 'no head', base: 'main' }, status: 422, error: /body must have required property 'head'/ },
        { method: 'POST', path: pulls, body: { head: 'a', base: 'main', title: 7 }, status: 422, error: /body\/title must be string/ },
        { method: 'GET', path: `${pulls}?state=merged`, status: 422, error: /query parameter state must be one of open, closed, all \(not "merged"\)/ },
        { method: 'GET', path: `${pulls}/first`, status: 422, error: /path parameter pull_number must be integer/ },
        { method: 'PUT', path: `${pulls}/1/merge`, body: '[1]', status: 422, error: /pulls\/merge takes a JSON object as its body/ },
        { method: 'GET', path: `/repos/${OWNER}/${REPO}/pull-requests`, status: 404, error: /serves no operation at \/repos\/octo-org\/fleet\/pull-requests; it serves pulls\/list, pulls\/create/ },
        { method: 'DELETE', path: `${pulls}/1`, status: 404, error: /DELETE is not served at .*pulls\/1 \(the simulated forge serves GET, PATCH there\)/ },
        { method: 'POST', path: pulls, body: '{"head": ', status: 400, error: /the body is not JSON/ },
      ];
      const before = fixture.forge.violations.length;
      for (const [i, c] of cases.entries()) {
        const answer = await call(fixture.forge.apiUrl, c.method, c.path, c.body);
        assert.equal(answer.status, c.status, `${c.method} ${c.path}`);
        const violation = fixture.forge.violations[before + i];
        assert.equal(violation?.kind, 'request', `${c.method} ${c.path} recorded`);
        assert.match(violation.errors.join('\n'), c.error);
      }
      assert.equal((await call(fixture.forge.apiUrl, 'GET', pulls, undefined, null)).status, 401);
      assert.equal((await call(fixture.forge.apiUrl, 'GET', `/repos/${OWNER}/other/pulls`)).status, 404);
    });
  });

  it('runs from the package alone: everything it imports is Node, a dependency, or product code', function () {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const productCode = path.join(root, 'dist', 'src');
    const seen = new Set<string>();
    const problems: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = fs.readFileSync(file, 'utf8');
      // Static imports and re-exports, and modules reached at run time (`import()`, `require()`, `require.resolve()`).
      const specifiers = [
        ...text.matchAll(/^(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]/gm),
        ...text.matchAll(/\b(?:import|require|resolve)\(\s*['"]([^'"]+)['"]/g),
      ].map((match) => match[1]!);
      for (const specifier of specifiers) {
        if (specifier.startsWith('.')) {
          const target = path.resolve(path.dirname(file), specifier);
          if (!target.startsWith(productCode + path.sep)) problems.push(`${path.relative(root, file)} imports ${specifier}, outside dist/src`);
          else visit(target);
        } else {
          const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
          if (!specifier.startsWith('node:') && !builtinModules.includes(name) && !(name in pkg.dependencies)) {
            problems.push(`${path.relative(root, file)} imports ${specifier}, which is not a dependency`);
          }
        }
      }
    };
    visit(path.join(productCode, 'simulate', 'forge', 'forgeServer.js'));
    assert.deepEqual(problems, []);
    assert.ok(seen.size >= 5, `followed the imports (${seen.size} files)`);
  });
});
