import { Command } from 'commander';
import { EdgeplaneError } from '../../errors/edgeplaneError.js';
import { formatProblems } from '../../errors/problem.js';
import { formatPlanMarkdown, planChanges } from '../../plan/planChanges.js';
import { EXIT } from '../exitCodes.js';
import type { Io } from '../main.js';
import { outputOverrides, specSource, withRepoOptions, type RepoOptions } from '../options.js';

/** `edgeplane plan`: what a spec revision would change at each location, and where its rollouts stand, as markdown or JSON. */
export function planCommand(io: Io, setCode: (code: number) => void): Command {
  return withRepoOptions(new Command('plan'))
    .description('show, per location, the objects a spec revision adds, changes and removes against what is published')
    .option('-f, --format <format>', 'markdown or json', 'markdown')
    .option('--now <iso-time>', 'the time rollout gates are judged at (default: now)')
    .action(async (options: RepoOptions & { format: string; now?: string }) => {
      const now = options.now === undefined ? new Date() : new Date(options.now);
      if (Number.isNaN(now.getTime())) throw new EdgeplaneError('BAD_ARGUMENT', `--now ${options.now} is not a time (use ISO 8601, e.g. 2026-03-01T12:00:00Z)`);
      const plan = await planChanges(specSource(options), outputOverrides(options), now);
      io.out(options.format === 'json' ? `${JSON.stringify(plan, null, 2)}\n` : formatPlanMarkdown(plan));
      if (plan.problems.length > 0) {
        io.err(`${formatProblems(plan.problems)}\n`);
        setCode(EXIT.invalidSpec);
      }
    });
}
