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
