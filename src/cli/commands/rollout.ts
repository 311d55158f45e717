import { Command } from 'commander';
import type { RolloutSpec } from '../../api/rollout.js';
import { EdgeplaneError } from '../../errors/edgeplaneError.js';
import { PackSink } from '../../git/packSink.js';
import { fetchRolloutRefs, readRolloutRecords, writeRolloutRecords } from '../../publish/rolloutRecords.js';
import { loadSpec } from '../../reconcile/loadSpec.js';
import { openOutput } from '../../reconcile/openOutput.js';
import { applyRolloutCommand, type RolloutCommand } from '../../rollout/applyRolloutCommand.js';
import type { RolloutPullRequest, RolloutRecord } from '../../rollout/rolloutRecord.js';
import { deadlineProgress, soakProgress } from '../../rollout/soak.js';
import { EXIT } from '../exitCodes.js';
import type { Io } from '../main.js';
import { outputOverrides, specSource, withRepoOptions, type RepoOptions } from '../options.js';

interface RolloutFlags extends RepoOptions {
  placement?: string;
  wave?: string;
  by?: string;
  now?: string;
  json?: boolean;
}

const ACTIONS: readonly RolloutCommand[] = ['approve', 'pause', 'resume', 'abort'];

/** `edgeplane rollout status|approve|pause|resume|abort`: read and steer rollouts (docs/rollout.md). */
export function rolloutCommand(io: Io, setCode: (code: number) => void): Command {
  // Subcommands do not inherit output and exit handling by themselves.
  const configure = (command: Command) => command.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err }).showHelpAfterError();
  const rollout = configure(new Command('rollout')).description('show and steer rollouts: status, approve, pause, resume, abort');
  rollout.addCommand(
    withRepoOptions(configure(new Command('status')))
      .description('print the rollout records of edgeplane-rollouts')
      .option('--placement <name>', 'only this placement')
      .option('--json', 'print the records as JSON')
      .option('--now <iso-time>', 'the time the soak time left is counted to (default: now)')
      .action(async (flags: RolloutFlags) => {
        const now = parseNow(flags.now);
        const { records, context } = await openRecords(flags);
        const shown = [...records.values()].filter((r) => !flags.placement || r.placement === flags.placement).sort((a, b) => (a.placement < b.placement ? -1 : 1));
        if (flags.placement && shown.length === 0) {
          io.err(`no rollout of placement ${flags.placement} (a rollout starts at the first reconcile of a placement with spec.rollout)\n`);
          setCode(EXIT.failure);
          return;
        }
        const formatted = shown.map((r) => formatRecord(r, { now, rollout: context.rollouts.get(r.placement) }));
        io.out(flags.json ? `${JSON.stringify(shown, null, 2)}\n` : formatted.join('\n') || 'no rollouts\n');
      }),
  );
  for (const action of ACTIONS) {
    rollout.addCommand(
      withRepoOptions(configure(new Command(action)))
        .description(DESCRIPTIONS[action])
        .requiredOption('--placement <name>', 'the placement whose rollout this is')
        .option('--wave <n>', 'approve: the wave, 1-based (default: the current one)')
        .option('--by <name>', 'who does it, recorded in the commit and record', process.env['USER'] ?? 'edgeplane')
        .option('--now <iso-time>', 'the time recorded (default: now)')
        .action(async (flags: RolloutFlags) => {
          const now = parseNow(flags.now);
          const { records, others, context } = await openRecords(flags);
          const record = records.get(flags.placement!);
          if (!record) {
            io.err(`no rollout of placement ${flags.placement} (a rollout starts at the first reconcile of a placement with spec.rollout)\n`);
            setCode(EXIT.failure);
            return;
          }
          const wave = flags.wave === undefined ? undefined : Number(flags.wave) - 1;
          if (wave !== undefined && (!Number.isInteger(wave) || wave < 0)) throw new EdgeplaneError('BAD_ARGUMENT', `--wave ${flags.wave} is not a wave number (1, 2, …)`);
          const applied = applyRolloutCommand(record, action, { wave, by: flags.by ?? 'edgeplane', now });
          if ('refused' in applied) {
            io.err(`${applied.refused}\n`);
            setCode(EXIT.failure);
            return;
          }
          records.set(record.placement, applied.record);
          const commit = await writeRolloutRecords(records, {
            target: context.target,
            createSink: () => new PackSink(context.target.gitdir),
            now,
            subject: `rollout ${action} ${record.placement}${wave !== undefined ? ` wave ${wave + 1}` : ''} by ${flags.by ?? 'edgeplane'}`,
            sourceCommit: context.specCommit,
            extra: others,
          });
          io.out(`${action}: ${record.placement} ${commit ? `(${commit.slice(0, 12)})` : '(already so)'}\n${formatRecord(applied.record, { now, rollout: context.rollouts.get(record.placement) })}`);
        }),
    );
  }
  return rollout;
}

