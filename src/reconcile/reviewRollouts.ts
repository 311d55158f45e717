import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RolloutSpec } from '../api/rollout.js';
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import { createForge } from '../forge/createForge.js';
import type { Forge } from '../forge/forge.js';
import type { ObjectSink } from '../git/objectSink.js';
import { listRefs, readCommitFiles, updateRefs } from '../git/refs.js';
import { runGit } from '../git/runGit.js';
import type { Spec } from '../load/spec.js';
import type { OutputTarget } from '../publish/outputTarget.js';
import { rolloutFile, ROLLOUTS_BRANCH, ROLLOUTS_REF } from '../publish/rolloutRecords.js';
import { writeBranch } from '../publish/writeBranch.js';
import { compileTemplate, type Properties } from '../render/template.js';
import type { RolloutRecord } from '../rollout/rolloutRecord.js';
import { packageRoot } from '../util/packageRoot.js';
import type { PlannedRollout } from './planRollouts.js';

/** The pull request head branch of a wave: outside `edgeplane-rollouts/`, which Git cannot nest under that branch. */
export function reviewBranch(placement: string, wave: string): string {
  return `edgeplane-rollout/${placement}/${wave}`;
}

/** The wave plan file on the review branch. */
export function wavePlanFile(placement: string, wave: string): string {
  return `plans/${placement}/${wave}.md`;
}

/**
 * The forge of `spec.forge`, when some rollout needs one (`review: pullRequest`); the given one in tests.
 * A forge that cannot be built (no token) is an error message, not a failed reconcile: the waves it would
 * review wait, and their records say why.
 */
export async function rolloutForge(spec: Spec, given: Forge | undefined): Promise<{ forge?: Forge; error?: string }> {
  if (!spec.placements.some((p) => p.value.spec.rollout?.review === 'pullRequest')) return {};
  if (given) return { forge: given };
  if (!spec.settings.forge) return { error: 'edgeplane.yaml has no spec.forge' };
  try {
    return { forge: await createForge(spec.settings.forge) };
  } catch (error) {
    if (!(error instanceof EdgeplaneError)) throw error;
    return { error: error.message };
  }
}

/** A wave that waits for a pull request the forge could not give: the record says why. */
export function forgeUnavailable(record: RolloutRecord, reason: string): RolloutRecord {
  if (record.phase !== 'Progressing' || record.batchReleased || record.batch !== 0) return record;
  if (record.approvals.some((a) => a.wave === record.wave)) return record;
  return { ...record, message: `wave ${record.wave + 1} waits for its pull request, and the forge is unavailable: ${reason}` };
}

/**
 * Reads the pull request of each waiting wave: merged → the wave is approved (by whoever merged it);
 * closed unmerged → the rollout is aborted. Returns the records, changed where a pull request moved.
 */
export async function syncPullRequests(records: ReadonlyMap<string, RolloutRecord>, forge: Forge, now: Date): Promise<Map<string, RolloutRecord>> {
  const synced = new Map(records);
  for (const [placement, record] of records) {
    if (record.phase !== 'Progressing') continue;
    const pull = record.pullRequests.find((p) => p.wave === record.wave);
    if (!pull || record.approvals.some((a) => a.wave === record.wave)) continue;
    let current: Awaited<ReturnType<Forge['getPullRequest']>>;
    try {
      current = await forge.getPullRequest(pull.number);
    } catch (error) {
      // The forge being down holds this wave only, never the fleet's reconcile.
      if (!(error instanceof EdgeplaneError)) throw error;
      synced.set(placement, forgeUnavailable(record, error.message));
      continue;
    }
    if (current.state === 'merged') {
      synced.set(placement, { ...record, approvals: [...record.approvals, { wave: record.wave, by: current.mergedBy ?? `pull request #${pull.number}`, at: now.toISOString() }] });
    } else if (current.state === 'closed') {
      synced.set(placement, { ...record, phase: 'Aborted', message: `aborted: pull request #${pull.number} of wave ${record.wave + 1} was closed without merging` });
    }
  }
  return synced;
}

/**
 * Closes the open pull requests of rollouts a new revision replaced (a new rollout starts from the first
 * wave with pull requests of its own), with a comment saying why. A forge error leaves them open.
 */
