/**
 * Everything that happens during a run, stamped with the wall clock as it happens: the edges' events (per
 * station, stationTracker.ts), the service's reconciles and the rollout records they wrote, and the milestones
 * the script itself makes (pushes, pull requests, a region going dark). A scenario's timeline is the slice of it
 * between the scenario's start and end.
 *
 * Rollout milestones come from the records each reconcile returns (`ReconcileNote.rollouts`): the same
 * records the service commits to `edgeplane-rollouts`, seen the moment they are written, without polling Git.
 */
import type { RolloutRecord } from '../../rollout/rolloutRecord.js';
import type { EdgeEvent } from '../../simulate/edge/simulatedEdge.js';
import type { TimelineEvent } from '../scenarioData.js';
import type { ReconcileNote } from './centerHost.js';
import { StationTracker } from './stationTracker.js';

/** A timeline event with its wall-clock time (epoch ms) instead of a scenario-relative one. */
export type StampedEvent = Omit<TimelineEvent, 'at'> & { atMs: number };

/** One reconcile of the service. */
export interface ReconcileSeen {
  atMs: number;
  specCommit: string | null;
  /** Station branches given a new commit. */
  changed: number;
  error?: string;
}

/** Wave names of the rolled-out placement, by index, for messages. */
export interface RolloutShape {
  placement: string;
  waves: readonly string[];
  batches: readonly number[];
}

/** The run's recorder. */
export class ScenarioRecorder {
  readonly trackers = new Map<string, StationTracker>();
  readonly events: StampedEvent[] = [];
  readonly reconciles: ReconcileSeen[] = [];
  /** The rollout records after the latest reconcile, by placement, and every change of them, in order. */
  readonly records = new Map<string, RolloutRecord>();
  readonly recordChanges: { atMs: number; record: RolloutRecord }[] = [];
  readonly #shape: RolloutShape;
  readonly #clock: () => number;

  constructor(stations: readonly string[], shape: RolloutShape, clock: () => number = Date.now) {
    for (const station of stations) this.trackers.set(station, new StationTracker(station));
    this.#shape = shape;
    this.#clock = clock;
  }

  /** Adds a milestone now (or at `atMs`). */
  add(kind: TimelineEvent['kind'], detail: string, extra: Partial<Pick<TimelineEvent, 'region' | 'wave' | 'station'>> & { atMs?: number } = {}): void {
    const { atMs, ...rest } = extra;
    this.events.push({ kind, detail, ...rest, atMs: atMs ?? this.#clock() });
  }

  /** An edge event; `bytesSent` is the git server's count for the station's account now. */
  onEdgeEvent(event: EdgeEvent, bytesSent: number): void {
    const tracker = this.trackers.get(event.station);
    if (!tracker) return;
    const run = tracker.current();
    const wasDegraded = run?.degradedAt !== null && run?.degradedAt !== undefined;
    tracker.record(event, bytesSent);
    if (event.kind === 'reported' && event.health === 'Degraded' && run && !wasDegraded) {
      this.add('degraded', `${event.station} reports Degraded on ${run.commit.slice(0, 12)}`, { station: event.station, atMs: event.at });
    }
  }

  /** A reconcile of the service: kept, and the rollout records' changes turned into milestones. */
  onReconciled(note: ReconcileNote): void {
    const { atMs } = note;
    if (note.specCommit === undefined) {
      this.reconciles.push({ atMs, specCommit: null, changed: 0, ...(note.error ? { error: note.error } : {}) });
      this.add('reconcile', `reconcile failed: ${(note.error ?? 'no result').split('\n')[0]}`, { atMs });
      return;
    }
    this.reconciles.push({ atMs, specCommit: note.specCommit, changed: note.changed });
    if (note.changed > 0) this.add('reconcile', `spec ${note.specCommit.slice(0, 12)}: ${note.changed} station branch(es) given a new commit`, { atMs });
    for (const record of note.rollouts) this.#recordChanged(record, atMs);
  }

  #recordChanged(next: RolloutRecord, atMs: number): void {
    const before = this.records.get(next.placement);
    this.records.set(next.placement, next);
    if (before && JSON.stringify(before) === JSON.stringify(next)) return;
    this.recordChanges.push({ atMs, record: next });
    if (next.placement !== this.#shape.placement) return;
    const same = before !== undefined && before.revision === next.revision;
    const prev = same ? before : { wave: 0, batch: 0, batchReleased: false, failures: [], phase: 'Progressing' };
    const name = (wave: number) => this.#shape.waves[wave] ?? `wave ${wave + 1}`;
    for (let wave = prev.wave; wave < Math.min(next.wave, this.#shape.waves.length); wave++) {
      this.add('wave-healthy', `${next.placement}: wave ${name(wave)} passed (healthy for the soak time)`, { wave: name(wave), atMs });
    }
    const released = next.batchReleased && (!prev.batchReleased || prev.wave !== next.wave || prev.batch !== next.batch);
    if (released) {
      const batches = this.#shape.batches[next.wave] ?? 1;
      this.add('wave-released', `${next.placement}: wave ${name(next.wave)} (${next.wave + 1}/${this.#shape.waves.length}), batch ${next.batch + 1}/${batches} released`, {
        wave: name(next.wave),
        atMs,
      });
    }
    for (const failure of next.failures.slice(prev.failures.length)) {
      this.add('degraded', `${next.placement}: ${failure.reason}`, { wave: name(failure.wave), atMs });
    }
    if (next.phase !== prev.phase) {
      if (next.phase === 'RolledBack') this.add('rolled-back', `${next.placement}: ${next.message}`, { atMs });
      else if (next.phase === 'Completed') this.add('completed', `${next.placement}: rollout of ${next.sourceCommit.slice(0, 12)} completed`, { atMs });
      else if (next.phase !== 'Progressing') this.add('reconcile', `${next.placement}: rollout ${next.phase}: ${next.message}`, { atMs });
    }
  }
}
