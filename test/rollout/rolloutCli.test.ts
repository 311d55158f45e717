import { strict as assert } from 'node:assert';
import { git, runCli } from '../support/specRepo.js';
import { gitdirOf, imageAt, minutes, recordOf, report, rolloutFleetFiles, rolloutFleetRepo, run, SITES, WAVE, WAVES } from './rolloutFleet.js';

const T0 = new Date('2026-03-01T12:00:00Z');

describe('edgeplane rollout status|approve|pause|resume|abort', function () {
  this.timeout(300_000);

  it('review: approval waits for `rollout approve`; pause, resume and abort are commits on edgeplane-rollouts', async () => {
    const dir = rolloutFleetRepo(rolloutFleetFiles('ingest:1.0', WAVES + '    review: approval\n'));
    const waiting = await run(dir, T0);
    assert.match(recordOf(waiting).message, /wave one waits for approval \(edgeplane rollout approve\)/);
    assert.ok(SITES.every((s) => imageAt(dir, s) === null), 'nothing released before the approval');

    const status = await runCli('rollout', 'status', '--repo', dir, '--placement', 'telemetry');
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, /^telemetry: Progressing, wave 1, batch 1\n {2}wave one waits for approval/);

    const approve = await runCli('rollout', 'approve', '--repo', dir, '--placement', 'telemetry', '--by', 'ops', '--now', '2026-03-01T12:05:00Z');
    assert.equal(approve.code, 0, approve.err);
    assert.match(git(gitdirOf(dir), 'log', '-1', '--format=%s', 'refs/heads/edgeplane-rollouts'), /^edgeplane: rollout approve telemetry by ops\n$/);
    assert.match(git(gitdirOf(dir), 'show', 'refs/heads/edgeplane-rollouts:rollouts/telemetry.yaml'), /by: ops/);

    let now = minutes(T0, 6);
    const released = await run(dir, now);
    assert.deepEqual(recordOf(released).approvals.map((a) => [a.wave, a.by]), [[0, 'ops']]);
    assert.deepEqual(SITES.filter((s) => imageAt(dir, s) === 'ingest:1.0'), WAVE.one);

    const pause = await runCli('rollout', 'pause', '--repo', dir, '--placement', 'telemetry', '--by', 'ops');
    assert.equal(pause.code, 0, pause.err);
    now = minutes(now, 30);
    await report(dir, SITES, 'Healthy', now);
    assert.equal(recordOf(await run(dir, now)).phase, 'Paused', 'a reconcile does not move a paused rollout');
    assert.equal((await runCli('rollout', 'pause', '--repo', dir, '--placement', 'telemetry')).code, 2, 'pausing twice is refused');

    const resume = await runCli('rollout', 'resume', '--repo', dir, '--placement', 'telemetry', '--by', 'ops');
    assert.equal(resume.code, 0, resume.err);
    assert.equal(recordOf(await run(dir, now)).phase, 'Progressing');

    const abort = await runCli('rollout', 'abort', '--repo', dir, '--placement', 'telemetry', '--by', 'ops');
    assert.equal(abort.code, 0, abort.err);
    now = minutes(now, 30);
    const aborted = await run(dir, now);
    assert.equal(recordOf(aborted).phase, 'Aborted');
    assert.deepEqual(SITES.filter((s) => imageAt(dir, s) === 'ingest:1.0'), WAVE.one, 'released locations keep the revision, the rest get nothing');

    const json = await runCli('rollout', 'status', '--repo', dir, '--json');
    assert.equal(JSON.parse(json.out)[0].phase, 'Aborted');
    assert.equal((await runCli('rollout', 'approve', '--repo', dir, '--placement', 'nope')).code, 2);
  });
});
