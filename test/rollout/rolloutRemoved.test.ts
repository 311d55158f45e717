import { strict as assert } from 'node:assert';
import { git, runCli } from '../support/specRepo.js';
import { change, gitdirOf, imageAt, minutes, recordOf, rolloutFleetFiles, rolloutFleetRepo, run, SITES, WAVE, WAVES } from './rolloutFleet.js';

const T0 = new Date('2026-03-01T12:00:00Z');

/** The spec files with the placement's `spec.rollout` taken out. */
function withoutRollout(files: Record<string, string>): Record<string, string> {
  const placement = files['placements/telemetry.yaml']!;
  return { ...files, 'placements/telemetry.yaml': placement.slice(0, placement.indexOf('  rollout:\n')) };
}

describe('rollout: spec.rollout or the placement removed while a rollout is in progress', function () {
  this.timeout(120_000);

  it('removing spec.rollout closes the record as Removed and renders the placement everywhere; adding it back starts over', async () => {
    const dir = rolloutFleetRepo(withoutRollout(rolloutFleetFiles('ingest:1.0', WAVES)));
    await run(dir, T0);
    change(dir, rolloutFleetFiles('ingest:2.0', WAVES));
    const started = await run(dir, minutes(T0, 1));
    assert.equal(recordOf(started).phase, 'Progressing');
    assert.deepEqual(SITES.filter((s) => imageAt(dir, s) === 'ingest:2.0'), WAVE.one);

    change(dir, withoutRollout(rolloutFleetFiles('ingest:2.0', WAVES)));
    const removed = await run(dir, minutes(T0, 2));
    assert.equal(recordOf(removed).phase, 'Removed');
    assert.match(recordOf(removed).message, /^spec\.rollout was removed from placement telemetry; it renders everywhere without a rollout \(the rollout was Progressing: /);
    assert.ok(SITES.every((s) => imageAt(dir, s) === 'ingest:2.0'), 'every location at once, as without a rollout');
    assert.deepEqual([...removed.updated].sort(), [...WAVE.two, ...WAVE.three].sort());
    const status = await runCli('rollout', 'status', '--repo', dir, '--placement', 'telemetry');
    assert.match(status.out, /^telemetry: Removed, wave 1, batch 1 \(released\)\n/);
    const resume = await runCli('rollout', 'resume', '--repo', dir, '--placement', 'telemetry');
    assert.equal(resume.code, 2);
    assert.match(resume.err, /already Removed|is Removed/);

    // A closed record is no baseline: spec.rollout back with a new image rolls out from the first wave.
    change(dir, rolloutFleetFiles('ingest:3.0', WAVES));
    const again = await run(dir, minutes(T0, 3));
    assert.equal(recordOf(again).phase, 'Progressing');
    assert.equal(recordOf(again).previous?.revision, recordOf(removed).revision, 'rollback would return to what went everywhere');
    assert.deepEqual(SITES.filter((s) => imageAt(dir, s) === 'ingest:3.0'), WAVE.one);
    assert.ok([...WAVE.two, ...WAVE.three].every((s) => imageAt(dir, s) === 'ingest:2.0'));
  });

  it('deleting the placement closes its record as Removed and removes it everywhere, released or held', async () => {
    const dir = rolloutFleetRepo(rolloutFleetFiles('ingest:1.0', WAVES));
    await run(dir, T0);
    assert.deepEqual(SITES.filter((s) => imageAt(dir, s) === 'ingest:1.0'), WAVE.one);
    change(dir, { 'placements/telemetry.yaml': null });
    const deleted = await run(dir, minutes(T0, 1));
    assert.equal(recordOf(deleted).phase, 'Removed');
    assert.match(recordOf(deleted).message, /^placement telemetry was deleted \(the rollout was Progressing: /);
    assert.ok(SITES.every((s) => imageAt(dir, s) === null));
    assert.match(git(gitdirOf(dir), 'show', 'refs/heads/edgeplane-rollouts:rollouts/telemetry.yaml'), /phase: Removed/);
    const later = await run(dir, minutes(T0, 2));
    assert.equal(later.rolloutsCommit, null, 'a closed record stays as it is');
    assert.equal(recordOf(later).phase, 'Removed');
  });
});