const DESCRIPTIONS: Record<RolloutCommand, string> = {
  approve: 'approve a wave of a placement\'s rollout (review: approval), recorded as a commit on edgeplane-rollouts',
  pause: 'pause a progressing rollout',
  resume: 'resume a paused rollout (its progress deadline starts anew)',
  abort: 'abort a rollout: released locations keep the new revision, the others the previous one',
};

async function openRecords(flags: RolloutFlags) {
  const source = specSource(flags);
  const { spec, gitdir } = await loadSpec(source);
  const target = await openOutput(spec.settings, source, gitdir, outputOverrides(flags));
  await fetchRolloutRefs(target);
  const { records, others } = await readRolloutRecords(target.gitdir);
  const rollouts = new Map(spec.placements.flatMap((p) => (p.value.spec.rollout ? [[p.value.metadata.name, p.value.spec.rollout] as const] : [])));
  return { records, others, context: { target, specCommit: spec.commit, rollouts } };
}

function parseNow(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const now = new Date(text);
  if (Number.isNaN(now.getTime())) throw new EdgeplaneError('BAD_ARGUMENT', `--now ${text} is not a time; use ISO 8601, e.g. 2026-03-01T12:00:00Z`);
  return now;
}

/**
 * A record as people read it. With `at` (the clock and the placement's current `spec.rollout`), what the record
 * keeps only as start times is shown as it stands now: the soak's, or the progress deadline's, time run and left.
 */
export function formatRecord(record: RolloutRecord, at?: { now: Date; rollout?: RolloutSpec | undefined }): string {
  const lines = [
    `${record.placement}: ${record.phase}, wave ${record.wave + 1}, batch ${record.batch + 1}${record.batchReleased ? ' (released)' : ''}`,
    `  ${record.message}`,
  ];
  const soak = at?.rollout ? soakProgress(record, at.rollout, at.now) : undefined;
  if (soak) lines.push(`  soak: ${soak.elapsed} of ${soak.soak}, ${soak.over ? 'over: the next reconcile moves on' : `${soak.left} left`}`);
  const deadline = at?.rollout ? deadlineProgress(record, at.rollout, at.now) : undefined;
  if (deadline) lines.push(`  progress deadline: ${deadline.elapsed} of ${deadline.deadline}, ${deadline.over ? 'passed: the next reconcile fails the rollout unless the batch is ready' : `${deadline.left} left`}`);
  lines.push(`  revision ${record.revision.slice(0, 12)} (spec ${record.sourceCommit.slice(0, 12)})${record.previous ? `, replacing ${record.previous.revision.slice(0, 12)}` : ''}`);
  for (const a of record.approvals) lines.push(`  approved wave ${a.wave + 1} by ${a.by} at ${a.at}`);
  for (const f of record.failures) lines.push(`  failed in wave ${f.wave + 1} at ${f.at}: ${f.reason}`);
  for (const p of record.pullRequests) lines.push(`  pull request #${p.number} for wave ${p.wave + 1}: ${p.url}${pullRequestState(p)}`);
  return `${lines.join('\n')}\n`;
}

/** How a record's pull request stands, as the record knows it: ended, or open with the last failure to close it. */
function pullRequestState(pull: RolloutPullRequest): string {
  if (pull.state) return ` (${pull.state})`;
  return pull.closeError ? ` (still open: closing it failed: ${pull.closeError}; the next reconcile tries again)` : '';
}
