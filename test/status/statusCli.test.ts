import { strict as assert } from 'node:assert';
import { parse } from 'yaml';
import type { Summary } from '../../src/status/summary.js';
import { startKubeApiServer } from '../support/kubeApiServer.js';
import { git, refsUnder, runCli, specRepoFrom, tempDir } from '../support/specRepo.js';

describe('edgeplane status and edgeplane agent on the command line', () => {
  let repo: string;

  before(async () => {
    repo = specRepoFrom('demo');
    const reconciled = await runCli('reconcile', '--repo', repo, '--now', '2026-05-01T00:00:00Z');
    assert.equal(reconciled.code, 0, reconciled.err);
  });

  it('has help', async () => {
    for (const command of ['status', 'agent']) {
      const help = await runCli(command, '--help');
      assert.equal(help.code, 0);
      assert.match(help.out, new RegExp(`Usage: edgeplane ${command}`));
    }
    assert.match((await runCli('--help')).out, /^ {2}status\b/m);
  });

  it('before any report every location is unknown, in a table, YAML or JSON alike', async () => {
    const table = await runCli('status', '--repo', repo, '--now', '2026-05-01T00:10:00Z');
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /^PLACEMENT +LOCATIONS +HEALTHY +PROGRESSING +PENDING +DEGRADED +STALE +UNKNOWN$/m);
    assert.match(table.out, /^telemetry +6 +0 +0 +0 +0 +0 +6$/m);
    assert.match(table.out, /^\(fleet\) +7 +0 +0 +0 +0 +0 +7$/m);
    const yaml = parse((await runCli('status', '--repo', repo, '-o', 'yaml')).out) as Summary;
    const json = JSON.parse((await runCli('status', '--repo', repo, '-o', 'json')).out) as Summary;
    assert.deepEqual(yaml, json);
    assert.deepEqual(json.fleet, { healthy: 0, progressing: 0, pending: 0, degraded: 0, stale: 0, unknown: 7 });
    assert.equal(json.staleAfter, '15m', "the default of edgeplane.yaml's spec.status.staleAfter");
  });

  it('refuses a bad format or staleness bound with exit code 2', async () => {
    const format = await runCli('status', '--repo', repo, '-o', 'xml');
    assert.deepEqual([format.code, format.err], [2, 'edgeplane: --format must be table, yaml or json, not "xml"\n']);
    const stale = await runCli('status', '--repo', repo, '--stale-after', '10 minutes');
    assert.deepEqual([stale.code, stale.err], [2, 'edgeplane: "10 minutes" is not a duration: write e.g. 90s, 15m or 1h30m\n']);
  });

  it('--commit writes the status branch into a local output repo, once', async () => {
    const first = await runCli('status', '--repo', repo, '--commit', '--now', '2026-05-01T00:10:00Z');
    assert.match(first.err, /^committed [0-9a-f]{12} to edgeplane-status\n$/);
    const head = refsUnder(repo, 'refs/heads/edgeplane-status').get('refs/heads/edgeplane-status');
    const again = await runCli('status', '--repo', repo, '--commit', '--now', '2026-05-01T00:20:00Z');
    assert.equal(again.err, 'edgeplane-status is up to date: nothing changed\n');
    assert.equal(refsUnder(repo, 'refs/heads/edgeplane-status').get('refs/heads/edgeplane-status'), head);
    assert.match(git(repo, 'show', 'edgeplane-status:README.md'), /\| \*\*fleet\*\* \| 7 \| 0 \| 0 \| 0 \| 0 \| 0 \| 7 \|/);
  });

  it('agent --once reports for a location into a local output repo, then status counts it', async () => {
    const kube = await startKubeApiServer();
    try {
      const kubeconfig = kube.writeKubeconfig(tempDir(), 'darmstadt-lab');
      const agent = await runCli('agent', '--once', '--location', 'darmstadt-lab', '--output', repo, '--kubeconfig', kubeconfig, '--state-dir', tempDir());
      assert.equal(agent.code, 0, agent.err);
      assert.match(agent.out, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ report [0-9a-f]{12} pushed: nothing applied, 5 objects, 5 not healthy, consumer OutOfSync\/Missing\n$/);
      const summary = JSON.parse((await runCli('status', '--repo', repo, '-o', 'json')).out) as Summary;
      const monitoring = summary.placements.find((p) => p.metadata.name === 'monitoring')!;
      assert.deepEqual(monitoring.status.locationStatuses.find((l) => l.name === 'darmstadt-lab'), { name: 'darmstadt-lab', state: 'pending', reason: 'nothing applied yet' });
      const badLocation = await runCli('agent', '--once', '--location', 'Darmstadt', '--output', repo, '--kubeconfig', kubeconfig);
      assert.equal(badLocation.code, 2);
    } finally {
      await kube.close();
    }
  });
});
