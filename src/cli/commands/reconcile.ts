import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { formatProblems } from '../../errors/problem.js';
import { reconcile, type ObjectWriter, type ReconcileResult } from '../../reconcile/reconcile.js';
import { EXIT } from '../exitCodes.js';
import type { Io } from '../main.js';
import { outputOverrides, specSource, withRepoOptions, type RepoOptions } from '../options.js';

interface ReconcileFlags extends RepoOptions {
  writer: ObjectWriter;
  now?: string;
  json?: boolean;
}

/** `edgeplane reconcile`: render every location and publish what changed. */
export function reconcileCommand(io: Io, setCode: (code: number) => void): Command {
  return withRepoOptions(new Command('reconcile'))
    .description('render every location of a spec commit and commit, per changed location, its output')
    .option('--writer <writer>', 'pack (one packfile, fast) or isomorphic-git (loose objects)', 'pack')
    .option('--now <iso-time>', 'commit time of output commits (default: now); makes output commits reproducible')
    .option('--json', 'print the result as JSON')
    .action(async (flags: ReconcileFlags) => {
      const result = await runReconcile(flags, io);
      io.out(flags.json ? `${JSON.stringify(summarize(result), null, 2)}\n` : formatResult(result));
      if (result.problems.length > 0) {
        io.err(`${formatProblems(result.problems)}\n\n${result.problems.length} problem(s): their placements kept their last good output.\n`);
        setCode(EXIT.invalidSpec);
      }
    });
}

/** Runs a reconcile with a progress bar on terminals. */
export async function runReconcile(flags: ReconcileFlags, io: Io): Promise<ReconcileResult> {
  const bar = io.isTTY && !flags.json ? new SingleBar({ format: 'rendering {bar} {value}/{total} locations', hideCursor: true }) : undefined;
  let started = false;
  try {
    return await reconcile({
      source: specSource(flags),
      output: outputOverrides(flags),
      writer: flags.writer,
      ...(flags.now ? { now: new Date(flags.now) } : {}),
      onProgress: (done, total) => {
        if (!bar || total < 200) return;
        if (!started) bar.start(total, 0);
        started = true;
        bar.update(done);
      },
    });
  } finally {
    if (started) bar?.stop();
  }
}

function summarize(result: ReconcileResult) {
  return {
    specCommit: result.specCommit,
    output: result.target.gitdir,
    mode: result.target.mode,
    created: result.created,
    updated: result.updated,
    unchanged: result.unchanged,
    retired: result.retired,
    objects: result.publish.objects,
    refs: result.publish.updates.map((u) => u.ref),
    pushed: result.publish.push?.pushed ?? 0,
    foreign: result.publish.foreign,
    bootstrap: result.bootstrap,
    problems: result.problems.length,
    ...(result.rollouts.length > 0 ? { rollouts: result.rollouts.map((r) => ({ placement: r.placement, phase: r.phase, wave: r.wave + 1, batch: r.batch + 1, message: r.message })) } : {}),
  };
}

/** A short human summary of a reconcile. */
export function formatResult(result: ReconcileResult): string {
  const lines = [
    `spec commit ${result.specCommit.slice(0, 12)} → ${result.target.remote?.url ?? result.target.gitdir} (${result.target.mode} mode)`,
    `${result.created.length} created, ${result.updated.length} updated, ${result.unchanged} unchanged, ${result.retired.length} retired; ` +
      `${result.publish.objects} objects, ${result.publish.updates.length} refs written`,
  ];
  if (result.publish.push) lines.push(`pushed ${result.publish.push.pushed} ref(s)${result.publish.push.rebased.length ? `, ${result.publish.push.rebased.length} re-committed on top of a newer remote` : ''}`);
  for (const r of result.rollouts) lines.push(`rollout ${r.placement}: ${r.phase}, wave ${r.wave + 1}: ${r.message}`);
  if (result.bootstrap) lines.push(`bootstrap manifests updated on edgeplane-bootstrap (${result.bootstrap.slice(0, 12)})`);
  for (const location of result.publish.foreign) {
    lines.push(`WARNING: ${location}'s branch had a commit edgeplane did not make; it stays in history, but the new output supersedes it.`);
  }
  return lines.join('\n') + '\n';
}
