import { strict as assert } from 'node:assert';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { git } from '../support/specRepo.js';
import { change, gitdirOf, heads, imageAt, minutes, recordOf, report, rolloutFleetFiles, rolloutFleetRepo, SITES, WAVE } from './rolloutFleet.js';

const T0 = new Date('2026-03-01T12:00:00Z');
/** Three waves by label, no soak: a healthy wave passes at the next decision. */
const WAVES = ['    waves:', '    - {name: one, locationSelector: {matchLabels: {wave: one}}}', '    - {name: two, locationSelector: {matchLabels: {wave: two}}}', '    - {name: three}', ''].join('\n');

/** Two replicas' shards: even and odd station numbers. */
const even = (location: string) => Number(location.slice('site-'.length)) % 2 === 0;
const odd = (location: string) => !even(location);

describe('rollout: replicas sharing a fleet, one deciding', function () {
  this.timeout(120_000);

  it('the decider moves the rollout and judges only what the other shard published; the follower renders from the record and writes none', async () => {
    const dir = rolloutFleetRepo(rolloutFleetFiles('ingest:1.0', WAVES));
    const placement = rolloutFleetFiles('ingest:1.0', WAVES)['placements/telemetry.yaml']!;
    change(dir, { 'placements/telemetry.yaml': placement.slice(0, placement.indexOf('  rollout:\n')) });
    const decider = (now: Date) => reconcile({ source: { repo: dir }, now, shard: even, rollouts: 'decide' });
    const follower = (now: Date) => reconcile({ source: { repo: dir }, now, shard: odd, rollouts: 'follow' });
    const rolloutsHead = () => git(gitdirOf(dir), 'for-each-ref', '--format=%(objectname)', 'refs/heads/edgeplane-rollouts').trim();
    await decider(T0);
    await follower(T0);
    assert.ok(SITES.every((s) => imageAt(dir, s) === 'ingest:1.0'));

    change(dir, rolloutFleetFiles('ingest:2.0', WAVES));
    // The follower sees the new revision first: the record does not know it, so it releases nothing.
    let now = minutes(T0, 1);
    const early = await follower(now);
    assert.deepEqual(early.updated, []);
    assert.equal(early.rolloutsCommit, null);
    assert.equal(rolloutsHead(), '', 'a follower never writes edgeplane-rollouts');

    const released = await decider(now);
    assert.equal(recordOf(released).wave, 0);
    assert.ok(recordOf(released).batchReleased);
    assert.deepEqual(SITES.filter((s) => imageAt(dir, s) === 'ingest:2.0'), WAVE.one.filter(even), 'the decider publishes its own shard only');

    // Every station reports healthy on what is published, the follower's wave-one stations still on 1.0.
    now = minutes(now, 1);
    await report(dir, SITES, 'Healthy', now);
    const judged = await decider(now);
    assert.equal(recordOf(judged).wave, 0, 'stations the other shard has not published yet do not count');
    assert.match(recordOf(judged).message, /^wave one waits for advanceWhen until \S+ \(progressDeadline \S+\)$/);

    const head = rolloutsHead();
    now = minutes(now, 1);
    const followed = await follower(now);
    assert.deepEqual([...followed.updated].sort(), WAVE.one.filter(odd), 'the follower releases what the record releases, in its shard');
    assert.equal(followed.rolloutsCommit, null);
    assert.equal(rolloutsHead(), head);
    assert.equal(recordOf(followed).message, recordOf(judged).message, 'it reports the record as it found it');

    now = minutes(now, 1);
    await report(dir, SITES, 'Healthy', now);
    const two = await decider(now);
    assert.equal(recordOf(two).wave, 1);
    assert.deepEqual(SITES.filter((s) => imageAt(dir, s) === 'ingest:2.0'), [...WAVE.one, ...WAVE.two.filter(even)]);
    const before = heads(dir);
    await follower(minutes(now, 1));
    assert.deepEqual(SITES.filter((s) => imageAt(dir, s) === 'ingest:2.0'), [...WAVE.one, ...WAVE.two]);
    assert.ok(WAVE.three.every((s) => heads(dir).get(s) === before.get(s)), 'wave three untouched by either');
  });
});

