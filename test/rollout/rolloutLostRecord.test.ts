import { strict as assert } from 'node:assert';
import { startForgeServer, type ForgeServer } from '../support/forgeServer.js';
import { git } from '../support/specRepo.js';
import { change, gitdirOf, imageAt, minutes, recordOf, rolloutFleetFiles, rolloutFleetRepo, run, SITES, WAVE, WAVES } from './rolloutFleet.js';

const T0 = new Date('2026-03-01T12:00:00Z');
const TOKEN = 'ghp_rolloutLostRecord0123456789abcdefAB';
const TOKEN_ENV = 'EDGEPLANE_TEST_ROLLOUT_LOST_RECORD_TOKEN';

function recordFile(dir: string, ref: string): string {
  return git(gitdirOf(dir), 'show', `${ref}:rollouts/telemetry.yaml`);
}

describe('rollout: a wave pull request whose record commit never landed', function () {
  this.timeout(120_000);
  let forge: ForgeServer;
  let dir: string;
  let settings: string;

  before(async () => {
    process.env[TOKEN_ENV] = TOKEN;
    dir = rolloutFleetRepo(rolloutFleetFiles('ingest:1.0', WAVES));
    forge = await startForgeServer({ gitdir: gitdirOf(dir), owner: 'octo-org', repo: 'fleet', token: TOKEN });
    settings = `  forge: {type: github, url: "${forge.apiUrl}", owner: octo-org, repo: fleet, tokenEnv: ${TOKEN_ENV}}\n`;
  });
  after(async () => {
    await forge?.stop();
    delete process.env[TOKEN_ENV];
  });

  it('is found on the forge, merged, and releases its wave; a new revision still gets a pull request of its own', async () => {
    change(dir, rolloutFleetFiles('ingest:1.0', WAVES + '    review: pullRequest\n', settings));
    const waiting = await run(dir, T0);
    const [pull] = forge.pullRequests();
    assert.deepEqual(recordOf(waiting).pullRequests.map((p) => p.number), [pull!.number]);

    // The commit that recorded the pull request is lost (say the reconciler died before its push), and the
    // release manager merges the pull request before any reconcile runs again.
    assert.match(git(gitdirOf(dir), 'log', '-1', '--format=%s', 'refs/heads/edgeplane-rollouts'), /pull requests opened/);
    git(gitdirOf(dir), 'update-ref', 'refs/heads/edgeplane-rollouts', 'refs/heads/edgeplane-rollouts~1');
    assert.match(recordFile(dir, 'refs/heads/edgeplane-rollouts'), /pullRequests: \[\]/);
    await forge.merge(pull!.number, { by: 'release-manager' });

    const found = await run(dir, minutes(T0, 1));
    assert.equal(forge.pullRequests().length, 1, 'no second pull request for the wave');
    assert.deepEqual(recordOf(found).pullRequests.map((p) => [p.wave, p.number]), [[0, pull!.number]]);
    const released = await run(dir, minutes(T0, 2));
    assert.deepEqual(recordOf(released).approvals.map((a) => [a.wave, a.by]), [[0, 'release-manager']]);
    assert.deepEqual(SITES.filter((s) => imageAt(dir, s) === 'ingest:1.0'), WAVE.one);

    // The same wave of the next revision: the merged pull request is the old rollout's, so a new one opens.
    change(dir, rolloutFleetFiles('ingest:2.0', WAVES + '    review: pullRequest\n', settings));
    const next = await run(dir, minutes(T0, 3));
    const pulls = forge.pullRequests();
    assert.equal(pulls.length, 2);
    assert.equal(pulls[1]!.head, pull!.head);
    assert.equal(pulls[1]!.state, 'open');
    assert.deepEqual(recordOf(next).pullRequests.map((p) => [p.wave, p.number]), [[0, pulls[1]!.number]]);
  });
});
