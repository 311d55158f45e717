import { strict as assert } from 'node:assert';
import { startForgeServer, type ForgeServer } from '../support/forgeServer.js';
import { git } from '../support/specRepo.js';
import { change, gitdirOf, heads, imageAt, minutes, recordOf, report, rolloutFleetFiles, rolloutFleetRepo, run, SITES, WAVE, WAVES } from './rolloutFleet.js';

const T0 = new Date('2026-03-01T12:00:00Z');

/** The spec files with the placement's `spec.rollout` taken out. */
function withoutRollout(files: Record<string, string>): Record<string, string> {
  const placement = files['placements/telemetry.yaml']!;
  return { ...files, 'placements/telemetry.yaml': placement.slice(0, placement.indexOf('  rollout:\n')) };
}
const TOKEN = 'ghp_rolloutReview0123456789abcdefABCD';
const TOKEN_ENV = 'EDGEPLANE_TEST_ROLLOUT_FORGE_TOKEN';

describe('rollout with review: pullRequest, against a GitHub API checked by its OpenAPI description', function () {
  this.timeout(300_000);
  let forge: ForgeServer;
  let dir: string;

  before(async () => {
    process.env[TOKEN_ENV] = TOKEN;
    // The fake forge serves the output repo itself (the spec repo, output "self"): its branches are the PR branches.
    dir = rolloutFleetRepo(rolloutFleetFiles('ingest:1.0', WAVES));
    forge = await startForgeServer({ gitdir: gitdirOf(dir), owner: 'octo-org', repo: 'fleet', token: TOKEN });
    const settings = `  forge: {type: github, url: "${forge.apiUrl}", owner: octo-org, repo: fleet, tokenEnv: ${TOKEN_ENV}}\n`;
    const files = rolloutFleetFiles('ingest:1.0', WAVES + '    review: pullRequest\n', settings);
    change(dir, files);
  });
  after(async () => {
    await forge?.stop();
    delete process.env[TOKEN_ENV];
  });

  it('one pull request per wave; merging releases the wave, closing aborts the rollout', async () => {
    let now = T0;
    const waiting = await run(dir, now);
    assert.match(recordOf(waiting).message, /wave one waits for its pull request to be merged/);
    assert.ok(SITES.every((s) => imageAt(dir, s) === null), 'nothing released before the merge');
    let pulls = forge.pullRequests();
    assert.equal(pulls.length, 1, 'one pull request for the wave, not one per location');
    assert.equal(pulls[0]!.head, 'edgeplane-rollout/telemetry/one');
    assert.equal(pulls[0]!.base, 'edgeplane-rollouts');
    assert.match(pulls[0]!.title, /^Rollout telemetry: release wave 1\/3 \(one, 5 locations\)$/);
    const body = pulls[0]!.body ?? '';
    assert.match(body, /^## Rollout of `telemetry`: wave 1 of 3, `one`/);
    assert.match(body, /- batch 1: site-00, site-01, site-02, site-03, site-04\n/);
    assert.match(body, /soak 10m/);
    assert.match(git(gitdirOf(dir), 'show', 'refs/heads/edgeplane-rollout/telemetry/one:plans/telemetry/one.md'), /site-04/);
    assert.deepEqual(recordOf(waiting).pullRequests.map((p) => [p.wave, p.number]), [[0, pulls[0]!.number]]);

    // A restart never opens a duplicate.
    now = minutes(now, 1);
    await run(dir, now);
    assert.equal(forge.pullRequests().length, 1);

    await forge.merge(pulls[0]!.number, { by: 'release-manager' });
    now = minutes(now, 1);
    const merged = await run(dir, now);
    assert.deepEqual(recordOf(merged).approvals.map((a) => [a.wave, a.by]), [[0, 'release-manager']]);
    assert.deepEqual(SITES.filter((s) => imageAt(dir, s) === 'ingest:1.0'), WAVE.one);
    assert.equal(forge.pullRequests().length, 1, 'wave two gets its pull request only when wave one passed');

    for (let step = 0; step < 2; step++) {
      now = minutes(now, 11);
      await report(dir, SITES, 'Healthy', now);
      await run(dir, now);
    }
    pulls = forge.pullRequests();
    assert.equal(pulls.length, 2);
    assert.equal(pulls[1]!.head, 'edgeplane-rollout/telemetry/two');
    assert.match(pulls[1]!.body ?? '', /wave 2 of 3, `two`/);
    const before = heads(dir);

    await forge.close(pulls[1]!.number);
    now = minutes(now, 1);
    const aborted = await run(dir, now);
    assert.equal(recordOf(aborted).phase, 'Aborted');
    assert.match(recordOf(aborted).message, /pull request #\d+ of wave 2 was closed without merging/);
    assert.ok(WAVE.two.every((s) => heads(dir).get(s) === before.get(s) && imageAt(dir, s) === null));
    assert.ok(WAVE.one.every((s) => imageAt(dir, s) === 'ingest:1.0'), 'released locations keep the revision');

    assert.deepEqual(forge.violations, [], 'every request and answer matches GitHub\'s OpenAPI description');
  });

  it('the description shows what releasing the wave changes at each location and how the previous wave is doing; removing spec.rollout closes the open pull request', async () => {
    // Image 1.0 everywhere without a rollout, then 2.0 rolled out in two waves (5, then 25) with review.
    const deployment = (image: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ingest, namespace: telemetry}\nspec:\n  selector: {matchLabels: {app: ingest}}\n  template:\n    metadata: {labels: {app: ingest}}\n    spec: {containers: [{name: ingest, image: "${image}"}]}\n`;
    const twoWaves = ['    waves:', '    - {name: one, locationSelector: {matchLabels: {wave: one}}}', '    - {name: rest}', '    review: pullRequest', ''].join('\n');
    const repo = rolloutFleetRepo({ ...withoutRollout(rolloutFleetFiles('ingest:1.0', twoWaves)), 'workloads/telemetry/deployment.yaml': deployment('ingest:1.0') });
    await run(repo, T0);
    assert.ok(SITES.every((s) => imageAt(repo, s) === 'ingest:1.0'));
    const server = await startForgeServer({ gitdir: gitdirOf(repo), owner: 'octo-org', repo: 'fleet', token: TOKEN });
    try {
      const settings = `  forge: {type: github, url: "${server.apiUrl}", owner: octo-org, repo: fleet, tokenEnv: ${TOKEN_ENV}}\n`;
      change(repo, { ...rolloutFleetFiles('ingest:2.0', twoWaves, settings), 'workloads/telemetry/deployment.yaml': deployment('ingest:2.0') });
      let now = T0;
      await run(repo, now);
      let pulls = server.pullRequests();
      assert.equal(pulls.length, 1);
      const first = pulls[0]!.body ?? '';
      const table = '| | object |\n| --- | --- |\n| ~ | telemetry: configmap telemetry/ingest |\n| ~ | telemetry: deployment.apps telemetry/ingest |\n';
      assert.ok(first.includes(`### What changes at each location`), first);
      assert.ok(first.includes(`#### site-00, site-01, site-02, site-03, site-04 (5 locations) (update)\n\n${table}`), first);
      assert.doesNotMatch(first, /How the previous wave is doing/, 'the first wave has none');
      assert.ok(SITES.every((s) => imageAt(repo, s) === 'ingest:1.0'), 'describing a wave releases nothing');

      await server.merge(pulls[0]!.number, { by: 'release-manager' });
      now = minutes(now, 1);
      await run(repo, now);
      assert.deepEqual(SITES.filter((s) => imageAt(repo, s) === 'ingest:2.0'), WAVE.one);
      now = minutes(now, 1);
      await report(repo, WAVE.one.slice(0, 4), 'Healthy', now);
      await report(repo, WAVE.one.slice(4), 'Degraded', now);
      // maxFailures 1: one degraded location of five does not hold the wave.
      change(repo, { ...rolloutFleetFiles('ingest:2.0', twoWaves + '    maxFailures: 1\n    advanceWhen: "wave.healthy >= 4"\n', settings), 'workloads/telemetry/deployment.yaml': deployment('ingest:2.0') });
      await run(repo, now);
      pulls = server.pullRequests();
      assert.equal(pulls.length, 2, 'wave rest gets its pull request once wave one passed');
      const second = pulls[1]!.body ?? '';
      assert.ok(second.includes('### How the previous wave is doing\n\nWave 1, `one`, on revision'), second);
      assert.ok(second.includes('| 5 | 4 | 0 | 1 | 0 | 0 | 0 |'), second);
      const rest = SITES.filter((s) => !WAVE.one.includes(s));
      assert.ok(second.includes(`#### ${rest.slice(0, 20).join(', ')} (20 locations) (update)\n\n${table}`), second);
      assert.match(second, /The wave's other 5 location\(s\) are not rendered here \(the first 20 are\)/);
      assert.equal(second.split(rest[20]!).length, 2, 'past the limit, a location is only listed in its batch');

      // spec.rollout removed while wave rest waits: the record is closed, everything gets 2.0, the pull request is closed.
      change(repo, { ...withoutRollout(rolloutFleetFiles('ingest:2.0', twoWaves, settings)), 'workloads/telemetry/deployment.yaml': deployment('ingest:2.0') });
      now = minutes(now, 1);
      const removed = await run(repo, now);
      assert.equal(recordOf(removed).phase, 'Removed');
      assert.match(recordOf(removed).message, /^spec\.rollout was removed from placement telemetry; it renders everywhere without a rollout \(the rollout was Progressing: wave rest waits for its pull request to be merged\)$/);
      assert.ok(SITES.every((s) => imageAt(repo, s) === 'ingest:2.0'), 'the placement renders everywhere as without rollout');
      pulls = server.pullRequests();
      assert.equal(pulls[1]!.state, 'closed');
      assert.equal(pulls[1]!.merged, false);
      assert.match(pulls[1]!.comments.at(-1) ?? '', /^Closed by edgeplane: spec\.rollout was removed from placement telemetry; it renders everywhere without a rollout, so no wave waits for review any more\.$/);
      assert.match(git(gitdirOf(repo), 'show', 'refs/heads/edgeplane-rollouts:rollouts/telemetry.yaml'), /phase: Removed/);
      // The removing reconcile closed the pull request before writing the record, which says so; it is
      // commented on once, and the next reconcile has nothing to do.
      const again = await run(repo, minutes(now, 1));
      assert.equal(again.rolloutsCommit, null);
      assert.equal(again.updated.length, 0);
      assert.deepEqual(recordOf(again).pullRequests.map((p) => p.state), ['merged', 'closed']);
      assert.equal(server.pullRequests()[1]!.comments.length, 1);
      assert.deepEqual(server.violations, []);
    } finally {
      await server.stop();
    }
  });

  it('a forge that cannot be reached holds the waves it reviews, never the reconcile', async () => {
    const settings = '  forge: {type: github, url: "http://127.0.0.1:9", owner: octo-org, repo: fleet, tokenEnv: EDGEPLANE_TEST_UNSET_TOKEN}\n';
    const repo = rolloutFleetRepo(rolloutFleetFiles('ingest:1.0', WAVES + '    review: pullRequest\n', settings));
    const result = await run(repo, T0);
    assert.match(recordOf(result).message, /^wave 1 waits for its pull request, and the forge is unavailable: no forge token: the environment variable EDGEPLANE_TEST_UNSET_TOKEN/);
    assert.ok(SITES.every((s) => imageAt(repo, s) === null));
  });

  it('a new revision closes the pull request of the rollout it replaces and opens its own', async () => {
    const repo = rolloutFleetRepo(rolloutFleetFiles('ingest:1.0', WAVES));
    const server = await startForgeServer({ gitdir: gitdirOf(repo), owner: 'octo-org', repo: 'fleet', token: TOKEN });
    try {
      const settings = `  forge: {type: github, url: "${server.apiUrl}", owner: octo-org, repo: fleet, tokenEnv: ${TOKEN_ENV}}\n`;
      change(repo, rolloutFleetFiles('ingest:1.0', WAVES + '    review: pullRequest\n', settings));
      await run(repo, T0);
      change(repo, rolloutFleetFiles('ingest:2.0', WAVES + '    review: pullRequest\n', settings));
      const replaced = await run(repo, minutes(T0, 5));
      const pulls = server.pullRequests();
      assert.equal(pulls.length, 2);
      assert.equal(pulls[0]!.state, 'closed');
      assert.equal(pulls[0]!.merged, false);
      assert.match(pulls[0]!.comments[0] ?? '', /^Superseded: revision \w{12} replaced \w{12}/);
      assert.equal(pulls[1]!.state, 'open');
      assert.deepEqual(recordOf(replaced).pullRequests.map((p) => p.number), [pulls[1]!.number]);
      assert.match(pulls[1]!.body ?? '', /\| changed \| `workloads\/telemetry\/config.yaml` \|/);
      assert.deepEqual(server.violations, []);
    } finally {
      await server.stop();
    }
  });
});
