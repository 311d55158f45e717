import { Command } from 'commander';
import { formatProblems } from '../../errors/problem.js';
import { formatPlanMarkdown, planChanges } from '../../plan/planChanges.js';
import { EXIT } from '../exitCodes.js';
import type { Io } from '../main.js';
import { outputOverrides, specSource, withRepoOptions, type RepoOptions } from '../options.js';

/** `edgeplane plan`: what a spec revision would change at each location, as markdown or JSON. */
export function planCommand(io: Io, setCode: (code: number) => void): Command {
  return withRepoOptions(new Command('plan'))
    .description('show, per location, the objects a spec revision adds, changes and removes against what is published')
    .option('-f, --format <format>', 'markdown or json', 'markdown')
    .action(async (options: RepoOptions & { format: string }) => {
      const plan = await planChanges(specSource(options), outputOverrides(options));
      io.out(options.format === 'json' ? `${JSON.stringify(plan, null, 2)}\n` : formatPlanMarkdown(plan));
      if (plan.problems.length > 0) {
        io.err(`${formatProblems(plan.problems)}\n`);
        setCode(EXIT.invalidSpec);
      }
    });
}
