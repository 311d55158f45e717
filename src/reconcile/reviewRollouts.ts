import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RolloutSpec } from '../api/rollout.js';
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import { createForge } from '../forge/createForge.js';
import type { Forge, PullRequest } from '../forge/forge.js';
import type { ObjectSink } from '../git/objectSink.js';
import { hashBlobText, TreeBuilder } from '../git/objects.js';
import { listRefs, readCommitFiles } from '../git/refs.js';
import { runGit } from '../git/runGit.js';
import type { Spec } from '../load/spec.js';
import { writeLocation } from '../publish/locationCommit.js';
import { locationFolder, type OutputTarget } from '../publish/outputTarget.js';
import { SOURCE_TRAILER } from '../publish/publishedState.js';
import { rolloutFile, ROLLOUTS_BRANCH, writeReviewBranch } from '../publish/rolloutRecords.js';
import { compileTemplate, type Properties } from '../render/template.js';
import { closesPullRequests, rolloutEnded, type RolloutPullRequest, type RolloutRecord } from '../rollout/rolloutRecord.js';
import { endedPullRequestComment, unsettledPullRequests, withPullRequest } from '../rollout/rolloutPullRequests.js';
import { packageRoot } from '../util/packageRoot.js';
import { formatLocationPlans, nameList } from '../plan/formatLocationPlans.js';
import { planWave, renderRelease } from '../plan/planWave.js';
import { waitsForReview, type PlannedRollout, type RolloutPlan } from './planRollouts.js';

/** The pull request head branch of a wave: outside `edgeplane-rollouts/`, which Git cannot nest under that branch. */
export function reviewBranch(placement: string, wave: string): string {
  return `edgeplane-rollout/${placement}/${wave}`;
}

/** The wave plan file on the review branch. */
export function wavePlanFile(placement: string, wave: string): string {
  return `plans/${placement}/${wave}.md`;
}

/**
 * The forge of `spec.forge`, when some rollout needs one (`review: pullRequest`, or a record whose pull request
 * may still be open, to close it); the given one in tests. A forge that cannot be built (no token) is an
 * error message, not a failed reconcile: the waves it would review wait, and their records say why.
 */
export async function rolloutForge(spec: Spec, given: Forge | undefined, records: ReadonlyMap<string, RolloutRecord> = new Map()): Promise<{ forge?: Forge; error?: string }> {
  const reviewed = spec.placements.some((p) => p.value.spec.rollout?.review === 'pullRequest');
  const open = [...records.values()].some((r) => unsettledPullRequests(r).length > 0 && (!rolloutEnded(r.phase) || closesPullRequests(r.phase)));
  if (!reviewed && !open) return {};
  if (given) return { forge: given };
  if (!spec.settings.forge) return { error: 'edgeplane.yaml has no spec.forge' };
  try {
    return { forge: await createForge(spec.settings.forge) };
  } catch (error) {
    if (!(error instanceof EdgeplaneError)) throw error;
    return { error: error.message };
  }
}

/**
 * A wave that waits for a pull request the forge could not give, or an ended rollout whose open pull requests
 * it could not close: the record says why (the message, or each such pull request's `closeError`).
 */
export function forgeUnavailable(record: RolloutRecord, reason: string): RolloutRecord {
  if (closesPullRequests(record.phase)) return unsettledPullRequests(record).reduce((r, pull) => withPullRequest(r, pull.number, { closeError: reason }), record);
  if (record.phase !== 'Progressing' || record.batchReleased || record.batch !== 0) return record;
  if (record.approvals.some((a) => a.wave === record.wave)) return record;
  return { ...record, message: `wave ${record.wave + 1} waits for its pull request, and the forge is unavailable: ${reason}` };
}

/**
 * Reads the pull request of each waiting wave: merged → the wave is approved (by whoever merged it);
 * closed unmerged → the rollout is aborted. Then closes, with a comment saying why (the record's data), the
 * pull requests still open of rollouts that ended `Aborted` (by `edgeplane rollout abort`, a commit this
 * reconcile is the first to see), `RolledBack` or `Removed`. Each pull request whose end it saw or made is
 * marked in its record (`state`), so it is asked about, and commented on, once; one it could not close keeps
 * the forge's answer in `closeError` and is tried again at the next reconcile. Returns the records, changed
 * where a pull request moved.
 */
