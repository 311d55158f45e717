import type { RolloutPullRequest, RolloutRecord } from './rolloutRecord.js';

/**
 * The comment edgeplane leaves on the pull request of wave `wave` when it closes it because the rollout ended
 * (`Aborted`, `RolledBack`, `Removed`): the phase and the record's message (who aborted, why it rolled back, what
 * was removed), and what the locations run from now on. Only the record's data, so a retry says the same.
 */
export function endedPullRequestComment(record: RolloutRecord, wave: number): string {
  if (record.phase === 'Removed') {
    return `Closed by edgeplane: ${record.message.replace(/ \(the rollout was .*$/s, '')}, so no wave waits for review any more.`;
  }
  const revision = `\`${record.revision.slice(0, 12)}\``;
  const after =
    record.phase === 'RolledBack'
      ? record.previous
        ? `the locations it released are back on revision \`${record.previous.revision.slice(0, 12)}\``
        : `the locations it released no longer run placement ${record.placement} (it had no previous revision)`
      : `the locations it released keep revision ${revision}, the others keep what they run`;
  return `Closed by edgeplane: the rollout of ${record.placement} (revision ${revision}) ended ${record.phase}: ${record.message}. Wave ${wave + 1} will not be released: ${after}.`;
}

/**
 * The record with pull request `number` changed by `changes` (`closeError: undefined` removes it); the same
 * record when nothing changes, so an unchanged record stays an unchanged blob in Git.
 */
export function withPullRequest(record: RolloutRecord, number: number, changes: Partial<Pick<RolloutPullRequest, 'state' | 'closeError'>>): RolloutRecord {
  let changed = false;
  const pullRequests = record.pullRequests.map((pull) => {
    if (pull.number !== number) return pull;
    const next: RolloutPullRequest = { ...pull, ...changes };
    if (next.closeError === undefined) delete next.closeError;
    if (next.state === undefined) delete next.state;
    if (next.state === pull.state && next.closeError === pull.closeError) return pull;
    changed = true;
    return next;
  });
  return changed ? { ...record, pullRequests } : record;
}

/** The pull requests of `record` whose end it has not seen: those a reconcile still asks the forge about. */
export function unsettledPullRequests(record: RolloutRecord): RolloutPullRequest[] {
  return record.pullRequests.filter((pull) => pull.state === undefined);
}
