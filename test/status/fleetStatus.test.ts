import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { LocationReport } from '../../src/api/locationReport.js';
import { readPublishedState } from '../../src/publish/publishedState.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { publishReport } from '../../src/status/reportBranch.js';
import type { PlacementSummary, Summary } from '../../src/status/summary.js';
import { createBareRepo, startGitServer, type GitServer } from '../support/gitServer.js';
import { fsck, git, gitAsync, refsUnder, runCli, tempDir } from '../support/specRepo.js';
import { regionOf, siteName, stationReport, statusFleetFiles, statusFleetRepo, writeFiles, type Observation } from './statusFleet.js';

const USER = 'fleet-bot';
const TOKEN = 'status-token-9c2e';
const STATIONS = 60;
const NOW = new Date('2026-03-01T12:00:00Z');

/** What each station does, by index: the test's ground truth. */
function roleOf(i: number): 'healthy' | 'degraded' | 'pending' | 'stale' | 'progressing' | 'silent' {
  if (i < 40) return 'healthy';
  if (i < 45) return 'degraded';
  if (i < 50) return 'pending';
  if (i < 54) return 'stale';
  if (i < 56) return 'progressing';
  return 'silent';
}

describe('edgeplane status: 60 locations report over HTTP, the summary lands on edgeplane-status', function () {
  this.timeout(300_000);
  let server: GitServer;
  let root: string;
  let remote: string;
  let tokenFile: string;
  let cache: string;
  let first: Map<string, string>;
  let summary: Summary;

  before(async () => {
    root = tempDir('edgeplane-status-server-');
    server = await startGitServer({ root, user: USER, token: TOKEN });
    remote = await createBareRepo(root, 'fleet.git');
    cache = tempDir('edgeplane-status-cache-');
    tokenFile = path.join(tempDir(), 'token');
    fs.writeFileSync(tokenFile, `${TOKEN}\n`);
    process.env['EDGEPLANE_GIT_USERNAME'] = USER;
    const auth = { username: USER, token: TOKEN };
    const source = { repo: server.url('fleet.git'), auth, cacheDir: cache };

    // Revision A everywhere, then revision B (a new image): pending stations still report A.
    const spec = statusFleetRepo(statusFleetFiles(STATIONS, 'ingest:1.0'));
    await gitAsync(spec, 'push', '-q', server.authUrl('fleet.git'), 'main');
    const a = await reconcile({ source, now: new Date('2026-03-01T10:00:00Z') });
    first = new Map([...refsUnder(a.target.gitdir, 'refs/heads/edgeplane/')].map(([ref, commit]) => [ref.slice('refs/heads/edgeplane/'.length), commit]));
    writeFiles(spec, { 'workloads/telemetry/ingest.yaml': statusFleetFiles(STATIONS, 'ingest:2.0')['workloads/telemetry/ingest.yaml']! });
    git(spec, 'commit', '-q', '-am', 'ingest 2.0');
    await gitAsync(spec, 'push', '-q', server.authUrl('fleet.git'), 'main');
    const b = await reconcile({ source, now: new Date('2026-03-01T11:00:00Z') });
    assert.equal(b.updated.length, STATIONS, 'revision B changed every station');
    const published = await readPublishedState(b.target);

    // Every station but the silent ones pushes its own report branch, 8 at a time, over HTTP.
    const agents = tempDir('edgeplane-agents-');
    await gitAsync(agents, 'init', '-q', '--bare', 'state.git');
    const reports: [string, LocationReport][] = [];
    for (let i = 0; i < STATIONS; i++) {
      const role = roleOf(i);
      if (role === 'silent') continue;
      const name = siteName(i);
      const current = published.locations.get(name)!;
      const applied = role === 'pending' ? { commit: first.get(name)! } : { commit: current.commit, ...(i % 2 === 0 ? { digest: current.digest! } : {}) };
      const observedAt = new Date(NOW.getTime() - (role === 'stale' ? 2 * 3600_000 : 60_000 + i * 1000));
      reports.push([name, stationReport(name, observedAt, applied, observation(i))]);
    }
    const hq = published.locations.get('hq')!;
    reports.push(['hq', controlReport(hq.commit)]);
    const gitdir = path.join(agents, 'state.git');
    for (let at = 0; at < reports.length; at += 8) {
      const batch = reports.slice(at, at + 8).map(([name, report]) =>
        publishReport({ gitdir, ref: `refs/heads/edgeplane-reports/${name}`, remote: { url: server.url('fleet.git'), auth } }, report, NOW),
      );
      for (const delivered of await Promise.all(batch)) assert.equal(delivered.delivery, 'pushed', delivered.error);
    }
    assert.equal(refsUnder(remote, 'refs/heads/edgeplane-reports/').size, STATIONS - 4 + 1);
  });

  after(async () => {
    delete process.env['EDGEPLANE_GIT_USERNAME'];
    await server.close();
  });

  const status = (...extra: string[]) =>
    runCli('status', '--repo', server.url('fleet.git'), '--token-file', tokenFile, '--cache-dir', cache, '--now', NOW.toISOString(), ...extra);

  it('counts every location in exactly one state', async () => {
    const result = await status('--format', 'json', '--commit');
    assert.equal(result.code, 0, result.err);
    assert.match(result.err, /committed [0-9a-f]{12} to edgeplane-status and pushed it/);
    summary = JSON.parse(result.out) as Summary;
    const telemetry = placement(summary, 'telemetry');
    assert.deepEqual(telemetry.status.counts, { healthy: 40, progressing: 2, pending: 5, degraded: 5, stale: 4, unknown: 4 });
    assert.equal(telemetry.status.locations, STATIONS);
    assert.deepEqual(summary.fleet, { healthy: 41, progressing: 2, pending: 5, degraded: 5, stale: 4, unknown: 4 });
    const byName = new Map(telemetry.status.locationStatuses.map((l) => [l.name, l]));
    for (let i = 0; i < STATIONS; i++) {
      const expected = { healthy: 'healthy', degraded: 'degraded', pending: 'pending', stale: 'stale', progressing: 'progressing', silent: 'unknown' }[roleOf(i)];
      assert.equal(byName.get(siteName(i))?.state, expected, siteName(i));
    }
    assert.equal(byName.get('site-50')!.lastReport, '2026-03-01T10:00:00Z');
    assert.equal(byName.get('site-57')!.reason, 'no report');
  });

  it('says which revision each location runs', () => {
    const telemetry = placement(summary, 'telemetry');
    const [current, old] = telemetry.status.revisions;
    assert.equal(telemetry.status.revisions.length, 2);
    assert.deepEqual([current!.current, current!.locations, current!.sourceCommit], [true, 47, summary.specCommit]);
    assert.deepEqual([old!.current, old!.locations], [false, 5]);
    assert.notEqual(old!.sourceCommit, summary.specCommit);
    const pending = telemetry.status.locationStatuses.find((l) => l.name === 'site-45')!;
    assert.equal(pending.commit, first.get('site-45'));
    assert.equal(pending.sourceCommit, old!.sourceCommit);
    assert.match(pending.reason!, /^runs [0-9a-f]{12} \(spec [0-9a-f]{12}\)$/);
  });

  it('lists the broken objects with their messages', () => {
    const broken = placement(summary, 'telemetry').status.brokenObjects;
    assert.equal(broken.total, 5);
    assert.deepEqual(
      broken.first.map((o) => [o.location, o.kind, o.namespace, o.name, o.health, o.message]),
      [40, 41, 42, 43, 44].map((i) => [siteName(i), 'Deployment', 'telemetry', 'ingest', 'Degraded', `Deployment "ingest" exceeded its progress deadline`]),
    );
  });

  it('runs the collectors: groupBy with SUM and COUNT, select with filter and limit, and counts runtime errors', () => {
    const [ready, pendingImages, notHealthy] = placement(summary, 'telemetry').status.collectors!;
    // Expected from the ground truth: fresh reports only (not stale, not silent).
    const rows = new Map<string, [number, number, number]>();
    for (let i = 0; i < STATIONS; i++) {
      const role = roleOf(i);
      if (role === 'stale' || role === 'silent') continue;
      const row = rows.get(regionOf(i)) ?? [0, 0, 0];
      const seen = observation(i);
      row[0]++;
      row[1] += seen.ready ?? 0;
      row[2] += 2;
      rows.set(regionOf(i), row);
    }
    assert.deepEqual(ready!.columns, ['region', 'locations', 'ready', 'wanted']);
    assert.deepEqual(ready!.rows, [...rows].sort(([a], [b]) => (a < b ? -1 : 1)).map(([region, r]) => [region, ...r]));
    assert.equal(ready!.errors!.count, 1, 'site-40 reports no readyReplicas: one error, the rest of the row stands');
    assert.match(ready!.errors!.first[0]!, /^site-40 Deployment\/telemetry\/ingest: ready: /);

    assert.deepEqual(pendingImages!.columns, ['location', 'image']);
    assert.deepEqual(pendingImages!.rows, [45, 46, 47].map((i) => [siteName(i), 'ingest:1.0']));
    assert.equal(pendingImages!.totalRows, 5);

    assert.deepEqual(notHealthy!.rows, [['Degraded', 5], ['Progressing', 2]]);
    assert.equal(notHealthy!.errors, undefined);
  });

  it('gives the singleton reported state of a placement that runs at one location', () => {
    const control = placement(summary, 'control');
    assert.deepEqual(control.status.counts, { healthy: 1, progressing: 0, pending: 0, degraded: 0, stale: 0, unknown: 0 });
    const singleton = control.status.singleton!;
    assert.equal(singleton.executingCount, 1);
    assert.equal(singleton.location, 'hq');
    assert.deepEqual(singleton.objects, [
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'control', name: 'controller', health: 'Healthy', status: { availableReplicas: 1, readyReplicas: 1, replicas: 1 } },
    ]);
  });

  it('commits machine-readable YAML, a README and a picture to edgeplane-status', async () => {
    const clone = path.join(tempDir(), 'status');
    await gitAsync(tempDir(), 'clone', '-q', '--single-branch', '--branch', 'edgeplane-status', server.url('fleet.git'), clone);
    const files = git(clone, 'ls-files').split('\n').filter(Boolean).sort();
    assert.deepEqual(files, ['README.md', 'fleet-health.svg', 'fleet.yaml', 'summary/control.yaml', 'summary/telemetry.yaml']);
    const telemetry = parse(fs.readFileSync(path.join(clone, 'summary/telemetry.yaml'), 'utf8')) as PlacementSummary;
    assert.deepEqual(telemetry, placement(summary, 'telemetry'));
    const readme = fs.readFileSync(path.join(clone, 'README.md'), 'utf8');
    assert.match(readme, /^# Fleet status\n/);
    assert.match(readme, /\| \[telemetry\]\(#telemetry\) \| 60 \| 40 \| 2 \| 5 \| 5 \| 4 \| 4 \|/);
    assert.match(readme, /\| site-40 \| Deployment telemetry\/ingest \| Degraded \| Deployment "ingest" exceeded its progress deadline \|/);
    assert.match(readme, /!\[Fleet health: locations per state, per placement\]\(fleet-health.svg\)/);
    const svg = fs.readFileSync(path.join(clone, 'fleet-health.svg'), 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /<title>telemetry: 40 healthy<\/title>/);
    assert.match(svg, /<title>site-57: unknown<\/title>/);
    assert.equal(git(clone, 'log', '--format=%(trailers:key=Edgeplane-Source,valueonly)', '-1').trim(), summary.specCommit);
    fsck(remote);
  });

  it('commits nothing when nothing changed, and again when a location moves', async () => {
    const head = refsUnder(remote, 'refs/heads/edgeplane-status').get('refs/heads/edgeplane-status');
    const again = await status('--commit');
    assert.equal(again.code, 0, again.err);
    assert.match(again.err, /edgeplane-status is up to date: nothing changed/);
    assert.equal(refsUnder(remote, 'refs/heads/edgeplane-status').get('refs/heads/edgeplane-status'), head);
    assert.match(again.out, /^telemetry +60 +40 +2 +5 +5 +4 +4$/m, again.out);

    // An hour later every report but none is older than 30m: all reporting stations turn stale.
    const later = await runCli('status', '--repo', server.url('fleet.git'), '--token-file', tokenFile, '--cache-dir', cache, '--now', '2026-03-01T13:00:00Z', '--commit', '--format', 'yaml');
    assert.equal(later.code, 0, later.err);
    assert.match(later.err, /committed/);
    const moved = parse(later.out) as Summary;
    assert.deepEqual(placement(moved, 'telemetry').status.counts, { healthy: 0, progressing: 0, pending: 0, degraded: 0, stale: 56, unknown: 4 });
    assert.notEqual(refsUnder(remote, 'refs/heads/edgeplane-status').get('refs/heads/edgeplane-status'), head);
    fsck(remote);
  });
});

function placement(summary: Summary, name: string): PlacementSummary {
  const found = summary.placements.find((p) => p.metadata.name === name);
  assert.ok(found, `no placement ${name}`);
  return found;
}

function observation(i: number): Observation {
  switch (roleOf(i)) {
    case 'degraded':
      return { health: 'Degraded', message: 'Deployment "ingest" exceeded its progress deadline', image: 'ingest:2.0', ready: i === 40 ? undefined : 0 };
    case 'pending':
      return { health: 'Healthy', image: 'ingest:1.0', ready: 2 };
    case 'progressing':
      return { health: 'Progressing', message: 'Waiting for rollout to finish: 1 of 2 updated replicas are available...', image: 'ingest:2.0', ready: 1 };
    default:
      return { health: 'Healthy', image: 'ingest:2.0', ready: 2 };
  }
}

function controlReport(commit: string): LocationReport {
  return {
    apiVersion: 'edgeplane.io/v1alpha1',
    kind: 'LocationReport',
    metadata: { name: 'hq' },
    status: {
      observedAt: '2026-03-01T11:59:00Z',
      reporter: { kind: 'agent', name: 'simulated' },
      applied: { commit },
      consumer: { kind: 'kubectl', sync: 'Synced', health: 'Healthy' },
      objects: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          namespace: 'control',
          name: 'controller',
          health: 'Healthy',
          spec: { replicas: 1 },
          status: { replicas: 1, readyReplicas: 1, availableReplicas: 1 },
        },
      ],
    },
  };
}
