import * as assert from 'node:assert/strict';
import { hmacHex, readWebhook, sameRepository, shouldReconcile, watchedRefs, type PushEvent } from '../../src/serve/webhook.js';

const SECRET = 'the-secret';
const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'b'.repeat(40), repository: { full_name: 'fleet/spec', clone_url: 'https://git.example.org/fleet/spec.git' } }));

describe('serve: webhook authentication and parsing', () => {
  const cases: [string, Record<string, string>, number, string?][] = [
    ['GitHub, right signature', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmacHex(SECRET, body)}` }, 200, 'github'],
    ['GitHub, upper-case hex', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmacHex(SECRET, body).toUpperCase()}` }, 200, 'github'],
    ['GitHub, wrong signature', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmacHex('other', body)}` }, 401],
    ['GitHub, truncated signature', { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmacHex(SECRET, body).slice(0, 10)}` }, 401],
    ['GitHub, no signature', { 'x-github-event': 'push' }, 401],
    ['Gitea', { 'x-gitea-event': 'push', 'x-github-event': 'push', 'x-gitea-signature': hmacHex(SECRET, body) }, 200, 'gitea'],
    ['Gitea, GitHub-style header only', { 'x-gitea-event': 'push', 'x-hub-signature-256': `sha256=${hmacHex(SECRET, body)}` }, 200, 'gitea'],
    ['Gitea, wrong signature beside a right GitHub one', { 'x-gitea-event': 'push', 'x-gitea-signature': hmacHex('x', body), 'x-hub-signature-256': `sha256=${hmacHex(SECRET, body)}` }, 401],
    ['Forgejo', { 'x-forgejo-event': 'push', 'x-forgejo-signature': hmacHex(SECRET, body) }, 200, 'gitea'],
    ['GitLab', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET }, 200, 'gitlab'],
    ['GitLab, wrong token', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': `${SECRET}x` }, 401],
    ['GitLab, no token', { 'x-gitlab-event': 'Push Hook' }, 401],
    ['no forge header', { 'x-hub-signature-256': `sha256=${hmacHex(SECRET, body)}` }, 401],
  ];
  for (const [what, headers, status, forge] of cases) {
    it(`${what}: ${status}`, () => {
      const verdict = readWebhook({ 'content-type': 'application/json', ...headers }, body, [SECRET]);
      if (status === 200) {
        assert.ok(verdict.ok, JSON.stringify(verdict));
        assert.equal(verdict.forge, forge);
        assert.deepEqual(verdict.push?.ref, 'refs/heads/main');
      } else {
        assert.ok(!verdict.ok);
        assert.equal(verdict.status, status);
      }
    });
  }

  it('accepts any of several secrets (rotation) and refuses everything without one', () => {
    const headers = { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmacHex('new-secret', body)}` };
    assert.ok(readWebhook(headers, body, ['old-secret', 'new-secret']).ok);
    const none = readWebhook(headers, body, []);
    assert.ok(!none.ok && none.status === 401 && /no webhook secret/.test(none.reason));
  });

  it('answers an authentic but unreadable payload with 400', () => {
    const broken = Buffer.from('{not json');
    const verdict = readWebhook({ 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmacHex(SECRET, broken)}` }, broken, [SECRET]);
    assert.ok(!verdict.ok && verdict.status === 400);
  });

  it('reads GitLab system hooks, tag pushes and deletions', () => {
    const payload = Buffer.from(JSON.stringify({ event_name: 'push', ref: 'refs/heads/main', after: '0'.repeat(40), project: { path_with_namespace: 'fleet/spec' } }));
    const verdict = readWebhook({ 'x-gitlab-event': 'System Hook', 'x-gitlab-token': SECRET }, payload, [SECRET]);
    assert.ok(verdict.ok);
    assert.equal(verdict.event, 'push');
    assert.equal(verdict.push?.deleted, true);
    assert.deepEqual(verdict.push?.repository, ['fleet/spec']);
  });

  it('decides which pushes reconcile', () => {
    const push = (ref: string, extra: Partial<PushEvent> = {}): PushEvent => ({ ref, deleted: false, repository: ['fleet/spec', 'https://git.example.org/fleet/spec.git'], ...extra });
    const watch = { refs: watchedRefs('main') };
    assert.deepEqual(watchedRefs('main'), ['refs/heads/main', 'refs/tags/main']);
    assert.deepEqual(watchedRefs('refs/heads/release'), ['refs/heads/release']);
    assert.equal(shouldReconcile(push('refs/heads/main'), watch).reconcile, true);
    assert.equal(shouldReconcile(push('refs/heads/edgeplane/kiruna'), watch).reconcile, false);
    assert.equal(shouldReconcile(push('refs/heads/edgeplane-status'), watch).reconcile, false);
    assert.equal(shouldReconcile(push('refs/heads/main', { deleted: true }), watch).reconcile, false);
    assert.equal(shouldReconcile(push('refs/heads/main'), { ...watch, repositories: ['fleet/spec'] }).reconcile, true);
    assert.equal(shouldReconcile(push('refs/heads/main'), { ...watch, repositories: ['https://git.example.org/fleet/spec'] }).reconcile, true);
    const other = shouldReconcile(push('refs/heads/main'), { ...watch, repositories: ['fleet/other'] });
    assert.equal(other.reconcile, false);
    assert.match(other.reason, /not one of fleet\/other/);
  });

  it('sameRepository() ignores scheme, credentials, case, .git and trailing slashes', () => {
    const same: [string, string][] = [
      ['https://git.example.org/Fleet/Spec.git', 'fleet/spec'],
      ['https://user:token@git.example.org/fleet/spec/', 'https://git.example.org/fleet/spec.git'],
      ['git@git.example.org:fleet/spec.git', 'https://git.example.org/fleet/spec'],
      ['http://127.0.0.1:8080/fleet/spec.git', 'fleet/spec'],
    ];
    for (const [a, b] of same) assert.ok(sameRepository(a, b), `${a} ~ ${b}`);
    assert.ok(!sameRepository('https://git.example.org/fleet/spec', 'fleet/spec-2'));
    assert.ok(!sameRepository('https://git.example.org/other/spec', 'fleet/spec'));
  });
});
