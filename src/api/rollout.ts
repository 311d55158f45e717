import type { LabelSelector } from './meta.js';

/**
 * `EdgePlacement.spec.rollout`: how a new revision of a placement reaches its locations — wave by wave, in
 * batches, gated by health, time, a maintenance window and review. Absent: every location gets a new
 * revision at once. See docs/rollout.md for examples of every field.
 */
export interface RolloutSpec {
  /**
   * Ordered waves. A location belongs to the first wave that takes it: a wave with `locationSelector` takes
   * the remaining locations it matches; a wave with `percent` takes that share of the remaining locations,
   * chosen by a stable hash of the location's name (a location keeps its wave as the fleet grows); a wave
   * with neither takes every remaining location. At least one wave.
   */
  waves: WaveSpec[];
  /**
   * How many locations of a wave may be on their way to the new revision at once: a count (`2`) or a share
   * of the wave (`"20%"`, rounded up, at least 1). Default: the whole wave in one batch.
   */
  maxUnavailable?: number | string;
  /**
   * CEL over `wave` (`total`, `healthy`, `progressing`, `degraded`, `pending`, `stale`, `unknown`, `name`,
   * `index`): when the current batch is done and the next may start. Default `wave.healthy == wave.total`.
   */
  advanceWhen?: string;
  /** How long a wave (or batch) must stay healthy before the next starts, e.g. `10m`. Default `0s`. */
  soak?: string;
  /** How long a batch may take to become healthy before it counts as failed, e.g. `30m`. Default `30m`. */
  progressDeadline?: string;
  /** Degraded locations tolerated in a wave before the rollout fails. Default 0. */
  maxFailures?: number;
  /** What a failed rollout does: `pause` (default: wait for a person) or `rollback` (the affected locations get the previous revision's output back). */
  onFailure?: 'pause' | 'rollback';
  /** Waves advance only while this window is open. Default: always open. */
  window?: RolloutWindow;
  /**
   * Domain-specific rules for batches: CEL over two locations `a` and `b` (each with `name`, `labels`,
   * `annotations`, `params`) that must hold for every pair in one batch, e.g.
   * `a.labels.region != b.labels.region` (never two locations of one region at once).
   */
  constraints?: RolloutConstraint[];
  /**
   * Who releases each wave: `none` (default: the gates alone), `pullRequest` (one pull request per wave on
   * the forge; merging it releases the wave, closing it aborts the rollout) or `approval`
   * (`edgeplane rollout approve` records a commit).
   */
  review?: 'none' | 'pullRequest' | 'approval';
}

export interface WaveSpec {
  /** DNS-1123 label, unique within the rollout. */
  name: string;
  locationSelector?: LabelSelector;
  /** 1–100: the share of the remaining locations this wave takes. */
  percent?: number;
}

export interface RolloutWindow {
  /** A cron expression (node-cron syntax, 5 or 6 fields) for when the window opens. */
  schedule: string;
  /** How long it stays open, e.g. `4h`. */
  duration: string;
  /** IANA time zone of the schedule, e.g. `Europe/Stockholm`. Default UTC. */
  timeZone?: string;
}

export interface RolloutConstraint {
  name: string;
  /** CEL over `a` and `b`; true when the pair may share a batch. */
  expr: string;
}
