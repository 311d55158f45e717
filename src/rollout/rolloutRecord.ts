/**
 * The state of one placement's rollout, kept in Git (`rollouts/<placement>.yaml` on the `edgeplane-rollouts`
 * branch) so that a restarted reconciler resumes exactly where it was. Which locations are released is
 * derived from `wave`, `batch` and `batchReleased`, never stored, so locations that join the fleet fall into
 * place.
 */
export interface RolloutRecord {
  placement: string;
  /** The input digest of the revision being rolled out. */
  revision: string;
  /** The spec commit that revision was first seen at. */
  sourceCommit: string;
  /** The revision being replaced; rollback returns to it. Absent for a placement's first rollout. */
  previous?: { revision: string; sourceCommit: string } | undefined;
  phase: RolloutPhase;
  /** Index of the current wave. */
  wave: number;
  /** Index of the current batch within the wave. */
  batch: number;
  /** Whether the current batch has been given the new revision. */
  batchReleased: boolean;
  /** When the current batch was released (ISO time). */
  batchStartedAt?: string | undefined;
  /** Since when the current batch has met `advanceWhen` without interruption (ISO time): the soak clock. */
  healthySince?: string | undefined;
  /** Waves a person released (`review: approval` or a merged pull request). */
  approvals: { wave: number; by: string; at: string }[];
  /** Why the rollout failed, when it did. */
  failures: { wave: number; at: string; reason: string }[];
  /** One pull request per wave with `review: pullRequest`. */
  pullRequests: RolloutPullRequest[];
  /**
   * What a person reads first: what the rollout waits for, or why it stopped. It changes only on a transition
   * (a soak says when it ends, not how long is left), so a rollout that waits writes no commit.
   */
  message: string;
}

/** A wave's pull request (`review: pullRequest`), as the record knows it. */
export interface RolloutPullRequest {
  /** Index of the wave it releases. */
  wave: number;
  number: number;
  url: string;
  /**
   * How it ended, once a reconcile saw it end or ended it: `merged` (the wave's approval) or `closed` (by a person,
   * which aborts the rollout, or by edgeplane when the rollout ended otherwise). Absent while it may be open; a
   * pull request with a state is never asked about again, so it is closed, and commented on, once.
   */
  state?: 'merged' | 'closed' | undefined;
  /**
   * Why closing it failed, while the rollout has ended and it is still open (the forge unreachable, or refusing):
   * every reconcile tries again until it is closed.
   */
  closeError?: string | undefined;
}

/**
 * `Progressing`: moving, or waiting for a gate. `Paused`: stopped by a person or a failure with
 * `onFailure: pause`. `Completed`: every wave released and passed. `RolledBack`: failed with
 * `onFailure: rollback`, released locations are back on the previous revision. `Aborted`: a person aborted it
 * (or closed its pull request); released locations keep the new revision, the rest keep the previous one.
 * `Removed`: `spec.rollout` (or the placement) went away before the rollout ended; the placement renders
 * everywhere as without a rollout (a deleted placement: nowhere). Not `Completed`: its waves did not pass
 * their gates, and nothing reading the record may take it for a rollout that did.
 */
export type RolloutPhase = 'Progressing' | 'Paused' | 'Completed' | 'RolledBack' | 'Aborted' | 'Removed';

/** Phases after which a reconcile never moves the record again (a new revision starts a new one). */
export function rolloutEnded(phase: RolloutPhase): boolean {
  return phase === 'Completed' || phase === 'Aborted' || phase === 'RolledBack' || phase === 'Removed';
}

/**
 * Phases after which no wave of the rollout is released again, so a reconcile closes the rollout's open pull
 * requests (with a comment saying why). Not `Completed`: every wave was released, its pull requests merged.
 */
export function closesPullRequests(phase: RolloutPhase): boolean {
  return phase === 'Aborted' || phase === 'RolledBack' || phase === 'Removed';
}

/**
 * Closes the record of a placement whose `spec.rollout` (or the placement itself) is gone: `Removed`, unless it
 * already ended in a state that stays true without the rollout (`Completed`, `Removed`). `RolledBack` and
 * `Aborted` are closed too: their locations now get the current revision, which those phases would deny.
 */
export function removeRollout(record: RolloutRecord, placementExists: boolean): RolloutRecord {
  if (record.phase === 'Completed' || record.phase === 'Removed') return record;
  const what = placementExists ? `spec.rollout was removed from placement ${record.placement}; it renders everywhere without a rollout` : `placement ${record.placement} was deleted`;
  return { ...record, phase: 'Removed', message: `${what} (the rollout was ${record.phase}: ${record.message})` };
}

/** A fresh record for a new revision. */
export function startRollout(placement: string, revision: string, sourceCommit: string, previous: RolloutRecord | undefined): RolloutRecord {
  const replaced = previous && previous.phase !== 'RolledBack' ? { revision: previous.revision, sourceCommit: previous.sourceCommit } : previous?.previous;
  return {
    placement,
    revision,
    sourceCommit,
    previous: replaced,
    phase: 'Progressing',
    wave: 0,
    batch: 0,
    batchReleased: false,
    approvals: [],
    failures: [],
    pullRequests: [],
    message: 'starting',
  };
}