export async function syncPullRequests(records: ReadonlyMap<string, RolloutRecord>, forge: Forge, now: Date): Promise<Map<string, RolloutRecord>> {
  const synced = new Map(records);
  for (const [placement, record] of records) {
    let next = record.phase === 'Progressing' ? await syncWave(record, forge, now) : record;
    if (closesPullRequests(next.phase)) next = await closeEndedPullRequests(next, forge);
    if (next !== record) synced.set(placement, next);
  }
  return synced;
}

/** The pull request of the wave a progressing rollout waits at, as the forge has it now. */
async function syncWave(record: RolloutRecord, forge: Forge, now: Date): Promise<RolloutRecord> {
  const pull = record.pullRequests.find((p) => p.wave === record.wave && p.state === undefined);
  if (!pull || record.approvals.some((a) => a.wave === record.wave)) return record;
  let current: Awaited<ReturnType<Forge['getPullRequest']>>;
  try {
    current = await forge.getPullRequest(pull.number);
  } catch (error) {
    // The forge being down holds this wave only, never the fleet's reconcile.
    if (!(error instanceof EdgeplaneError)) throw error;
    return forgeUnavailable(record, error.message);
  }
  if (current.state === 'merged') {
    const approved = { ...record, approvals: [...record.approvals, { wave: record.wave, by: current.mergedBy ?? `pull request #${pull.number}`, at: now.toISOString() }] };
    return withPullRequest(approved, pull.number, { state: 'merged' });
  }
  if (current.state === 'closed') {
    const aborted = { ...record, phase: 'Aborted' as const, message: `aborted: pull request #${pull.number} of wave ${record.wave + 1} was closed without merging` };
    return withPullRequest(aborted, pull.number, { state: 'closed' });
  }
  return record;
}

/**
 * Closes the pull requests of an ended rollout that may still be open, with `endedPullRequestComment`, and marks
 * each in the record as `closeOpenPullRequest` found it.
 */
async function closeEndedPullRequests(record: RolloutRecord, forge: Forge): Promise<RolloutRecord> {
  let next = record;
  for (const pull of unsettledPullRequests(record)) {
    next = withPullRequest(next, pull.number, await closeOpenPullRequest(forge, pull.number, endedPullRequestComment(record, pull.wave)));
  }
  return next;
}

/**
 * Closes, with a comment saying why, the open pull requests of rollouts that no longer wait for them: replaced
 * by a new revision (which starts from the first wave with pull requests of its own), or ended by this
 * reconcile (`spec.rollout` or the placement removed, a rollback, …). Returns the records of `after` whose pull
 * requests it closed or saw ended, marked as in `syncPullRequests` (a forge error is kept in `closeError`), for
 * a caller that writes them; a record it does not return is tried again by the next reconcile's
 * `syncPullRequests` when its rollout ended, and the comment is not repeated once a pull request is closed.
 */
export async function closeSupersededPullRequests(
  before: ReadonlyMap<string, RolloutRecord>,
  after: ReadonlyMap<string, RolloutRecord>,
  forge: Forge,
): Promise<Map<string, RolloutRecord>> {
  const changed = new Map<string, RolloutRecord>();
  for (const [placement, old] of before) {
    const next = after.get(placement);
    const why = closingReason(old, next);
    if (why === undefined) continue;
    // The same rollout, ended: its record keeps what became of its pull requests. A new revision's does not list them.
    let marked = next && next.revision === old.revision ? next : undefined;
    for (const pull of unsettledPullRequests(old)) {
      if (marked?.pullRequests.find((p) => p.number === pull.number)?.state !== undefined) continue;
      const outcome = await closeOpenPullRequest(forge, pull.number, why(pull.wave));
      if (marked) marked = withPullRequest(marked, pull.number, outcome);
    }
    if (marked && marked !== next) changed.set(placement, marked);
  }
  return changed;
}

/**
 * Comments on pull request `number` and closes it, when the forge has it open. Returns what its record entry
 * says after: how it ended (`state`), or why closing it failed (`closeError`): a forge error holds nothing else.
 */
async function closeOpenPullRequest(forge: Forge, number: number, comment: string): Promise<Pick<RolloutPullRequest, 'state' | 'closeError'>> {
  try {
    const current = await forge.getPullRequest(number);
    if (current.state === 'open') {
      await forge.commentOnPullRequest(number, comment);
      await forge.closePullRequest(number);
    }
    return { state: current.state === 'merged' ? 'merged' : 'closed', closeError: undefined };
  } catch (error) {
    if (!(error instanceof EdgeplaneError)) throw error;
    return { closeError: error.message };
  }
}

