import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EdgeplaneError } from '../../src/errors/edgeplaneError.js';
import { loadServeSettings, parseDuration, secretSource } from '../../src/serve/config.js';
import { tempDir } from '../support/specRepo.js';

function write(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('serve: configuration', () => {
  it('reads every field of the file, with the environment and flags above it', () => {
    const dir = tempDir();
    const secretFile = write(dir, 'webhook', 'old-secret\nnew-secret\n');
    const tokenFile = write(dir, 'git-token', 'tok\n');
    const config = write(
      dir,
      'serve.yaml',
      `apiVersion: edgeplane.io/v1alpha1
kind: ServiceConfig
spec:
  source: {repo: https://git.example.org/fleet.git, ref: release, cacheDir: /var/cache/edgeplane}
  output: {repo: https://git.example.org/deploy.git, mode: folder}
  listen: {host: 0.0.0.0, port: 9090}
  schedule: "*/10 * * * *"
  coalesce: 250ms
  backoff: {initial: 2s, max: 1m}
  webhook: {secretFile: ${secretFile}, repositories: [fleet/spec]}
  git: {tokenFile: ${tokenFile}, username: bot}
  sharding: {enabled: true, shards: 32, group: edge, leaseDuration: 45s, renewInterval: 15s, retryPeriod: 3s}
  status: {enabled: false}
  log: {level: debug}
`,
    );
    const s = loadServeSettings({ config }, { POD_NAME: 'Edgeplane-7', POD_NAMESPACE: 'fleet' });
    assert.deepEqual(s.source, { repo: 'https://git.example.org/fleet.git', ref: 'release', cacheDir: '/var/cache/edgeplane' });
    assert.deepEqual(s.output, { repo: 'https://git.example.org/deploy.git', mode: 'folder' });
    assert.deepEqual(s.listen, { host: '0.0.0.0', port: 9090 });
    assert.equal(s.schedule, '*/10 * * * *');
    assert.equal(s.coalesceMs, 250);
    assert.deepEqual(s.backoff, { initialMs: 2000, maxMs: 60_000, factor: 2 });
    assert.deepEqual(s.webhook.secrets.read(), ['old-secret', 'new-secret']);
    assert.equal(s.webhook.secrets.describe, secretFile, 'describes where, never what');
    assert.deepEqual(s.webhook.repositories, ['fleet/spec']);
    assert.deepEqual(s.git, { tokenFile, username: 'bot' });
    assert.deepEqual(s.sharding, { shards: 32, group: 'edge', namespace: 'fleet', identity: 'edgeplane-7', leaseDurationMs: 45_000, renewIntervalMs: 15_000, retryPeriodMs: 3000, kubeconfig: undefined });
    assert.equal(s.writeStatus, false);
    assert.equal(s.logLevel, 'debug');

    const env = loadServeSettings({ config }, { EDGEPLANE_REPO: '/srv/spec', EDGEPLANE_PORT: '8081', EDGEPLANE_SCHEDULE: 'off', EDGEPLANE_SHARDING: 'false' });
    assert.equal(env.source.repo, '/srv/spec');
    assert.equal(env.listen.port, 8081);
    assert.equal(env.schedule, undefined);
    assert.equal(env.sharding, undefined);
    const flags = loadServeSettings({ config, repo: '/elsewhere', port: 0, ref: 'main' }, { EDGEPLANE_REPO: '/srv/spec' });
    assert.equal(flags.source.repo, '/elsewhere');
    assert.equal(flags.source.ref, 'main');
    assert.equal(flags.listen.port, 0);
  });

  it('has safe defaults: loopback, every 5 minutes, no webhook secret (webhooks refused), no sharding', () => {
    const s = loadServeSettings({ repo: '.' }, {});
    assert.equal(s.listen.host, '127.0.0.1');
    assert.equal(s.listen.port, 8080);
    assert.equal(s.source.ref, 'main');
    assert.equal(s.schedule, '*/5 * * * *');
    assert.deepEqual(s.webhook.secrets.read(), []);
    assert.deepEqual(s.triggerTokens.read(), []);
    assert.equal(s.sharding, undefined);
    assert.equal(s.writeStatus, true);
  });

  it('reports every problem of the file in one run, with positions, and refuses inline credentials', () => {
    const dir = tempDir();
    const config = write(
      dir,
      'serve.yaml',
      `kind: ServiceConfig
spec:
  source: {repo: 42}
  webhook:
    secret: hunter2
  schedule: "every minute"
  backoff: {initial: soon}
  listen: {port: 70000}
  colour: blue
  git: {tokenFile: /nonexistent/token}
`,
    );
    let error: unknown;
    try {
      loadServeSettings({ config }, {});
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof EdgeplaneError && error.code === 'BAD_ARGUMENT');
    const message = error.message;
    for (const expected of [
      /serve\.yaml:3:\d+: spec\.source\.repo: must be a string/,
      /serve\.yaml:5:5: spec\.webhook\.secret: unknown field 'secret' \(credentials come only from files or the environment: use secretFile or \$EDGEPLANE_WEBHOOK_SECRET\)/,
      /serve\.yaml:6:\d+: spec\.schedule: "every minute" is not a cron expression/,
      /serve\.yaml:7:\d+: spec\.backoff\.initial: must be a duration/,
      /serve\.yaml:8:\d+: spec\.listen\.port: must be an integer from 0 to 65535/,
      /serve\.yaml:9:3: spec\.colour: unknown field 'colour'/,
      /the Git token file \/nonexistent\/token does not exist/,
      /no spec repo/,
    ]) {
      assert.match(message, expected);
    }
    assert.ok(!message.includes('hunter2'), 'the credential itself is never repeated');
  });

  it('re-reads a secret file when it changes (a rotated Kubernetes Secret)', async () => {
    const dir = tempDir();
    const file = write(dir, 'secret', 'first\n');
    const source = secretSource(file, 'from-env', '$X');
    assert.deepEqual(source.read(), ['first']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    fs.writeFileSync(file, 'second\nthird\n');
    assert.deepEqual(source.read(), ['second', 'third']);
    fs.rmSync(file);
    assert.deepEqual(source.read(), [], 'a missing file means no secret, not the environment');
    assert.deepEqual(secretSource(undefined, 'from-env', '$X').read(), ['from-env']);
  });

  it('parses durations', () => {
    const table: [string, number | undefined][] = [
      ['500ms', 500],
      ['30s', 30_000],
      ['5m', 300_000],
      ['1h30m', 5_400_000],
      ['1m30s', 90_000],
      ['', undefined],
      ['5', undefined],
      ['soon', undefined],
    ];
    for (const [text, ms] of table) assert.equal(parseDuration(text), ms, text);
  });
});
