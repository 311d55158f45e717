import { strict as assert } from 'node:assert';
import type { RolloutSpec } from '../../src/api/rollout.js';
import { endedPullRequestComment, withPullRequest } from '../../src/rollout/rolloutPullRequests.js';
import { removeRollout, startRollout, type RolloutRecord } from '../../src/rollout/rolloutRecord.js';
import { soakProgress } from '../../src/rollout/soak.js';

const R2 = 'b'.repeat(40);
const R1 = 'a'.repeat(40);
const base: RolloutRecord = {
  ...startRollout('telemetry', R2, 'c2', { ...startRollout('telemetry', R1, 'c1', undefined), phase: 'Completed' }),
  pullRequests: [{ wave: 1, number: 7, url: 'https://forge/pull/7' }],
};

describe('rollout record: facts, not clocks', () => {
  const comments: [string, RolloutRecord, string][] = [
    [
      'Aborted: who aborted, and what the locations keep',
      { ...base, phase: 'Aborted', message: 'aborted by ops' },
      'Closed by edgeplane: the rollout of telemetry (revision `bbbbbbbbbbbb`) ended Aborted: aborted by ops. Wave 2 will not be released: the locations it released keep revision `bbbbbbbbbbbb`, the others keep what they run.',
    ],
    [
      'RolledBack: why, and the revision the released locations are back on',
      { ...base, phase: 'RolledBack', message: 'rolled back: 2 location(s) of wave one degraded (maxFailures 0)' },
      'Closed by edgeplane: the rollout of telemetry (revision `bbbbbbbbbbbb`) ended RolledBack: rolled back: 2 location(s) of wave one degraded (maxFailures 0). Wave 2 will not be released: the locations it released are back on revision `aaaaaaaaaaaa`.',
    ],
    [
      'Removed: what was removed, without where the rollout stood',
      removeRollout({ ...base, message: 'wave two waits for its pull request to be merged' }, true),
      'Closed by edgeplane: spec.rollout was removed from placement telemetry; it renders everywhere without a rollout, so no wave waits for review any more.',
    ],
  ];
  for (const [name, record, comment] of comments) {
    it(`the closing comment of an ended rollout: ${name}`, () => assert.equal(endedPullRequestComment(record, 1), comment));
  }

  it('marks a pull request, and is the same record when nothing changes', () => {
    const failed = withPullRequest(base, 7, { closeError: 'no answer from the forge' });
    assert.deepEqual(failed.pullRequests, [{ wave: 1, number: 7, url: 'https://forge/pull/7', closeError: 'no answer from the forge' }]);
    assert.equal(withPullRequest(failed, 7, { closeError: 'no answer from the forge' }), failed);
    const closed = withPullRequest(failed, 7, { state: 'closed', closeError: undefined });
    assert.deepEqual(closed.pullRequests, [{ wave: 1, number: 7, url: 'https://forge/pull/7', state: 'closed' }]);
    assert.equal(withPullRequest(closed, 8, { state: 'merged' }), closed, 'no such pull request');
  });

  it('the soak left is computed when shown, from when it started', () => {
    const soaking: RolloutRecord = { ...base, batchReleased: true, healthySince: '2026-03-01T12:00:00.000Z' };
    const spec: RolloutSpec = { waves: [], soak: '10m' };
    const at = (iso: string) => soakProgress(soaking, spec, new Date(iso));
    assert.deepEqual(at('2026-03-01T12:03:20Z'), { elapsed: '3m20s', soak: '10m', left: '6m40s', over: false });
    assert.deepEqual(at('2026-03-01T12:10:00Z'), { elapsed: '10m', soak: '10m', left: '0s', over: true });
    assert.deepEqual(at('2026-03-01T13:00:00Z'), { elapsed: '10m', soak: '10m', left: '0s', over: true });
    assert.equal(soakProgress({ ...soaking, healthySince: undefined }, spec, new Date()), undefined, 'not soaking');
    assert.equal(soakProgress({ ...soaking, phase: 'Paused' }, spec, new Date()), undefined, 'a paused rollout does not soak');
  });
});
