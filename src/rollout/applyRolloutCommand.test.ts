import { strict as assert } from 'node:assert';
import { applyRolloutCommand, type RolloutCommand } from './applyRolloutCommand.js';
import { startRollout, type RolloutPhase, type RolloutRecord } from './rolloutRecord.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const record = (phase: RolloutPhase, changes: Partial<RolloutRecord> = {}): RolloutRecord => ({ ...startRollout('telemetry', 'r2', 'c2', undefined), phase, ...changes });

describe('applyRolloutCommand', () => {
  const cases: [string, RolloutRecord, RolloutCommand, number | undefined, Partial<RolloutRecord> | RegExp][] = [
    ['approve the current wave', record('Progressing', { wave: 1 }), 'approve', undefined, { approvals: [{ wave: 1, by: 'ops', at: NOW.toISOString() }] }],
    ['approve a later wave ahead of time', record('Progressing'), 'approve', 2, { approvals: [{ wave: 2, by: 'ops', at: NOW.toISOString() }] }],
    ['approve a wave already past', record('Progressing', { wave: 2 }), 'approve', 0, /already past/],
    ['approve a completed rollout', record('Completed'), 'approve', undefined, /Completed; nothing to approve/],
    ['pause', record('Progressing'), 'pause', undefined, { phase: 'Paused', message: 'paused by ops (edgeplane rollout resume to go on)' }],
    ['pause a paused rollout', record('Paused'), 'pause', undefined, /Paused, not Progressing/],
    ['resume restarts the deadline of a released batch', record('Paused', { batchReleased: true, batchStartedAt: '2026-01-01T00:00:00.000Z' }), 'resume', undefined, { phase: 'Progressing', batchStartedAt: NOW.toISOString(), healthySince: undefined, message: 'resumed by ops' }],
    ['resume a progressing rollout', record('Progressing'), 'resume', undefined, /Progressing, not Paused/],
    ['abort', record('Paused'), 'abort', undefined, { phase: 'Aborted', message: 'aborted by ops' }],
    ['abort a rolled back rollout', record('RolledBack'), 'abort', undefined, /already RolledBack/],
    ['approve a removed rollout', record('Removed'), 'approve', undefined, /Removed; nothing to approve/],
    ['abort a removed rollout', record('Removed'), 'abort', undefined, /already Removed/],
  ];
  for (const [name, before, command, wave, expected] of cases) {
    it(name, () => {
      const result = applyRolloutCommand(before, command, { wave, by: 'ops', now: NOW });
      if (expected instanceof RegExp) {
        assert.ok('refused' in result, 'refused');
        assert.match(result.refused, expected);
      } else {
        assert.ok('record' in result, 'applied');
        assert.deepEqual(result.record, { ...before, ...expected });
      }
    });
  }

  it('approving twice records one approval', () => {
    const once = applyRolloutCommand(record('Progressing'), 'approve', { by: 'ops', now: NOW });
    assert.ok('record' in once);
    const twice = applyRolloutCommand(once.record, 'approve', { by: 'someone-else', now: NOW });
    assert.ok('record' in twice);
    assert.equal(twice.record.approvals.length, 1);
  });
});
