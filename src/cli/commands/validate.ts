import { Command } from 'commander';
import { formatProblems } from '../../errors/problem.js';
import { validateSpec } from '../../reconcile/validate.js';
import { EXIT } from '../exitCodes.js';
import type { Io } from '../main.js';
import { specSource, withRepoOptions, type RepoOptions } from '../options.js';

/** `edgeplane validate`: every problem of the spec in one run, `file:line:col Kind/name: what (how to fix)`. */
export function validateCommand(io: Io, setCode: (code: number) => void): Command {
  return withRepoOptions(new Command('validate'))
    .description('check a spec commit: YAML, schemas, names, references, templates and rendering at every location')
    .action(async (options: RepoOptions) => {
      const result = await validateSpec(specSource(options));
      if (result.problems.length > 0) {
        io.err(`${formatProblems(result.problems)}\n\n${result.problems.length} problem(s).\n`);
        setCode(EXIT.invalidSpec);
        return;
      }
      io.out(`ok: ${result.locations} locations, ${result.placements} placements, no problems.\n`);
    });
}
