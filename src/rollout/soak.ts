import type { RolloutSpec } from '../api/rollout.js';
import { formatDuration, parseDuration } from './duration.js';
import type { RolloutRecord } from './rolloutRecord.js';

/** When a soak that started at `healthySince` (ISO time) ends under `spec.soak`, in epoch milliseconds. */
export function soakEnd(healthySince: string, spec: Pick<RolloutSpec, 'soak'>): number {
  return Date.parse(healthySince) + (parseDuration(spec.soak ?? '0s') ?? 0);
}

/**
 * Where the soak of the current batch stands at `now`, for people (`edgeplane rollout status`): how long it has
 * run, how long it lasts, how long is left (`over` once it has run its time; the next reconcile moves on).
 * Undefined when the record is not soaking. Computed when shown, never stored: the record keeps only when the
 * soak started, so waiting is no change to it.
 */
export function soakProgress(
  record: RolloutRecord,
  spec: Pick<RolloutSpec, 'soak'>,
  now: Date,
): { elapsed: string; soak: string; left: string; over: boolean } | undefined {
  if (record.phase !== 'Progressing' || !record.batchReleased || record.healthySince === undefined) return undefined;
  const started = Date.parse(record.healthySince);
  const ends = soakEnd(record.healthySince, spec);
  if (Number.isNaN(started)) return undefined;
  const left = ends - now.getTime();
  return { elapsed: formatDuration(Math.min(now.getTime(), ends) - started), soak: spec.soak ?? '0s', left: formatDuration(left), over: left <= 0 };
}

/**
 * Where the progress deadline of the current batch stands at `now`, for people: how long the batch has waited
 * for `advanceWhen` since its release, the deadline, how long is left (`over` once it has passed: the next
 * reconcile fails the rollout unless the batch is ready). Undefined when the record is not waiting for health
 * (not released, soaking, or not progressing). Computed when shown, never stored.
 */
export function deadlineProgress(
  record: RolloutRecord,
  spec: Pick<RolloutSpec, 'progressDeadline'>,
  now: Date,
): { elapsed: string; deadline: string; left: string; over: boolean } | undefined {
  if (record.phase !== 'Progressing' || !record.batchReleased || record.healthySince !== undefined || record.batchStartedAt === undefined) return undefined;
  const started = Date.parse(record.batchStartedAt);
  if (Number.isNaN(started)) return undefined;
  const deadline = spec.progressDeadline ?? '30m';
  const ends = started + (parseDuration(deadline) ?? 0);
  const left = ends - now.getTime();
  return { elapsed: formatDuration(Math.max(0, Math.min(now.getTime(), ends) - started)), deadline, left: formatDuration(left), over: left <= 0 };
}
