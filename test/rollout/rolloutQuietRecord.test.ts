import { strict as assert } from 'node:assert';
import { git, runCli } from '../support/specRepo.js';
import { gitdirOf, imageAt, minutes, recordOf, report, rolloutFleetFiles, rolloutFleetRepo, run, SITES, WAVE, WAVES } from './rolloutFleet.js';

const T0 = new Date('2026-03-01T12:00:00Z');
const seconds = (at: Date, n: number): Date => new Date(at.getTime() + n * 1000);

function rolloutsHead(dir: string): string {
  return git(gitdirOf(dir), 'rev-parse', 'refs/heads/edgeplane-rollouts').trim();
}

describe('rollout: a waiting rollout writes nothing to edgeplane-rollouts until a gate moves', function () {
  this.timeout(120_000);

  it('reconciles during a soak leave edgeplane-rollouts at one commit; status shows the time left; the soak still ends on time', async () => {
    const dir = rolloutFleetRepo(rolloutFleetFiles('ingest:1.0', WAVES));
    await run(dir, T0);
    assert.deepEqual(SITES.filter((s) => imageAt(dir, s) === 'ingest:1.0'), WAVE.one);

    // Wave one healthy: the soak starts now, and the record says until when, once.
    const healthy = minutes(T0, 1);
    await report(dir, WAVE.one, 'Healthy', healthy);
    const started = await run(dir, healthy);
    assert.notEqual(started.rolloutsCommit, null, 'the soak starting is a transition');
    assert.equal(recordOf(started).healthySince, healthy.toISOString());
    assert.equal(recordOf(started).message, 'wave one soaking until 2026-03-01T12:11:00.000Z (soak 10m)');
    const head = rolloutsHead(dir);

    let now = healthy;
    for (let i = 0; i < 3; i++) {
      now = seconds(now, 5);
      const again = await run(dir, now);
      assert.equal(again.rolloutsCommit, null, `reconcile ${i + 1} during the soak writes no record`);
      assert.equal(rolloutsHead(dir), head);
      assert.equal(recordOf(again).message, recordOf(started).message);
    }

    // The time left is computed when it is shown, from the record and the clock.
    const status = await runCli('rollout', 'status', '--repo', dir, '--placement', 'telemetry', '--now', now.toISOString());
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, /^telemetry: Progressing, wave 1, batch 1 \(released\)\n {2}wave one soaking until 2026-03-01T12:11:00\.000Z \(soak 10m\)\n {2}soak: 15s of 10m, 9m45s left\n/);

    // A second before the soak ends: still waiting, still the same commit, wave two untouched.
    const last = await run(dir, new Date(Date.parse('2026-03-01T12:11:00Z') - 1000));
    assert.equal(last.rolloutsCommit, null);
    assert.equal(rolloutsHead(dir), head);
    assert.ok(WAVE.two.every((s) => imageAt(dir, s) === null), 'wave two waits for the soak');

    // The soak ends: wave two is released.
    const ended = await run(dir, new Date('2026-03-01T12:11:00Z'));
    assert.notEqual(ended.rolloutsCommit, null);
    assert.equal(recordOf(ended).wave, 1);
    assert.equal(recordOf(ended).healthySince, undefined);
    assert.ok(WAVE.two.every((s) => imageAt(dir, s) === 'ingest:1.0'));
    assert.ok(WAVE.three.every((s) => imageAt(dir, s) === null));

    // An interrupted soak starts over, with a new end.
    const back = minutes(new Date('2026-03-01T12:11:00Z'), 2);
    await report(dir, WAVE.two, 'Healthy', back);
    const soaking = await run(dir, back);
    assert.equal(recordOf(soaking).message, 'wave two soaking until 2026-03-01T12:23:00.000Z (soak 10m)');
    await report(dir, WAVE.two.slice(0, 1), 'Progressing', minutes(back, 1));
    const interrupted = await run(dir, minutes(back, 1));
    assert.match(recordOf(interrupted).message, /^wave two waits for advanceWhen until \S+ \(progressDeadline 30m\)$/);
    assert.equal(recordOf(interrupted).healthySince, undefined);
    await report(dir, WAVE.two.slice(0, 1), 'Healthy', minutes(back, 2));
    const resumed = await run(dir, minutes(back, 2));
    assert.equal(recordOf(resumed).message, 'wave two soaking until 2026-03-01T12:25:00.000Z (soak 10m)');
    assert.equal((await run(dir, minutes(back, 11))).rolloutsCommit, null, 'the restarted soak is not over at the old end');
    assert.equal(recordOf(await run(dir, minutes(back, 12))).wave, 2, 'it is at the new one');
  });

  it('reconciles while a released wave becomes healthy station by station write nothing; status shows the deadline', async () => {
    const dir = rolloutFleetRepo(rolloutFleetFiles('ingest:1.0', WAVES));
    const released = await run(dir, T0);
    assert.deepEqual(SITES.filter((s) => imageAt(dir, s) === 'ingest:1.0'), WAVE.one);
    assert.equal(recordOf(released).message, 'wave one waits for advanceWhen until 2026-03-01T12:30:00.000Z (progressDeadline 30m)');
    const head = rolloutsHead(dir);

    // One more healthy station at each reconcile: the record is the same until the wave passes its gate.
    let now = seconds(T0, 5);
    for (const [i, site] of WAVE.one.slice(0, -1).entries()) {
      now = minutes(now, 1);
      await report(dir, [site], 'Healthy', now);
      const again = await run(dir, now);
      assert.equal(again.rolloutsCommit, null, `${i + 1} healthy: no record commit`);
    }
    assert.equal(rolloutsHead(dir), head);
    const status = await runCli('rollout', 'status', '--repo', dir, '--placement', 'telemetry', '--now', minutes(T0, 10).toISOString());
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, /\n {2}wave one waits for advanceWhen until 2026-03-01T12:30:00\.000Z \(progressDeadline 30m\)\n {2}progress deadline: 10m of 30m, 20m left\n/);

    now = minutes(now, 1);
    await report(dir, WAVE.one.slice(-1), 'Healthy', now);
    const soaking = await run(dir, now);
    assert.notEqual(soaking.rolloutsCommit, null, 'the wave passing its gate is a transition');
    assert.match(recordOf(soaking).message, /^wave one soaking until /);
  });

  it('reconciles while a wave waits for its maintenance window write nothing', async () => {
    const dir = rolloutFleetRepo(rolloutFleetFiles('ingest:1.0', WAVES + '    window: {schedule: "0 3 * * *", duration: 1h}\n'));
    const first = await run(dir, T0);
    assert.equal(recordOf(first).message, 'wave one waits for the maintenance window');
    const head = rolloutsHead(dir);
    for (let i = 1; i <= 3; i++) {
      const again = await run(dir, seconds(T0, 5 * i));
      assert.equal(again.rolloutsCommit, null);
    }
    assert.equal(rolloutsHead(dir), head);
    assert.ok(SITES.every((s) => imageAt(dir, s) === null));
  });
});
