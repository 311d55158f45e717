import { rolloutEnded, type RolloutRecord } from './rolloutRecord.js';

/** What a person can do to a rollout (`edgeplane rollout …`). */
export type RolloutCommand = 'approve' | 'pause' | 'resume' | 'abort';

/**
 * A person's command applied to a record: `approve` releases a wave (default: the current one) for
 * `review: approval`; `pause` stops a progressing rollout; `resume` restarts a paused one, its progress
 * deadline counted anew; `abort` ends it, released locations keeping the new revision. Pure: the new record,
 * or why the command does not apply.
 */
export function applyRolloutCommand(
  record: RolloutRecord,
  command: RolloutCommand,
  context: { wave?: number | undefined; by: string; now: Date },
): { record: RolloutRecord } | { refused: string } {
  const at = context.now.toISOString();
  const ended = rolloutEnded(record.phase);
  switch (command) {
    case 'approve': {
      const wave = context.wave ?? record.wave;
      if (ended) return { refused: `the rollout of ${record.placement} is ${record.phase}; nothing to approve` };
      if (wave < record.wave) return { refused: `wave ${wave + 1} of ${record.placement} is already past` };
      if (record.approvals.some((a) => a.wave === wave)) return { record };
      const approvals = [...record.approvals, { wave, by: context.by, at }].sort((a, b) => a.wave - b.wave);
      return { record: { ...record, approvals } };
    }
    case 'pause':
      if (record.phase !== 'Progressing') return { refused: `the rollout of ${record.placement} is ${record.phase}, not Progressing` };
      return { record: { ...record, phase: 'Paused', message: `paused by ${context.by} (edgeplane rollout resume to go on)` } };
    case 'resume':
      if (record.phase !== 'Paused') return { refused: `the rollout of ${record.placement} is ${record.phase}, not Paused` };
      return {
        record: {
          ...record,
          phase: 'Progressing',
          ...(record.batchReleased ? { batchStartedAt: at } : {}),
          healthySince: undefined,
          message: `resumed by ${context.by}`,
        },
      };
    case 'abort':
      if (ended) return { refused: `the rollout of ${record.placement} is already ${record.phase}` };
      return { record: { ...record, phase: 'Aborted', message: `aborted by ${context.by}` } };
  }
}
