import { strict as assert } from 'node:assert';
import { GitHubForge } from '../../src/forge/githubForge.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { startForgeServer, type ForgeServer } from '../support/forgeServer.js';
import { git, runCli } from '../support/specRepo.js';
import { change, gitdirOf, imageAt, minutes, recordOf, rolloutFleetFiles, rolloutFleetRepo, run, SITES, WAVES } from './rolloutFleet.js';

const T0 = new Date('2026-03-01T12:00:00Z');
const TOKEN = 'ghp_rolloutAbort0123456789abcdefABCDEF';
const TOKEN_ENV = 'EDGEPLANE_TEST_ROLLOUT_ABORT_TOKEN';

/** The spec files with the placement's `spec.rollout` taken out. */
function withoutRollout(files: Record<string, string>): Record<string, string> {
  const placement = files['placements/telemetry.yaml']!;
  return { ...files, 'placements/telemetry.yaml': placement.slice(0, placement.indexOf('  rollout:\n')) };
}

function rolloutsHead(dir: string): string {
  return git(gitdirOf(dir), 'rev-parse', 'refs/heads/edgeplane-rollouts').trim();
}

describe('rollout: an ended rollout closes its open pull request at the next reconcile, once', function () {
  this.timeout(120_000);
  let forge: ForgeServer;
  let dir: string;
  let settings: string;
  // A forge nobody answers at: the port of a forge server that was stopped.
  let unreachable: GitHubForge;

  before(async () => {
    process.env[TOKEN_ENV] = TOKEN;
    dir = rolloutFleetRepo(rolloutFleetFiles('ingest:1.0', WAVES));
    forge = await startForgeServer({ gitdir: gitdirOf(dir), owner: 'octo-org', repo: 'fleet', token: TOKEN });
    settings = `  forge: {type: github, url: "${forge.apiUrl}", owner: octo-org, repo: fleet, tokenEnv: ${TOKEN_ENV}}\n`;
    const gone = await startForgeServer({ gitdir: gitdirOf(dir), owner: 'octo-org', repo: 'fleet', token: TOKEN });
    unreachable = new GitHubForge({ apiUrl: gone.apiUrl, owner: 'octo-org', repo: 'fleet', token: TOKEN, timeoutMs: 5000 });
    await gone.stop();
  });
  after(async () => {
    await forge?.stop();
    delete process.env[TOKEN_ENV];
  });

  it('`rollout abort` from the command line: closed with a comment saying who aborted; an unreachable forge is recorded and retried', async () => {
    change(dir, rolloutFleetFiles('ingest:1.0', WAVES + '    review: pullRequest\n', settings));
    const waiting = await run(dir, T0);
    assert.match(recordOf(waiting).message, /wave one waits for its pull request to be merged/);
    const [pull] = forge.pullRequests();
    assert.equal(pull?.state, 'open');

    const abort = await runCli('rollout', 'abort', '--repo', dir, '--placement', 'telemetry', '--by', 'ops');
    assert.equal(abort.code, 0, abort.err);
    assert.equal(forge.pullRequests()[0]!.state, 'open', 'the command only commits the record');

    // The forge cannot be reached: the record says so, nothing else is held.
    const down = await reconcile({ source: { repo: dir }, now: minutes(T0, 1), forge: unreachable });
    const held = recordOf(down);
    assert.equal(held.phase, 'Aborted');
    assert.equal(held.message, 'aborted by ops');
    assert.equal(held.pullRequests[0]!.state, undefined);
    assert.match(held.pullRequests[0]!.closeError ?? '', /no answer from the forge/);
    assert.match(git(gitdirOf(dir), 'show', 'refs/heads/edgeplane-rollouts:rollouts/telemetry.yaml'), /closeError: .*no answer from the forge/);
    const status = await runCli('rollout', 'status', '--repo', dir, '--placement', 'telemetry');
    assert.match(status.out, new RegExp(`pull request #${pull!.number} for wave 1: \\S+ \\(still open: closing it failed: .*no answer from the forge.*; the next reconcile tries again\\)\\n`));
    assert.equal(forge.pullRequests()[0]!.state, 'open');
    const stillDown = await reconcile({ source: { repo: dir }, now: minutes(T0, 2), forge: unreachable });
    assert.equal(stillDown.rolloutsCommit, null, 'the same failure again is no new commit');

    // The forge is back: the next reconcile closes the pull request with the record's data, and records it.
    const closed = await run(dir, minutes(T0, 3));
    const [after] = forge.pullRequests();
    assert.equal(after!.state, 'closed');
    assert.equal(after!.merged, false);
    assert.deepEqual(after!.comments, [
      `Closed by edgeplane: the rollout of telemetry (revision \`${held.revision.slice(0, 12)}\`) ended Aborted: aborted by ops. Wave 1 will not be released: the locations it released keep revision \`${held.revision.slice(0, 12)}\`, the others keep what they run.`,
    ]);
    assert.deepEqual(recordOf(closed).pullRequests, [{ wave: 0, number: pull!.number, url: held.pullRequests[0]!.url, state: 'closed' }]);
    assert.notEqual(closed.rolloutsCommit, null);
    assert.ok(SITES.every((s) => imageAt(dir, s) === null), 'an aborted rollout releases nothing more');

    // Later reconciles neither comment again nor ask the forge about it.
    const head = rolloutsHead(dir);
    const requests = forge.requests.length;
    for (let i = 4; i <= 5; i++) assert.equal((await run(dir, minutes(T0, i))).rolloutsCommit, null);
    assert.equal(rolloutsHead(dir), head);
    assert.equal(forge.requests.length, requests, 'nothing asked of the forge');
    assert.equal(forge.pullRequests()[0]!.comments.length, 1);
    assert.deepEqual(forge.violations, [], "every request and answer matches GitHub's OpenAPI description");
  });

  it('spec.rollout removed while the forge is down: the next reconcile closes the pull request the removal left open', async () => {
    change(dir, rolloutFleetFiles('ingest:2.0', WAVES + '    review: pullRequest\n', settings));
    await run(dir, minutes(T0, 10));
    const pull = forge.pullRequests().at(-1)!;
    assert.equal(pull.state, 'open');
    assert.equal(pull.head, 'edgeplane-rollout/telemetry/one');

    change(dir, withoutRollout(rolloutFleetFiles('ingest:2.0', WAVES, settings)));
    const removed = await reconcile({ source: { repo: dir }, now: minutes(T0, 11), forge: unreachable });
    assert.equal(recordOf(removed).phase, 'Removed');
    assert.ok(SITES.every((s) => imageAt(dir, s) === 'ingest:2.0'), 'the placement goes everywhere without waiting for the forge');
    assert.equal(forge.pullRequests().at(-1)!.state, 'open');

    const closed = await run(dir, minutes(T0, 12));
    const after = forge.pullRequests().at(-1)!;
    assert.equal(after.state, 'closed');
    assert.deepEqual(after.comments, ['Closed by edgeplane: spec.rollout was removed from placement telemetry; it renders everywhere without a rollout, so no wave waits for review any more.']);
    assert.equal(recordOf(closed).pullRequests.at(-1)!.state, 'closed');
    const requests = forge.requests.length;
    assert.equal((await run(dir, minutes(T0, 13))).rolloutsCommit, null);
    assert.equal(forge.requests.length, requests);
    assert.equal(forge.pullRequests().at(-1)!.comments.length, 1);
    assert.deepEqual(forge.violations, []);
  });
});