/** The comment that closes a pull request (of a wave) of `old`, when they are obsolete after this reconcile. */
function closingReason(old: RolloutRecord, next: RolloutRecord | undefined): ((wave: number) => string) | undefined {
  if (!next) return () => `Closed by edgeplane: the rollout of ${old.placement} is gone.`;
  if (next.revision !== old.revision) return () => `Superseded: revision ${next.revision.slice(0, 12)} replaced ${old.revision.slice(0, 12)}: its rollout starts again from the first wave.`;
  // Ended in this reconcile (an `Aborted` record that becomes `Removed` had its pull requests closed when it was read).
  const ended = (rolloutEnded(next.phase) && !rolloutEnded(old.phase)) || (next.phase === 'Removed' && old.phase !== 'Removed');
  return ended ? (wave) => endedPullRequestComment(next, wave) : undefined;
}

/** How many locations of a wave a pull request description renders in full; the rest are counted. */
export const DESCRIBED_LOCATIONS = 20;

/**
 * Opens one pull request per wave that waits for review and has none yet, described from
 * templates/rollout-pull-request.md.hbs: the wave's batches, what releasing it changes at its first
 * `DESCRIBED_LOCATIONS` locations (the `edgeplane plan` diff), how the previous wave is doing, the spec files
 * that changed. Branch mode: the head branch is `edgeplane-rollouts` plus the wave plan, into
 * `edgeplane-rollouts`. Folder mode: the head branch is the folder branch with the first batch's location
 * folders at the new revision, into the folder branch, so its diff is the real change and merging it is the
 * release; it is brought up to date with the folder branch at every reconcile while the wave waits. Call after
 * the locations are published and the records written (the base must exist). Returns the records with the new
 * pull requests; unchanged when none was opened.
 */
export async function openPullRequests(context: {
  spec: Spec;
  specGitdir: string;
  rollouts: ReadonlyMap<string, PlannedRollout>;
  /** What rendering held and rolled back this reconcile: the wave's locations are described from it. */
  plan: Pick<RolloutPlan, 'held' | 'plans'>;
  forge: Forge;
  target: OutputTarget;
  createSink: () => ObjectSink;
  now: Date;
}): Promise<{ records: Map<string, RolloutRecord>; opened: number }> {
  // `opened` counts changed records: pull requests opened, or waves told the forge refused.
  const { spec, forge, target, now } = context;
  const records = new Map([...context.rollouts].map(([name, planned]) => [name, planned.record]));
  let opened = 0;
  for (const placement of spec.placements) {
    const name = placement.value.metadata.name;
    const rollout = placement.value.spec.rollout;
    const planned = context.rollouts.get(name);
    if (!rollout || rollout.review !== 'pullRequest' || !planned) continue;
    const record = planned.record;
    if (!waitsForReview(record) || record.wave >= planned.waves.length) continue;
    if (record.approvals.some((a) => a.wave === record.wave)) continue;
    const pending = record.pullRequests.some((p) => p.wave === record.wave);
    // A branch-mode review branch carries a plan that does not go stale; a folder-mode one follows the folder branch.
    if (pending && target.mode === 'branch') continue;

    const wave = planned.waves[record.wave]!;
    const base = target.mode === 'folder' ? target.folderBranch : ROLLOUTS_BRANCH;
    const baseHead = (await listRefs(target.gitdir, `refs/heads/${base}`)).get(`refs/heads/${base}`);
    if (!baseHead) continue;
    const head = reviewBranch(name, wave.name);
    if (!pending) {
      // The pull request may exist already: opened by a reconcile whose record commit never landed, and merged
      // (or closed) since, so `openPullRequest` would not find it open and would open a second one for the wave.
      let earlier: PullRequest | null;
      try {
        earlier = await earlierPullRequest(forge, target.gitdir, { head, base }, record.sourceCommit);
      } catch (error) {
        if (!(error instanceof EdgeplaneError)) throw error;
        records.set(name, forgeUnavailable(record, error.message));
        opened++;
        continue;
      }
      if (earlier !== null) {
        records.set(name, { ...record, pullRequests: [...record.pullRequests, { wave: record.wave, number: earlier.number, url: earlier.url }] });
        opened++;
        continue;
      }
    }
    const body = pending ? '' : await describeWave({ ...context, rollout, planned, name });
    const sink = context.createSink();
    const tree =
      target.mode === 'folder'
        ? await releaseTree({ ...context, sink, placement: name, locations: planned.batches[record.wave]![0] ?? [] })
        : await planTree(target.gitdir, baseHead, wavePlanFile(name, wave.name), body, sink);
    if (tree === null) {
      await sink.abort();
      continue;
    }
    await writeReviewBranch(
      { ref: `refs/heads/${head}`, base: tree.base, tree: tree.root, subject: `rollout ${name}: ${target.mode === 'folder' ? 'release' : 'plan'} of wave ${wave.name}`, sourceCommit: record.sourceCommit },
      { target, sink, createSink: context.createSink, now },
    );
    if (pending) continue;
    let pull: Awaited<ReturnType<Forge['openPullRequest']>>;
    try {
      pull = await forge.openPullRequest({ head, base, title: `Rollout ${name}: release wave ${record.wave + 1}/${planned.waves.length} (${wave.name}, ${wave.locations.length} locations)`, body });
    } catch (error) {
      if (!(error instanceof EdgeplaneError)) throw error;
      records.set(name, forgeUnavailable(record, error.message));
      opened++;
      continue;
    }
    records.set(name, {
      ...record,
      pullRequests: [...record.pullRequests, { wave: record.wave, number: pull.number, url: pull.url }],
    });
    opened++;
  }
  return { records, opened };
}

