/**
 * `edgeplane demo groundstations` end to end, on 20 stations of the fixture (every region and its canary): a real
 * git smart-HTTP server, the local GitHub-REST forge, `edgeplane serve` in process, and one simulated edge per
 * station building its branch with the real kubectl and reporting with the real agent code. All four scenarios
 * run once, in order; the assertions read the data the run wrote, as a person reading the report would.
 *
 * The rollout is tuned for time (soak 1s, one batch per wave) so the whole run stays around three minutes on two
 * cores; the waves, their pull requests, staleness and the rollback are the fixture's.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runGroundstations, type GroundstationRun } from '../../src/scenario/groundstations/runGroundstations.js';
import type { ScenarioResult } from '../../src/scenario/scenarioData.js';
import { tempDir } from '../support/specRepo.js';
import { kubectlPath } from '../support/tools.js';

describe('ground-station scenarios, 20 stations end to end', function () {
  this.timeout(8 * 60_000);
  let result: GroundstationRun;
  let out: string;
  const lines: string[] = [];
  const scenario = (name: ScenarioResult['name']): ScenarioResult => {
    const found = result.run.scenarios.find((s) => s.name === name);
    assert.ok(found, `scenario ${name} is in the run`);
    return found;
  };

  before(async function () {
    out = path.join(tempDir('edgeplane-scenario-test-'), 'report');
    result = await runGroundstations({
      stations: 20,
      outDir: out,
      kubectl: kubectlPath(),
      rollout: { soak: '1s', maxUnavailable: '100%' },
      log: (line) => lines.push(line),
    });
  });

  it('runs the four scenarios in order over 20 stations of all 6 regions, and every check passes', function () {
    assert.deepEqual(
      result.run.scenarios.map((s) => s.name),
      ['initial', 'waves', 'region-dark', 'bad-change'],
    );
    assert.equal(result.run.fleet.stations, 20);
    assert.equal(result.run.fleet.regions.length, 6);
    const failed = result.run.scenarios.flatMap((s) => s.checks.filter((c) => !c.ok).map((c) => `${s.name}: ${c.name}: ${c.detail}`));
    assert.deepEqual(failed, [], `failed checks (progress:\n${lines.join('\n')})`);
    for (const s of result.run.scenarios) assert.ok(s.checks.length >= 3, `${s.name} has its own checks besides consistency and bytes`);
  });

  it('is consistent: every station ends on the final revision or is reported offline', function () {
    for (const s of result.run.scenarios) {
      assert.equal(s.stations.length, 20);
      const lost = s.stations.filter((st) => !st.offline && (st.runningSourceCommit !== s.finalSourceCommit || st.reachedAfterMs === null));
      assert.deepEqual(lost.map((st) => st.name), [], `${s.name}: stations neither on ${s.finalSourceCommit.slice(0, 12)} nor offline`);
      assert.equal(s.latency.reached + s.stations.filter((st) => st.reachedAfterMs === null && st.offline).length, s.latency.total, `${s.name}: reached + offline = total`);
      assert.ok(s.latency.p50 !== null && s.latency.max !== null && s.latency.p50 <= s.latency.max);
      assert.ok(s.staleness.max !== null, `${s.name}: every station reported`);
    }
  });

  it('fetches per change what changed, not the branch', function () {
    for (const s of result.run.scenarios) {
      assert.ok(s.bytes.branchBytes > 0, `${s.name}: branch bytes measured`);
      const fetched = s.stations.filter((st) => st.fetches > 0);
      if (s.name === 'initial') {
        // The first change is the whole branch: each station fetches it once, not more.
        assert.equal(fetched.length, 20);
        for (const st of fetched) assert.ok(st.bytesFetched <= 1.5 * s.bytes.branchBytes, `${st.name} fetched ${st.bytesFetched} B, branch ${s.bytes.branchBytes} B`);
        continue;
      }
      const perChange = fetched.map((st) => st.bytesFetched / st.fetches).sort((a, b) => a - b);
      assert.ok(perChange.length > 0, `${s.name}: some station fetched a change`);
      const p90 = perChange[Math.ceil(0.9 * perChange.length) - 1]!;
      // A change costs its pack plus ~1.1 KB of protocol; a station branch is ~8 KB (see measureScenario.ts).
      assert.ok(p90 < s.bytes.branchBytes / 3, `${s.name}: p90 ${Math.round(p90)} B per change vs branch ${s.bytes.branchBytes} B`);
    }
  });

  it('rolls out wave by wave: no station ran a change before its wave\'s pull request was merged', function () {
    for (const name of ['initial', 'waves', 'region-dark'] as const) {
      const s = scenario(name);
      const merged = new Map<string, number>();
      for (const e of s.timeline) if (e.kind === 'pull-request-merged' && e.wave && !merged.has(e.wave)) merged.set(e.wave, e.at);
      assert.deepEqual([...merged.keys()], ['canary', 'half', 'rest'], `${name}: one merged pull request per wave, in order`);
      const pushedAt = s.pushes[0]!.at;
      for (const st of s.stations) {
        if (st.reachedAfterMs === null || st.reachedAfterMs === 0) continue;
        const mergedAt = merged.get(st.wave ?? '');
        assert.ok(mergedAt !== undefined, `${name}: ${st.name} has a wave with a merged pull request`);
        assert.ok(pushedAt + st.reachedAfterMs >= mergedAt, `${name}: ${st.name} (wave ${st.wave}) ran the change before its pull request was merged`);
      }
      const released = s.timeline.filter((e) => e.kind === 'wave-released').map((e) => e.wave);
      assert.deepEqual([...new Set(released)], ['canary', 'half', 'rest'], `${name}: waves released in order`);
      assert.ok(s.timeline.some((e) => e.kind === 'completed'), `${name}: the rollout completed`);
    }
    const dark = scenario('region-dark');
    assert.ok(dark.timeline.some((e) => e.kind === 'region-dark') && dark.timeline.some((e) => e.kind === 'region-restored'));
  });

  it('rolls a bad change back: only canaries ran it, each went back, every station runs the previous revision', function () {
    const s = scenario('bad-change');
    const bad = s.pushes[0]!.commit;
    const previous = s.finalSourceCommit;
    assert.notEqual(bad, previous);
    assert.equal(s.pushes.length, 2, 'the bad push and the revert');
    const ranBad = s.stations.filter((st) => st.history.some((h) => h.sourceCommit === bad));
    assert.ok(ranBad.length > 0, 'some canary ran the bad revision');
    for (const st of ranBad) {
      assert.equal(st.wave, 'canary', `${st.name} ran the bad revision outside the canary wave`);
      const revisions = st.history.map((h) => h.sourceCommit);
      assert.deepEqual(revisions.slice(revisions.indexOf(bad)), [bad, previous], `${st.name}: bad → previous`);
    }
    for (const st of s.stations) assert.equal(st.runningSourceCommit, previous, `${st.name} runs the previous revision`);
    assert.ok(s.timeline.some((e) => e.kind === 'degraded'));
    assert.ok(s.timeline.some((e) => e.kind === 'rolled-back'));
  });

  it('writes scenario.json and report.html', function () {
    assert.equal(result.files.json, path.join(out, 'scenario.json'));
    assert.equal(result.files.html, path.join(out, 'report.html'));
    const json = JSON.parse(fs.readFileSync(result.files.json, 'utf8')) as { format: string; scenarios: unknown[] };
    assert.equal(json.format, 'edgeplane-scenario/1');
    assert.equal(json.scenarios.length, 4);
    const html = fs.readFileSync(result.files.html, 'utf8');
    assert.match(html, /<html/i);
    assert.ok(html.includes('region-dark') || html.includes('A region goes dark'), 'the report names the scenarios');
  });
});
