import { strict as assert } from 'node:assert';
import { git } from '../support/specRepo.js';
import { change, driveToCompletion, gitdirOf, heads, imageAt, minutes, recordOf, report, rolloutFleetFiles, rolloutFleetRepo, run, SITES, WAVE, WAVES } from './rolloutFleet.js';

const T0 = new Date('2026-03-01T12:00:00Z');
const unchanged = (before: Map<string, string>, after: Map<string, string>, sites: readonly string[]) => sites.every((s) => before.get(s) === after.get(s));

describe('rollout: 30 stations in 3 waves, driven by simulated reports', function () {
  this.timeout(600_000);

  it('wave 2 is untouched until wave 1 is healthy and soaked; a restarted reconcile resumes; the rollout completes', async () => {
    const dir = rolloutFleetRepo(rolloutFleetFiles('ingest:1.0', WAVES));
    // The first revision rolls out too: only wave one gets it at once.
    const first = await run(dir, T0);
    assert.deepEqual(SITES.filter((s) => imageAt(dir, s) === 'ingest:1.0'), WAVE.one);
    assert.equal(recordOf(first).phase, 'Progressing');
    let now = await driveToCompletion(dir, minutes(T0, 11));
    assert.ok(SITES.every((s) => imageAt(dir, s) === 'ingest:1.0'));

    change(dir, rolloutFleetFiles('ingest:2.0', WAVES));
    now = minutes(now, 60);
    const before = heads(dir);
    const released = await run(dir, now);
    assert.equal(recordOf(released).wave, 0);
    assert.ok(recordOf(released).batchReleased);
    assert.deepEqual(SITES.filter((s) => imageAt(dir, s) === 'ingest:2.0'), WAVE.one, 'wave one only');
    assert.ok(unchanged(before, heads(dir), [...WAVE.two, ...WAVE.three]), 'waves two and three untouched');

    // A restart with the same inputs changes nothing: the record in Git is where it was.
    const afterRelease = heads(dir);
    const again = await run(dir, now);
    const position = (r: ReturnType<typeof recordOf>) => ({ revision: r.revision, wave: r.wave, batch: r.batch, released: r.batchReleased, at: r.batchStartedAt });
    assert.deepEqual(position(recordOf(again)), position(recordOf(released)));
    assert.ok(unchanged(afterRelease, heads(dir), SITES), 'no branch moved');
    const restarted = await run(dir, now);
    assert.equal(restarted.rolloutsCommit, null, 'the same inputs again: the record in Git is where it was');
    assert.equal(restarted.updated.length + restarted.created.length, 0);

    // Wave one not yet reporting the new revision: wave two waits.
    now = minutes(now, 5);
    await report(dir, WAVE.one, 'Progressing', now);
    const progressing = await run(dir, now);
    assert.match(recordOf(progressing).message, /^wave one waits for advanceWhen until /);
    assert.equal(progressing.rolloutsCommit, null, 'reports that do not pass the gate change nothing in the record');
    assert.ok(unchanged(before, heads(dir), WAVE.two));

    // Healthy, but not soaked yet.
    now = minutes(now, 5);
    await report(dir, SITES, 'Healthy', now);
    const soaking = await run(dir, now);
    assert.match(recordOf(soaking).message, /wave one soaking/);
    assert.ok(unchanged(before, heads(dir), WAVE.two), 'wave two waits for the soak');
    assert.match(git(gitdirOf(dir), 'show', 'refs/heads/edgeplane-rollouts:rollouts/telemetry.yaml'), /healthySince/);

    // Soaked: wave two is released, wave three still untouched.
    now = minutes(now, 11);
    await report(dir, SITES, 'Healthy', now);
    const two = await run(dir, now);
    assert.equal(recordOf(two).wave, 1);
    assert.ok(WAVE.two.every((s) => imageAt(dir, s) === 'ingest:2.0'));
    assert.ok(unchanged(before, heads(dir), WAVE.three));

    await driveToCompletion(dir, minutes(now, 11));
    assert.ok(SITES.every((s) => imageAt(dir, s) === 'ingest:2.0'));
  });

  it('a degraded wave pauses the rollout (onFailure: pause) and nothing more is released', async () => {
    const dir = rolloutFleetRepo(rolloutFleetFiles('ingest:1.0', WAVES));
    let now = await driveToCompletion(dir, T0);
    change(dir, rolloutFleetFiles('ingest:2.0', WAVES));
    now = minutes(now, 60);
    await run(dir, now);
    const before = heads(dir);
    now = minutes(now, 5);
    await report(dir, WAVE.one.slice(0, 1), 'Degraded', now);
    await report(dir, WAVE.one.slice(1), 'Healthy', now);
    const paused = await run(dir, now);
    assert.equal(recordOf(paused).phase, 'Paused');
    assert.match(recordOf(paused).message, /1 location\(s\) of wave one degraded/);
    assert.equal(recordOf(paused).failures.length, 1);
    for (let i = 0; i < 3; i++) {
      now = minutes(now, 30);
      await report(dir, SITES, 'Healthy', now);
      assert.equal(recordOf(await run(dir, now)).phase, 'Paused');
    }
    assert.ok(unchanged(before, heads(dir), SITES), 'no branch moved while paused');
  });

  it('with onFailure: rollback, the degraded wave gets the previous output back as new commits', async () => {
    const spec = WAVES + '    onFailure: rollback\n';
    const dir = rolloutFleetRepo(rolloutFleetFiles('ingest:1.0', spec));
    let now = await driveToCompletion(dir, T0);
    const old = new Map(WAVE.one.map((s) => [s, git(gitdirOf(dir), 'rev-parse', `refs/heads/edgeplane/${s}:telemetry`).trim()]));
    change(dir, rolloutFleetFiles('ingest:2.0', spec));
    now = minutes(now, 60);
    await run(dir, now);
    const released = heads(dir);
    assert.ok(WAVE.one.every((s) => imageAt(dir, s) === 'ingest:2.0'));
    now = minutes(now, 5);
    await report(dir, WAVE.one, 'Degraded', now);
    const rolledBack = await run(dir, now);
    assert.equal(recordOf(rolledBack).phase, 'RolledBack');
    for (const site of WAVE.one) {
      assert.equal(imageAt(dir, site), 'ingest:1.0');
      assert.equal(git(gitdirOf(dir), 'rev-parse', `refs/heads/edgeplane/${site}~1`).trim(), released.get(site), 'a new commit on top, history kept');
      assert.equal(git(gitdirOf(dir), 'rev-parse', `refs/heads/edgeplane/${site}:telemetry`).trim(), old.get(site), 'the previous output, byte for byte');
    }
    assert.ok(unchanged(released, heads(dir), [...WAVE.two, ...WAVE.three]));
    // It stays rolled back.
    now = minutes(now, 30);
    await report(dir, SITES, 'Healthy', now);
    const later = await run(dir, now);
    assert.equal(recordOf(later).phase, 'RolledBack');
    assert.ok(WAVE.one.every((s) => imageAt(dir, s) === 'ingest:1.0'));
  });

  it('a closed maintenance window blocks advancing until it opens', async () => {
    const dir = rolloutFleetRepo(rolloutFleetFiles('ingest:1.0', WAVES));
    let now = await driveToCompletion(dir, T0);
    // Tuning the rollout (a window) is no new revision; the image change is.
    change(dir, rolloutFleetFiles('ingest:2.0', WAVES + '    window: {schedule: "0 3 * * *", duration: 1h}\n'));
    const before = heads(dir);
    now = new Date('2026-03-02T12:00:00Z');
    const closed = await run(dir, now);
    assert.match(recordOf(closed).message, /wave one waits for the maintenance window/);
    assert.ok(unchanged(before, heads(dir), SITES), 'nothing released while closed');
    now = new Date('2026-03-03T03:20:00Z');
    await run(dir, now);
    assert.deepEqual(SITES.filter((s) => imageAt(dir, s) === 'ingest:2.0'), WAVE.one);
  });
});
