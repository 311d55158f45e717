import { parse } from 'yaml';
import { listRefs, readCommitFiles } from '../git/refs.js';
import { fetchRefs } from '../git/remote.js';
import type { ObjectSink } from '../git/objectSink.js';
import { encodeCommit, type Signature } from '../git/objects.js';
import { updateRefs } from '../git/refs.js';
import { gitFailed, runGit } from '../git/runGit.js';
import { SOURCE_TRAILER } from './publishedState.js';
import { pushWithRetry } from './pushWithRetry.js';
import { toCanonicalYaml } from '../render/canonicalYaml.js';
import type { RolloutRecord } from '../rollout/rolloutRecord.js';
import type { OutputTarget } from './outputTarget.js';
import { writeBranch } from './writeBranch.js';

/** The branch of the output repo holding every placement's rollout record. */
export const ROLLOUTS_BRANCH = 'edgeplane-rollouts';
export const ROLLOUTS_REF = `refs/heads/${ROLLOUTS_BRANCH}`;

/** The file of a placement's record on the rollouts branch. */
export function rolloutFile(placement: string): string {
  return `rollouts/${placement}.yaml`;
}

/**
 * Brings `edgeplane-rollouts` (and, with `reportBranchPrefix`, every location report) from a remote output
 * into its local mirror, in one fetch; nothing for a local output. Glob refspecs, so a remote without the
 * branch yet (no rollout ever) is no error.
 */
export async function fetchRolloutRefs(target: OutputTarget, reportBranchPrefix?: string): Promise<void> {
  if (!target.remote) return;
  const rollouts = `${ROLLOUTS_REF}*`;
  const reports = reportBranchPrefix === undefined ? [] : [`refs/heads/${reportBranchPrefix}*`];
  await fetchRefs({
    gitdir: target.gitdir,
    url: target.remote.url,
    refspecs: [`+${rollouts}:${rollouts}`, ...reports.map((r) => `+${r}:${r}`)],
    ...(target.remote.auth ? { auth: target.remote.auth } : {}),
  });
}

/**
 * Every rollout record on `edgeplane-rollouts`, by placement, and the branch's other files (pull request
 * plans). Empty before the first rollout. A record that does not parse is left out: its placement starts
 * over, which is safe (a start holds every unreleased location).
 */
export async function readRolloutRecords(gitdir: string): Promise<{ records: Map<string, RolloutRecord>; others: Map<string, string> }> {
  const head = (await listRefs(gitdir, ROLLOUTS_REF)).get(ROLLOUTS_REF) ?? null;
  const records = new Map<string, RolloutRecord>();
  const others = new Map<string, string>();
  if (head === null) return { records, others };
  for (const [file, text] of await readCommitFiles(gitdir, head)) {
    if (!/^rollouts\/[^/]+\.yaml$/.test(file)) {
      others.set(file, text);
      continue;
    }
    try {
      const record = parse(text) as RolloutRecord | null;
      if (record && typeof record.placement === 'string') records.set(record.placement, normalize(record));
    } catch {
      // An unreadable record: its placement starts a fresh rollout.
    }
  }
  return { records, others };
}

/** Optional fields a hand-edited record may lack. */
function normalize(record: RolloutRecord): RolloutRecord {
  return { ...record, approvals: record.approvals ?? [], failures: record.failures ?? [], pullRequests: record.pullRequests ?? [] };
}

/** A record as it is stored: canonical YAML, so an unchanged record is an unchanged blob. */
export function recordText(record: RolloutRecord): string {
  return toCanonicalYaml(JSON.parse(JSON.stringify(record)) as unknown);
}

/**
 * Writes the records (and any extra files, such as pull request plans) as the whole tree of
 * `edgeplane-rollouts`: one commit when something changed, none otherwise. Returns the commit or null.
 */
export async function writeRolloutRecords(
  records: ReadonlyMap<string, RolloutRecord>,
  context: { target: OutputTarget; createSink: () => ObjectSink; now: Date; subject: string; sourceCommit: string; extra?: ReadonlyMap<string, string> },
): Promise<string | null> {
  const files = new Map<string, string>();
  for (const placement of [...records.keys()].sort()) files.set(rolloutFile(placement), recordText(records.get(placement)!));
  for (const [path, text] of context.extra ?? []) files.set(path, text);
  const sorted = new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
  return writeBranch(
    { ref: ROLLOUTS_REF, files: sorted, subject: context.subject, sourceCommit: context.sourceCommit },
    { target: context.target, createSink: context.createSink, now: context.now },
  );
}

/**
 * Points the review branch `ref` of a rollout wave at `tree` (its objects already in `sink`) on top of `base`,
 * the commit its pull request merges into: a commit whose first parent is `base` and, when the branch exists,
 * whose second parent is its previous head. So the branch only ever moves forward (pushes are never forced,
 * even when a replaced rollout left the branch behind), and the merge base with the base branch is `base`
 * itself: the pull request shows exactly `tree` against `base`. Nothing is written when the branch already has
 * `tree` on `base`. Pushed to a remote output like every other ref. Returns the new head, or null.
 */
export async function writeReviewBranch(
  content: { ref: string; base: string; tree: string; subject: string; sourceCommit: string },
  context: { target: OutputTarget; sink: ObjectSink; createSink: () => ObjectSink; now: Date },
): Promise<string | null> {
  const { target, now } = context;
  const existing = (await listRefs(target.gitdir, content.ref)).get(content.ref) ?? null;
  const current = (head: string) => headOn(target.gitdir, head).then((h) => h.tree === content.tree && h.parents[0] === content.base);
  if (existing !== null && (await current(existing))) {
    // The branch has this tree already, so the repository has its objects.
    await context.sink.abort();
    return null;
  }
  const who: Signature = { name: 'edgeplane', email: 'edgeplane@localhost', tzOffset: '+0000', timestamp: Math.floor(now.getTime() / 1000) };
  const message = `edgeplane: ${content.subject}\n\n${SOURCE_TRAILER}: ${content.sourceCommit}\n`;
  const commitOn = (sink: ObjectSink, previous: string | null) =>
    sink.add('commit', encodeCommit({ tree: content.tree, parents: previous === null ? [content.base] : [content.base, previous], author: who, committer: who, message }));
  const commit = commitOn(context.sink, existing);
  await context.sink.flush();
  await updateRefs(target.gitdir, [{ ref: content.ref, newId: commit, oldId: existing }]);
  if (target.remote) {
    await pushWithRetry({
      target,
      updates: [{ ref: content.ref, newId: commit, oldId: existing }],
      createSink: context.createSink,
      rebase: async (sink, _ref, remoteHead) => ((await current(remoteHead)) ? null : commitOn(sink, remoteHead)),
    });
  }
  return commit;
}

/** A commit's tree and parents. */
async function headOn(gitdir: string, commit: string): Promise<{ tree: string; parents: string[] }> {
  const result = await runGit({ gitdir, args: ['log', '-1', '--format=%T %P', '--end-of-options', commit] });
  if (result.code !== 0) throw gitFailed(`reading commit ${commit}`, result);
  const [tree, ...parents] = result.stdout.toString('utf8').trim().split(' ');
  return { tree: tree!, parents };
}
