import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { hmacHex } from '../../src/serve/webhook.js';
import { createBareRepo } from '../support/gitServer.js';
import { gitAsync, tempDir } from '../support/specRepo.js';
import {
  fixtureFiles,
  githubRequest,
  GIT_TOKEN,
  locationBranches,
  post,
  pushPayload,
  reconciled,
  serviceEnv,
  startService,
  startSpecRemote,
  TRIGGER_TOKEN,
  waitFor,
  WEBHOOK_SECRET,
  type SpecRemote,
  type TestService,
} from './serveSupport.js';

interface WebhookExample {
  name: string;
  examples: Record<string, unknown>[];
}
const webhookExamples = createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookExample[];

const DEMO_LOCATIONS = ['cebreros', 'darmstadt-lab', 'kiruna', 'kourou', 'malargue', 'new-norcia', 'redu'];

describe('serve: the service against a spec repo on git http-backend', function () {
  this.timeout(120_000);
  let remote: SpecRemote;
  let t: TestService;

  before(async () => {
    remote = await startSpecRemote(fixtureFiles('demo'), ['master']);
    t = await startService(serviceEnv(remote));
    await waitFor(() => reconciled(t.outcomes).length >= 1, 60_000, 'the first reconcile');
    await t.service.queue.whenIdle();
  });

  after(async () => {
    await t?.service.stop();
    await remote?.close();
  });

  it('publishes every location on start-up', async () => {
    const first = reconciled(t.outcomes)[0]!.result!;
    assert.deepEqual([...first.created].sort(), DEMO_LOCATIONS);
    assert.deepEqual([...(await locationBranches(remote.bare)).keys()].sort(), DEMO_LOCATIONS);
  });

  it('answers a webhook with a bad signature with 401 and triggers nothing', async () => {
    const runs = t.service.queue.state.runs;
    const good = githubRequest('push', pushPayload('refs/heads/main', 'a'.repeat(40), remote.url));
    const tampered = { ...good, body: good.body.replace('refs/heads/main', 'refs/heads/mainx') };
    const bad: [string, { headers: Record<string, string>; body: string }][] = [
      ['wrong secret', githubRequest('push', pushPayload('refs/heads/main', 'a'.repeat(40), remote.url), 'not-the-secret')],
      ['tampered body', tampered],
      ['no signature', { ...good, headers: { ...good.headers, 'x-hub-signature-256': '' } }],
      ['sha1 only', { ...good, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature': `sha1=${'0'.repeat(40)}` } }],
      ['no event header', { ...good, headers: { 'content-type': 'application/json', 'x-hub-signature-256': good.headers['x-hub-signature-256']! } }],
      ['gitlab wrong token', { body: good.body, headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'guess' } }],
      ['gitea wrong signature', { body: good.body, headers: { 'content-type': 'application/json', 'x-gitea-event': 'push', 'x-gitea-signature': hmacHex('guess', good.body) } }],
    ];
    for (const [what, request] of bad) {
      const response = await post(`${t.url}/webhook`, request);
      assert.equal(response.status, 401, what);
      assert.equal(typeof response.json['error'], 'string', what);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(t.service.queue.state.runs, runs, 'no reconcile ran');
    assert.equal(t.service.queue.state.waiting, 0, 'none is waiting');
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(metrics, /edgeplane_webhooks_total\{forge="github",result="unauthorized"\} 4/);
    assert.match(metrics, /edgeplane_webhooks_total\{forge="gitlab",result="unauthorized"\} 1/);
    assert.match(metrics, /edgeplane_webhooks_total\{forge="unknown",result="unauthorized"\} 1/);
  });

  it('coalesces 100 webhooks in a burst into at most 2 reconciles', async () => {
    await t.service.queue.whenIdle();
    const runs = t.service.queue.state.runs;
    const head = (await gitAsync(remote.work, 'rev-parse', 'HEAD')).trim();
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => post(`${t.url}/webhook`, githubRequest('push', pushPayload('refs/heads/main', head, remote.url)))),
    );
    assert.deepEqual([...new Set(responses.map((r) => r.status))], [202]);
    await t.service.queue.whenIdle();
    const ran = t.service.queue.state.runs - runs;
    assert.ok(ran >= 1 && ran <= 2, `${ran} reconciles for 100 webhooks`);
  });

  it('a push to the spec repo, announced by a webhook, updates the location branches', async () => {
    const before = await locationBranches(remote.bare);
    const files = fixtureFiles('demo');
    const template = files['workloads/telemetry/station.yaml.hbs']!;
    const sha = await remote.push({ 'workloads/telemetry/station.yaml.hbs': `${template}  pipeline: v2\n` }, 'telemetry: pipeline v2');
    const response = await post(`${t.url}/webhook`, githubRequest('push', pushPayload('refs/heads/main', sha, remote.url)));
    assert.equal(response.status, 202);
    assert.equal(response.json['triggered'], true);
    const outcome = await waitFor(() => reconciled(t.outcomes).find((o) => o.result!.specCommit === sha), 60_000, `a reconcile of ${sha}`);
    const after = await locationBranches(remote.bare);
    const changed = DEMO_LOCATIONS.filter((l) => before.get(l) !== after.get(l));
    assert.deepEqual(changed, [...outcome.result!.updated].sort());
    assert.ok(changed.includes('kiruna') && !changed.includes('darmstadt-lab'), `changed: ${changed.join(', ')}`);
    const station = await gitAsync(remote.bare, 'show', 'refs/heads/edgeplane/kiruna:telemetry/configmap_telemetry_station.yaml');
    assert.match(station, /pipeline: v2/);
    const message = await gitAsync(remote.bare, 'log', '-1', '--format=%B', 'refs/heads/edgeplane/kiruna');
    assert.match(message, new RegExp(`Edgeplane-Source: ${sha}`));
  });

  it('accepts real GitHub payloads (@octokit/webhooks-examples) and reconciles only pushes to the spec ref', async () => {
    const master = await startService(serviceEnv(remote, { EDGEPLANE_REF: 'master' }));
    try {
      await waitFor(() => reconciled(master.outcomes).length >= 1, 60_000, 'the first reconcile');
      await master.service.queue.whenIdle();
      const runs = master.service.queue.state.runs;
      let sent = 0;
      let triggered = 0;
      for (const { name, examples } of webhookExamples) {
        for (const example of examples) {
          const response = await post(`${master.url}/webhook`, githubRequest(name, example));
          assert.ok(response.status === 200 || response.status === 202, `${name}: ${response.status} ${JSON.stringify(response.json)}`);
          sent++;
          if (response.json['triggered'] === true) {
            triggered++;
            assert.equal(name, 'push');
            assert.equal(example['ref'], 'refs/heads/master');
          }
        }
      }
      const pushes = webhookExamples.find((e) => e.name === 'push')!.examples;
      const expected = pushes.filter((p) => p['ref'] === 'refs/heads/master' && p['deleted'] !== true).length;
      assert.ok(sent > 100, `${sent} example payloads`);
      assert.equal(triggered, expected);
      assert.ok(expected >= 2);
      await master.service.queue.whenIdle();
      const ran = master.service.queue.state.runs - runs;
      assert.ok(ran >= 1 && ran <= 2, `${ran} reconciles`);
      // The form-encoded variant GitHub offers is accepted too.
      const push = pushes.find((p) => p['ref'] === 'refs/heads/master')!;
      const form = `payload=${encodeURIComponent(JSON.stringify(push))}`;
      const response = await post(`${master.url}/webhook`, {
        body: form,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmacHex(WEBHOOK_SECRET, form)}` },
      });
      assert.equal(response.status, 202);
    } finally {
      await master.service.stop();
    }
  });

  it('accepts Gitea and GitLab pushes with their own signature and token', async () => {
    const sha = (await gitAsync(remote.work, 'rev-parse', 'HEAD')).trim();
    const gitea = JSON.stringify({ ref: 'refs/heads/main', before: '0'.repeat(40), after: sha, repository: { full_name: 'fleet/spec', clone_url: remote.url } });
    const giteaResponse = await post(`${t.url}/webhook`, {
      body: gitea,
      headers: { 'content-type': 'application/json', 'x-gitea-event': 'push', 'x-github-event': 'push', 'x-gitea-signature': hmacHex(WEBHOOK_SECRET, gitea) },
    });
    assert.equal(giteaResponse.status, 202);
    const gitlab = JSON.stringify({ object_kind: 'push', event_name: 'push', ref: 'refs/heads/main', after: sha, project: { path_with_namespace: 'fleet/spec', git_http_url: remote.url } });
    const gitlabResponse = await post(`${t.url}/webhook/gitlab`, {
      body: gitlab,
      headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': WEBHOOK_SECRET },
    });
    assert.equal(gitlabResponse.status, 202);
    const other = JSON.stringify({ object_kind: 'push', ref: 'refs/heads/edgeplane/kiruna', after: sha, project: {} });
    const ignored = await post(`${t.url}/webhook`, { body: other, headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': WEBHOOK_SECRET } });
    assert.equal(ignored.status, 200);
    assert.equal(ignored.json['triggered'], false, 'its own pushes to location branches never trigger a reconcile');
    await t.service.queue.whenIdle();
  });

  it('serves /healthz, /readyz, /metrics and a status page', async () => {
    await t.service.queue.whenIdle();
    assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${t.url}/readyz`)).status, 200);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    for (const name of [
      'edgeplane_reconcile_duration_seconds_bucket',
      'edgeplane_locations_rendered_total',
      'edgeplane_locations_changed_total{change="created"} 7',
      'edgeplane_push_failures_total 0',
      'edgeplane_queue_depth 0',
      'edgeplane_location_reports 0',
      'edgeplane_reconcile_consecutive_failures 0',
      'edgeplane_process_cpu_seconds_total',
    ]) {
      assert.ok(metrics.includes(name), `metrics lack ${name}`);
    }
    assert.match(metrics, /edgeplane_reconcile_duration_seconds_count\{outcome="success"\} [1-9]/);
    const page = await fetch(`${t.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await page.text();
    assert.match(html, /<svg[^>]*aria-label="fleet: 7 locations by state"/);
    for (const placement of ['telemetry', 'monitoring', 'antenna-control']) assert.ok(html.includes(`<th>${placement}</th>`), placement);
    for (const location of DEMO_LOCATIONS) assert.ok(html.includes(location), location);
    assert.ok(!html.includes('<script'), 'no script');
    const json = (await (await fetch(`${t.url}/status.json`)).json()) as { queue: { runs: number }; fleet: { basis: string; placements: unknown[] } };
    assert.ok(json.queue.runs >= 1);
    assert.equal(json.fleet.basis, 'summary', 'the status summary was written and read');
    assert.equal(json.fleet.placements.length, 3);
    assert.equal((await fetch(`${t.url}/metrics`, { method: 'POST' })).status, 405);
    assert.equal((await fetch(`${t.url}/nowhere`)).status, 404);
    // The summary was committed to the status branch by this (the only, so elected) replica.
    const summary = await gitAsync(remote.bare, 'show', 'refs/heads/edgeplane-status:summary/telemetry.yaml');
    assert.match(summary, /kind: PlacementSummary/);
  });

  it('runs a manual trigger only with the bearer token', async () => {
    await t.service.queue.whenIdle();
    const runs = t.service.queue.state.runs;
    assert.equal((await post(`${t.url}/trigger`, { body: '', headers: {} })).status, 401);
    assert.equal((await post(`${t.url}/trigger`, { body: '', headers: { authorization: 'Bearer nope' } })).status, 401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(t.service.queue.state.runs, runs);
    assert.equal((await post(`${t.url}/trigger`, { body: '', headers: { authorization: `Bearer ${TRIGGER_TOKEN}` } })).status, 202);
    await waitFor(() => t.service.queue.state.runs > runs, 10_000, 'the manual reconcile');
    await t.service.queue.whenIdle();
  });

  it('an invalid spec fails terminally and visibly, and the push that fixes it reconciles at once', async () => {
    await t.service.queue.whenIdle();
    const broken = await remote.push({ 'placements/broken.yaml': 'apiVersion: edgeplane.io/v1alpha1\nkind: EdgePlacement\nmetadata: {name: Broken_Name}\nspec: {}\n' }, 'broken');
    await post(`${t.url}/webhook`, githubRequest('push', pushPayload('refs/heads/main', broken, remote.url)));
    await waitFor(() => t.service.queue.state.lastError?.code === 'INVALID_SPEC', 30_000, 'the failure');
    const state = (await (await fetch(`${t.url}/status.json`)).json()) as { queue: { consecutiveFailures: number; retryAt?: number; lastError: { class: string; message: string } } };
    assert.equal(state.queue.lastError.class, 'terminal');
    assert.equal(state.queue.retryAt, undefined, 'no retry: nothing changes until the spec does');
    assert.match(state.queue.lastError.message, /placements\/broken\.yaml/);
    const html = await (await fetch(`${t.url}/`)).text();
    assert.match(html, /INVALID_SPEC \(terminal\)/);
    assert.match(await (await fetch(`${t.url}/metrics`)).text(), /edgeplane_reconcile_consecutive_failures 1/);
    assert.equal((await fetch(`${t.url}/readyz`)).status, 200, 'a failing reconcile does not stop webhooks from arriving');
    const fixed = await remote.push({ 'placements/broken.yaml': null }, 'fix');
    await post(`${t.url}/webhook`, githubRequest('push', pushPayload('refs/heads/main', fixed, remote.url)));
    await waitFor(() => reconciled(t.outcomes).some((o) => o.result!.specCommit === fixed), 30_000, 'the fixed reconcile');
    assert.equal(t.service.queue.state.consecutiveFailures, 0);
  });

  it('logs JSON lines and never a credential', () => {
    assert.ok(t.logs.length > 10);
    for (const line of t.logs) {
      const entry = JSON.parse(line) as { level: string; msg: string; time: string };
      assert.ok(entry.level && entry.msg && entry.time, line);
      for (const secret of [GIT_TOKEN, WEBHOOK_SECRET, TRIGGER_TOKEN]) assert.ok(!line.includes(secret), `a log line holds a secret: ${line}`);
    }
    assert.ok(t.logs.some((l) => l.includes('"msg":"webhook refused"')));
    assert.ok(t.logs.some((l) => l.includes('"msg":"reconciled"')));
  });
});

describe('serve: a reconcile that keeps failing', function () {
  this.timeout(60_000);

  it('backs off exponentially, shows it on /status.json and /metrics, and recovers by itself', async () => {
    const remote = await startSpecRemote(fixtureFiles('demo'));
    // The spec repo does not exist yet: every fetch fails until it does.
    const t = await startService(serviceEnv(remote, { EDGEPLANE_REPO: remote.server.url('late.git') }), (s) => {
      s.backoff = { initialMs: 200, maxMs: 800, factor: 2 };
    });
    try {
      await waitFor(() => t.service.queue.state.consecutiveFailures >= 4, 20_000, 'four failures');
      const state = (await (await fetch(`${t.url}/status.json`)).json()) as { queue: { retryAt?: number; lastError: { class: string; code: string } } };
      assert.equal(state.queue.lastError.class, 'transient');
      assert.equal(state.queue.lastError.code, 'GIT_FAILED');
      assert.ok(state.queue.retryAt !== undefined, 'a retry is scheduled');
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      assert.match(metrics, /edgeplane_reconcile_consecutive_failures [4-9]/);
      assert.match(metrics, /edgeplane_reconciles_total\{outcome="failure"\} [4-9]/);
      assert.match(await (await fetch(`${t.url}/`)).text(), /backing off: retry in/);
      const failures = t.logs.filter((l) => l.includes('reconcile failed; backing off')).map((l) => JSON.parse(l) as { retryAt: string; time: string });
      const gaps = failures.map((f) => Date.parse(f.retryAt) - Date.parse(f.time));
      assert.ok(gaps[0]! >= 150 && gaps[0]! < 300, `first backoff ${gaps[0]} ms`);
      assert.ok(gaps[1]! >= 350 && gaps[1]! < 500, `second backoff ${gaps[1]} ms`);
      assert.ok(gaps[3]! >= 750 && gaps[3]! < 900, `capped backoff ${gaps[3]} ms`);
      // The repository appears: the next retry succeeds without any trigger.
      await createBareRepo(path.dirname(remote.bare), 'late.git');
      await gitAsync(remote.work, 'push', '-q', remote.server.authUrl('late.git'), 'HEAD:refs/heads/main');
      await waitFor(() => reconciled(t.outcomes).length > 0, 20_000, 'a successful retry');
      assert.equal(t.service.queue.state.consecutiveFailures, 0);
      assert.equal(t.service.queue.state.retryAt, undefined);
    } finally {
      await t.service.stop();
      await remote.close();
    }
  });
});

describe('serve: a push that fails', function () {
  this.timeout(60_000);

  it('is retried until the remote has every location, even though the local cache already had them', async () => {
    const remote = await startSpecRemote(fixtureFiles('demo'));
    const dir = tempDir();
    const tokenFile = path.join(dir, 'token');
    // Reads are anonymous, pushes need the token: the first runs render and commit locally, then fail to push.
    fs.writeFileSync(tokenFile, 'revoked-token\n');
    const t = await startService(serviceEnv(remote, { EDGEPLANE_GIT_TOKEN_FILE: tokenFile }), (s) => {
      s.backoff = { initialMs: 200, maxMs: 400, factor: 2 };
    });
    try {
      await waitFor(() => t.service.queue.state.consecutiveFailures >= 2, 20_000, 'failed pushes');
      assert.equal(t.service.queue.state.lastError?.code, 'AUTH');
      assert.equal((await locationBranches(remote.bare)).size, 0);
      // The Secret is rotated: the mounted file changes, and the next retry reads it.
      fs.writeFileSync(tokenFile, `${GIT_TOKEN}\n`);
      await waitFor(() => reconciled(t.outcomes).length > 0, 20_000, 'a successful retry');
      assert.deepEqual([...(await locationBranches(remote.bare)).keys()].sort(), DEMO_LOCATIONS);
      assert.ok(t.logs.every((l) => !l.includes('revoked-token') && !l.includes(GIT_TOKEN)));
    } finally {
      await t.service.stop();
      await remote.close();
    }
  });
});

describe('serve: a scheduled tick missed while the service is busy', function () {
  this.timeout(120_000);

  it('is logged at debug level, not warned on stderr by node-cron', async () => {
    const remote = await startSpecRemote(fixtureFiles('demo'), ['master']);
    const t = await startService(serviceEnv(remote, { EDGEPLANE_SCHEDULE: '* * * * * *' }));
    const warned: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warned.push(args.map(String).join(' '));
    try {
      await waitFor(() => reconciled(t.outcomes).length >= 1, 60_000, 'the first reconcile');
      // Hold the event loop for a few seconds, as a long synchronous stretch of work would.
      const until = Date.now() + 2500;
      while (Date.now() < until);
      await waitFor(() => t.logs.some((line) => line.includes('a scheduled tick was missed')), 10_000, 'the missed tick in the log');
    } finally {
      console.warn = warn;
      await t.service.stop();
      await remote.close();
    }
    const line = JSON.parse(t.logs.find((l) => l.includes('a scheduled tick was missed'))!) as Record<string, unknown>;
    assert.equal(line['level'], 'debug');
    assert.equal(line['schedule'], '* * * * * *');
    assert.deepEqual(warned.filter((w) => /missed execution/.test(w)), []);
  });
});
