import { Command, CommanderError } from 'commander';
import { EdgeplaneError, InvalidSpecError } from '../errors/edgeplaneError.js';
import { formatProblems } from '../errors/problem.js';
import { agentCommand } from './commands/agent.js';
import { demoCommand } from './commands/demo.js';
import { initCommand } from './commands/init.js';
import { inventoryCommand } from './commands/inventory.js';
import { planCommand } from './commands/plan.js';
import { reconcileCommand } from './commands/reconcile.js';
import { rolloutCommand } from './commands/rollout.js';
import { serveCommand } from './commands/serve.js';
import { statusCommand } from './commands/status.js';
import { validateCommand } from './commands/validate.js';
import { EXIT } from './exitCodes.js';

/** Where commands print; tests pass their own. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
}

const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
};

/** Runs the CLI with `argv` (as process.argv: node, script, args...) and returns the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code: number = EXIT.ok;
  const setCode = (value: number) => {
    code = Math.max(code, value);
  };
  const program = new Command()
    .name('edgeplane')
    .description('GitOps for edge fleets: renders per-location Kubernetes manifests from placements into Git.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();
  for (const command of [initCommand, validateCommand, planCommand, reconcileCommand, rolloutCommand, statusCommand, agentCommand, serveCommand, inventoryCommand, demoCommand]) {
    // Added commands do not inherit output and exit handling by themselves.
    program.addCommand(command(io, setCode).copyInheritedSettings(program));
  }
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    return reportError(error, io);
  }
  return code;
}

function reportError(error: unknown, io: Io): number {
  if (error instanceof CommanderError) {
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? EXIT.ok : EXIT.failure;
  }
  if (error instanceof InvalidSpecError) {
    io.err(`${formatProblems(error.problems)}\n\n${error.problems.length} problem(s); nothing was published.\n`);
    return EXIT.invalidSpec;
  }
  if (error instanceof EdgeplaneError) {
    io.err(`edgeplane: ${error.message}\n`);
    return error.code === 'INVALID_SPEC' ? EXIT.invalidSpec : EXIT.failure;
  }
  io.err(`edgeplane: unexpected failure: ${(error as Error)?.stack ?? String(error)}\n`);
  return EXIT.failure;
}