/**
 * The newest merged or closed pull request between `branches` that edgeplane opened for the rollout of
 * `sourceCommit`: its head commit, written by `writeReviewBranch`, carries that spec commit in its source
 * trailer. Null when there is none (an open one is `openPullRequest`'s to find), or when its head commit is not
 * in `gitdir` (then it cannot be told from a pull request of an earlier rollout of the same wave).
 */
async function earlierPullRequest(forge: Forge, gitdir: string, branches: { head: string; base: string }, sourceCommit: string): Promise<PullRequest | null> {
  const found = await forge.findPullRequest(branches);
  if (found === null || found.state === 'open') return null;
  const result = await runGit({ gitdir, args: ['log', '-1', '--format=%(trailers:key=' + SOURCE_TRAILER + ',valueonly,unfold)', '--end-of-options', found.headSha] });
  if (result.code !== 0) return null;
  return result.stdout.toString('utf8').trim() === sourceCommit ? found : null;
}

/** Branch mode's review tree: `edgeplane-rollouts` at `base`, plus the wave plan. Its new objects go to `sink`. */
async function planTree(gitdir: string, base: string, planFile: string, body: string, sink: ObjectSink): Promise<{ base: string; root: string }> {
  const files = new Map(await readCommitFiles(gitdir, base));
  files.set(planFile, body);
  const builder = new TreeBuilder();
  for (const [path, text] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const blob = hashBlobText(text);
    sink.add('blob', blob.body, blob.id);
    builder.add(path, blob.id);
  }
  const built = builder.build();
  for (const object of built.objects) sink.add(object.type, object.body, object.id);
  return { base, root: built.rootId };
}

/**
 * Folder mode's review tree: the folder branch as published, with the folders of `locations` (the wave's first
 * batch) as releasing `placement` makes them. Null before the folder branch exists.
 */
async function releaseTree(context: {
  spec: Spec;
  target: OutputTarget;
  plan: Pick<RolloutPlan, 'held' | 'plans'>;
  placement: string;
  locations: readonly string[];
  sink: ObjectSink;
  now: Date;
}): Promise<{ base: string; root: string } | null> {
  const { spec, target, sink } = context;
  const { trees, published } = await renderRelease({ spec, target, rollouts: context.plan, placement: context.placement, locations: context.locations });
  if (published.folderHead === null) return null;
  const folders = new Map<string, string>();
  for (const tree of trees) {
    const written = writeLocation(sink, tree, undefined, { mode: 'folder', sourceCommit: spec.commit, now: context.now });
    if (written) folders.set(tree.location, written.tree);
  }
  const builder = new TreeBuilder();
  for (const [name, location] of published.locations) {
    if (!folders.has(name) && location.folderTree) builder.add(locationFolder(name), location.folderTree, '040000');
  }
  for (const [name, tree] of folders) builder.add(locationFolder(name), tree, '040000');
  const built = builder.build();
  for (const object of built.objects) sink.add(object.type, object.body, object.id);
  return { base: published.folderHead, root: built.rootId };
}

