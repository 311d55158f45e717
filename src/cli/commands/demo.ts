import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { EdgeplaneError } from '../../errors/edgeplaneError.js';
import { formatProblems } from '../../errors/problem.js';
import { reconcile } from '../../reconcile/reconcile.js';
import { EXIT } from '../exitCodes.js';
import type { Io } from '../main.js';
import { scaffold } from '../scaffold.js';
import { formatResult } from './reconcile.js';

const MARKER = '.edgeplane-demo';

/** `edgeplane demo`: the embedded default end to end: a local spec repo, rendered into local branches. */
export function demoCommand(io: Io, setCode: (code: number) => void): Command {
  return new Command('demo')
    .description('run the reconciler on a bundled demo fleet, in local repositories only (no cluster, no forge)')
    .argument('[name]', 'which demo (a folder of fixtures/)', 'demo')
    .option('--dir <dir>', 'where to create the demo spec repo (recreated on each run)', '.edgeplane-demo')
    .action(async (name: string, options: { dir: string }) => {
      const dir = path.resolve(options.dir);
      prepareDir(dir);
      await scaffold(dir, name);
      fs.writeFileSync(path.join(dir, '.git', MARKER), 'created by edgeplane demo\n');
      const result = await reconcile({ source: { repo: dir } });
      io.out(`demo spec repo: ${dir}\n${formatResult(result)}`);
      if (result.problems.length > 0) {
        io.err(`${formatProblems(result.problems)}\n`);
        setCode(EXIT.invalidSpec);
      }
      const first = [...result.created].sort()[0] ?? 'kiruna';
      io.out(
        [
          '',
          'Where to look:',
          `  git -C ${options.dir} branch --list 'edgeplane/*'          # one branch per location`,
          `  git -C ${options.dir} show edgeplane/${first}:README.md     # what the location runs`,
          `  git -C ${options.dir} ls-tree -r --name-only edgeplane/${first}`,
          `  git -C ${options.dir} log -1 edgeplane/${first}              # the Edgeplane-Source trailer`,
          `  kubectl kustomize <a checkout of edgeplane/${first}>        # what the edge applies`,
          'Change a label in inventory/, commit, and run',
          `  npx edgeplane plan --repo ${options.dir}; npx edgeplane reconcile --repo ${options.dir}`,
          '',
        ].join('\n'),
      );
    });
}

/** Recreates the demo folder, but never deletes a folder edgeplane did not create. */
function prepareDir(dir: string): void {
  if (!fs.existsSync(dir)) return;
  if (!fs.existsSync(path.join(dir, '.git', MARKER))) {
    throw new EdgeplaneError('BAD_ARGUMENT', `${dir} exists and was not created by edgeplane demo; choose another --dir`, { dir });
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
