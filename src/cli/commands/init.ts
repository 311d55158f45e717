import { Command } from 'commander';
import type { Io } from '../main.js';
import { scaffold } from '../scaffold.js';

/** `edgeplane init`: a working spec repo to start from. */
export function initCommand(io: Io): Command {
  return new Command('init')
    .description('scaffold a spec repo with a working example and editor schemas')
    .argument('[dir]', 'where to write it', '.')
    .option('--example <name>', 'which bundled example (a folder of fixtures/)', 'demo')
    .action(async (dir: string, options: { example: string }) => {
      const result = await scaffold(dir, options.example);
      io.out(`wrote ${result.files.length} files to ${dir}${result.committed ? ` and committed them (${result.committed.slice(0, 12)})` : ''}\n`);
      io.out(`next: edgeplane validate --repo ${dir} && edgeplane reconcile --repo ${dir}\n`);
    });
}