/** The pull request description of the wave `planned.record` stands at. */
async function describeWave(context: {
  spec: Spec;
  specGitdir: string;
  plan: Pick<RolloutPlan, 'held' | 'plans'>;
  target: OutputTarget;
  rollout: RolloutSpec;
  planned: PlannedRollout;
  name: string;
}): Promise<string> {
  const { spec, planned, name, rollout } = context;
  const record = planned.record;
  const wave = planned.waves[record.wave]!;
  const batches = planned.batches[record.wave]!;
  const changes = await changedSpecFiles(context.specGitdir, spec, name, record);
  const wavePlan = await planWave({ spec, target: context.target, rollouts: context.plan, placement: name, locations: batches.flat(), limit: DESCRIBED_LOCATIONS });
  const shown = wavePlan.locations.length + wavePlan.unchanged.length;
  const atLocations = [
    ...formatLocationPlans(wavePlan.locations, { heading: '####', group: true }),
    ...(wavePlan.unchanged.length > 0 ? ['', `No change at ${nameList(wavePlan.unchanged)}: they run this revision already.`] : []),
    ...(wavePlan.notShown > 0 ? ['', `The wave's other ${wavePlan.notShown} location(s) are not rendered here (the first ${shown} are); \`edgeplane plan\` shows every location a reconcile releases.`] : []),
  ].join('\n').trim();
  const previous = planned.previousWave;
  const props = {
    placement: { name },
    source: { commit: record.sourceCommit, short: record.sourceCommit.slice(0, 12) },
    wave: { name: wave.name, number: record.wave + 1, total: planned.waves.length, count: wave.locations.length },
    revision: { short: record.revision.slice(0, 12) },
    previous: record.previous ? { short: record.previous.revision.slice(0, 12), source: record.previous.sourceCommit.slice(0, 12) } : false,
    batches: batches.map((batch, i) => ({ number: i + 1, locations: batch.join(', ') })),
    folder: context.target.mode === 'folder' ? { branch: context.target.folderBranch, count: batches[0]?.length ?? 0 } : false,
    atLocations,
    previousWave: previous
      ? { name: previous.name, number: previous.index + 1, total: previous.total, healthy: previous.healthy, progressing: previous.progressing, degraded: previous.degraded, pending: previous.pending, stale: previous.stale, unknown: previous.unknown }
      : false,
    changes,
    gates: describeGates(rollout),
    recordPath: rolloutFile(name),
    planPath: wavePlanFile(name, wave.name),
  };
  return template().render(props as unknown as Properties);
}

let compiled: ReturnType<typeof compileTemplate> | undefined;
function template() {
  compiled ??= compileTemplate(fs.readFileSync(path.join(packageRoot(), 'templates', 'rollout-pull-request.md.hbs'), 'utf8'), '(edgeplane)/templates/rollout-pull-request.md.hbs');
  return compiled;
}

function describeGates(rollout: RolloutSpec): string {
  const gates = [
    `advanceWhen \`${rollout.advanceWhen ?? 'wave.healthy == wave.total'}\``,
    `soak ${rollout.soak ?? '0s'}`,
    `progressDeadline ${rollout.progressDeadline ?? '30m'}`,
    `maxFailures ${rollout.maxFailures ?? 0} (then ${rollout.onFailure ?? 'pause'})`,
  ];
  if (rollout.window) gates.push(`window \`${rollout.window.schedule}\` for ${rollout.window.duration}${rollout.window.timeZone ? ` (${rollout.window.timeZone})` : ''}`);
  return gates.join(', ');
}

/** The spec files of the placement (its file, workloads, customizers) that differ from the previous revision's commit. */
async function changedSpecFiles(gitdir: string, spec: Spec, name: string, record: RolloutRecord): Promise<{ status: string; path: string }[]> {
  const placement = spec.placements.find((p) => p.value.metadata.name === name);
  if (!placement || !record.previous || record.previous.sourceCommit === record.sourceCommit) return [];
  const paths = [
    placement.file,
    ...placement.value.spec.workloads.map((w) => w.path),
    ...(placement.value.spec.customizers ?? []).flatMap((c) => {
      const file = spec.customizers.get(c)?.file;
      return file ? [file] : [];
    }),
  ];
  const result = await runGit({ gitdir, args: ['diff', '--name-status', '--no-renames', record.previous.sourceCommit, record.sourceCommit, '--', ...paths] });
  if (result.code !== 0) return [];
  const status: Record<string, string> = { A: 'added', M: 'changed', D: 'removed' };
  return result.stdout
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [code, file] = line.split('\t');
      return { status: status[code![0]!] ?? code!, path: file! };
    });
}
