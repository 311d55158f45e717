import assert from 'node:assert/strict';
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import { forgeError } from './forgeError.js';

const SECRET = 'ghp_topSecret123';
const context = { operation: 'reading pull request #7', forge: 'github o/r at https://api.github.com', secrets: [SECRET], pullRequest: 7 };

/** An Octokit RequestError's shape. */
function httpError(status: number, data: unknown, headers: Record<string, string> = {}): unknown {
  return Object.assign(new Error('x'), { status, response: { status, headers, data } });
}

describe('forgeError', function () {
  const cases: { name: string; error: unknown; code: string; transient: boolean; message: RegExp; extra?: Record<string, unknown> }[] = [
    { name: '401', error: httpError(401, { message: 'Bad credentials' }), code: 'AUTH', transient: false, message: /refused the token \(HTTP 401: Bad credentials\)/ },
    { name: '403 permission', error: httpError(403, { message: 'Resource not accessible by integration' }), code: 'AUTH', transient: false, message: /may not do this.*pull requests/ },
    {
      name: '403 primary rate limit',
      error: httpError(403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0' }),
      code: 'GIT_FAILED',
      transient: true,
      message: /rate limited/,
    },
    {
      name: '403 secondary rate limit',
      error: httpError(403, { message: 'You have exceeded a secondary rate limit' }, { 'retry-after': '60' }),
      code: 'GIT_FAILED',
      transient: true,
      message: /rate limited/,
      extra: { retryAfterSeconds: 60 },
    },
    { name: '429', error: httpError(429, {}), code: 'GIT_FAILED', transient: true, message: /rate limited \(HTTP 429/ },
    { name: '404', error: httpError(404, { message: 'Not Found' }), code: 'NOT_FOUND', transient: false, message: /not found \(HTTP 404: Not Found\)/ },
    {
      name: '422 with errors',
      error: httpError(422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: 'No commits between main and x' }, { resource: 'PullRequest', field: 'head', code: 'invalid' }] }),
      code: 'GIT_FAILED',
      transient: false,
      message: /HTTP 422: Validation Failed; No commits between main and x; PullRequest head invalid$/,
    },
    { name: '502', error: httpError(502, 'Bad Gateway'), code: 'GIT_FAILED', transient: true, message: /HTTP 502/ },
    { name: 'no answer', error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { status: 500 }), code: 'GIT_FAILED', transient: true, message: /no answer from the forge \(connect ECONNREFUSED/ },
    {
      name: 'a server echoing the token',
      error: httpError(400, { message: `token ${SECRET} is malformed`, documentation_url: `https://x/?t=${SECRET}` }),
      code: 'GIT_FAILED',
      transient: false,
      message: /token \*\*\* is malformed/,
    },
  ];

  for (const c of cases) {
    it(`maps ${c.name}`, function () {
      const error = forgeError(c.error, context);
      assert.ok(error instanceof EdgeplaneError);
      assert.equal(error.code, c.code);
      assert.equal(error.data.transient, c.transient);
      assert.equal(error.data.pullRequest, 7);
      assert.match(error.message, c.message);
      assert.match(error.message, /^github o\/r at https:\/\/api\.github\.com: reading pull request #7 failed/);
      for (const [key, value] of Object.entries(c.extra ?? {})) assert.equal(error.data[key], value);
      assert.ok(!`${error.message}${JSON.stringify(error.data)}`.includes(SECRET));
      assert.equal(error.cause, undefined, 'the Octokit error (request record and all) is not kept');
    });
  }

  it('passes an EdgeplaneError through', function () {
    const original = new EdgeplaneError('BAD_ARGUMENT', 'no');
    assert.equal(forgeError(original, context), original);
  });
});
