import type { RolloutSpec } from '../api/rollout.js';
import { parseDuration } from './duration.js';
import type { RolloutRecord } from './rolloutRecord.js';
import { soakEnd } from './soak.js';

/** A wave's (or batch-so-far's) health, as `advanceWhen` sees it. */
export interface WaveStatus {
  name: string;
  index: number;
  total: number;
  healthy: number;
  progressing: number;
  degraded: number;
  pending: number;
  stale: number;
  unknown: number;
}

/** Everything a rollout decision needs besides the record: pure data and functions, no I/O, no clock. */
export interface RolloutContext {
  spec: RolloutSpec;
  /** Batches of location names, per wave. */
  batches: string[][][];
  wave: (index: number) => { name: string };
  /** The status of these locations on the revision being rolled out. */
  status: (wave: number, locations: readonly string[]) => WaveStatus;
  /** `advanceWhen`, compiled. */
  advanceWhen: (status: WaveStatus) => boolean;
  windowOpen: boolean;
  /** Whether a person released this wave (approval commit, merged pull request). */
  approved: (wave: number) => boolean;
  now: Date;
}

/** The locations on the new revision: every earlier wave, and the current wave's batches released so far. */
export function releasedLocations(record: RolloutRecord, batches: string[][][]): Set<string> {
  if (record.phase === 'Completed') return new Set(batches.flat(2));
  const released = new Set<string>();
  batches.forEach((wave, w) =>
    wave.forEach((batch, b) => {
      if (w < record.wave || (w === record.wave && (b < record.batch || (b === record.batch && record.batchReleased)))) {
        for (const location of batch) released.add(location);
      }
    }),
  );
  return released;
}

/**
 * One step of the rollout state machine, as far as the gates allow: release the next batch when the
 * window is open and (first batch of a wave) the wave is approved; once released, wait until `advanceWhen`
 * holds for `soak`, then move on; a batch with more degraded locations than `maxFailures`, or not done by
 * `progressDeadline`, fails the rollout (`pause` or `rollback`). Pure: returns a new record.
 */
export function decide(record: RolloutRecord, ctx: RolloutContext): RolloutRecord {
  let next = { ...record };
  for (let step = 0; step < 1000 && next.phase === 'Progressing'; step++) {
    const moved = advance(next, ctx);
    if (moved === next) break;
    next = moved;
  }
  return next;
}

function advance(record: RolloutRecord, ctx: RolloutContext): RolloutRecord {
  const { spec, batches, now } = ctx;
  if (record.wave >= batches.length) return { ...record, phase: 'Completed', message: 'every wave is on the new revision' };
  const waveName = ctx.wave(record.wave).name;
  const waveBatches = batches[record.wave]!;
  if (waveBatches.length === 0 || record.batch >= waveBatches.length) {
    return { ...record, wave: record.wave + 1, batch: 0, batchReleased: false, healthySince: undefined, batchStartedAt: undefined };
  }

  if (!record.batchReleased) {
    if (!ctx.windowOpen) return waiting(record, `wave ${waveName} waits for the maintenance window`);
    const review = spec.review ?? 'none';
    if (record.batch === 0 && review !== 'none' && !ctx.approved(record.wave)) {
      return waiting(record, review === 'pullRequest' ? `wave ${waveName} waits for its pull request to be merged` : `wave ${waveName} waits for approval (edgeplane rollout approve)`);
    }
    return {
      ...record,
      batchReleased: true,
      batchStartedAt: now.toISOString(),
      healthySince: undefined,
      message: `wave ${waveName}, batch ${record.batch + 1}/${waveBatches.length} released`,
    };
  }

  const sofar = waveBatches.slice(0, record.batch + 1).flat();
  const status = ctx.status(record.wave, sofar);
  if (status.degraded > (spec.maxFailures ?? 0)) {
    return fail(record, spec, `${status.degraded} location(s) of wave ${waveName} degraded (maxFailures ${spec.maxFailures ?? 0})`, now);
  }
  if (!ctx.advanceWhen(status)) {
    const deadline = parseDuration(spec.progressDeadline ?? '30m') ?? 0;
    const started = Date.parse(record.batchStartedAt ?? now.toISOString());
    if (now.getTime() - started > deadline) {
      return fail(record, spec, `wave ${waveName} did not become ready within progressDeadline ${spec.progressDeadline ?? '30m'}`, now);
    }
    // When the wait ends, not how many are healthy yet: counts change at every report, and a record that changes
    // only on transitions is a commit only on transitions (the status summary and `rollout status` have the counts).
    const until = new Date(started + deadline).toISOString();
    return waiting(record, `wave ${waveName} waits for advanceWhen until ${until} (progressDeadline ${spec.progressDeadline ?? '30m'})`, { healthySince: undefined });
  }
  const healthySince = record.healthySince ?? now.toISOString();
  const soakEnds = soakEnd(healthySince, spec);
  if (now.getTime() < soakEnds) {
    // The end, not the time left: a record that changes only on transitions is a commit only on transitions.
    return waiting(record, `wave ${waveName} soaking until ${new Date(soakEnds).toISOString()} (soak ${spec.soak})`, { healthySince });
  }
  const lastBatch = record.batch + 1 >= waveBatches.length;
  return {
    ...record,
    wave: lastBatch ? record.wave + 1 : record.wave,
    batch: lastBatch ? 0 : record.batch + 1,
    batchReleased: false,
    batchStartedAt: undefined,
    healthySince: undefined,
    message: lastBatch ? `wave ${waveName} passed` : `wave ${waveName}, batch ${record.batch + 1} passed`,
  };
}

/** Waiting at a gate: the same record (so `decide` stops) unless the message or the soak clock changed. */
function waiting(record: RolloutRecord, message: string, changes: Partial<RolloutRecord> = {}): RolloutRecord {
  const next = { ...record, ...changes, message };
  return next.message === record.message && next.healthySince === record.healthySince ? record : next;
}

function fail(record: RolloutRecord, spec: RolloutSpec, reason: string, now: Date): RolloutRecord {
  const rollback = spec.onFailure === 'rollback';
  return {
    ...record,
    phase: rollback ? 'RolledBack' : 'Paused',
    failures: [...record.failures, { wave: record.wave, at: now.toISOString(), reason }],
    message: rollback ? `rolled back: ${reason}` : `paused: ${reason} (edgeplane rollout resume to go on)`,
  };
}