export async function closeSupersededPullRequests(before: ReadonlyMap<string, RolloutRecord>, after: ReadonlyMap<string, RolloutRecord>, forge: Forge): Promise<void> {
  for (const [placement, old] of before) {
    const next = after.get(placement);
    if (next && next.revision === old.revision) continue;
    for (const pull of old.pullRequests) {
      try {
        const current = await forge.getPullRequest(pull.number);
        if (current.state !== 'open') continue;
        const why = next ? `revision ${next.revision.slice(0, 12)} replaced ${old.revision.slice(0, 12)}: its rollout starts again from the first wave` : 'the placement no longer has a rollout';
        await forge.commentOnPullRequest(pull.number, `Superseded: ${why}.`);
        await forge.closePullRequest(pull.number);
      } catch (error) {
        if (!(error instanceof EdgeplaneError)) throw error;
      }
    }
  }
}

/**
 * Opens one pull request per wave that waits for review and has none yet: a branch on top of
 * `edgeplane-rollouts` holding the wave plan, into `edgeplane-rollouts`, described from
 * templates/rollout-pull-request.md.hbs. Call after the records are written (the base must exist). Returns
 * the records with the new pull requests; unchanged when none was opened.
 */
export async function openPullRequests(context: {
  spec: Spec;
  specGitdir: string;
  rollouts: ReadonlyMap<string, PlannedRollout>;
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
    if (record.phase !== 'Progressing' || record.batchReleased || record.batch !== 0 || record.wave >= planned.waves.length) continue;
    if (record.approvals.some((a) => a.wave === record.wave) || record.pullRequests.some((p) => p.wave === record.wave)) continue;

    const wave = planned.waves[record.wave]!;
    const base = (await listRefs(target.gitdir, ROLLOUTS_REF)).get(ROLLOUTS_REF);
    if (!base) continue;
    const changes = await changedSpecFiles(context.specGitdir, spec, name, record);
    const props = {
      placement: { name },
      source: { commit: record.sourceCommit, short: record.sourceCommit.slice(0, 12) },
      wave: { name: wave.name, number: record.wave + 1, total: planned.waves.length, count: wave.locations.length },
      revision: { short: record.revision.slice(0, 12) },
      previous: record.previous ? { short: record.previous.revision.slice(0, 12), source: record.previous.sourceCommit.slice(0, 12) } : false,
      batches: planned.batches[record.wave]!.map((batch, i) => ({ number: i + 1, locations: batch.join(', ') })),
      changes,
      gates: describeGates(rollout),
      recordPath: rolloutFile(name),
      planPath: wavePlanFile(name, wave.name),
    };
    const body = template().render(props as unknown as Properties);
    const head = reviewBranch(name, wave.name);
    const headRef = `refs/heads/${head}`;
    const existing = (await listRefs(target.gitdir, headRef)).get(headRef) ?? null;
    // The branch starts at the rollouts branch, so the pull request shows the wave plan and nothing else.
    if (existing !== base) await updateRefs(target.gitdir, [{ ref: headRef, newId: base, oldId: existing }]);
    const files = new Map(await readCommitFiles(target.gitdir, base));
    files.set(wavePlanFile(name, wave.name), body);
    await writeBranch(
      { ref: headRef, files: new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1))), subject: `rollout ${name}: plan of wave ${wave.name}`, sourceCommit: record.sourceCommit },
      { target, createSink: context.createSink, now },
    );
    let pull: Awaited<ReturnType<Forge['openPullRequest']>>;
    try {
      pull = await forge.openPullRequest({ head, base: ROLLOUTS_BRANCH, title: `Rollout ${name}: release wave ${record.wave + 1}/${planned.waves.length} (${wave.name}, ${wave.locations.length} locations)`, body });
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

let compiled: ReturnType<typeof compileTemplate> | undefined;
function template() {
  compiled ??= compileTemplate(fs.readFileSync(path.join(packageRoot(), 'templates', 'rollout-pull-request.md.hbs'), 'utf8'), '(edgeplane)/templates/rollout-pull-request.md.hbs');
  return compiled;
}

function describeGates(rollout: RolloutSpec): string {
  const gates = [`advanceWhen \`${rollout.advanceWhen ?? 'wave.healthy == wave.total'}\``, `soak ${rollout.soak ?? '0s'}`, `progressDeadline ${rollout.progressDeadline ?? '30m'}`];
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
