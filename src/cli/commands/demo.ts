import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { EdgeplaneError } from '../../errors/edgeplaneError.js';
import { formatProblems } from '../../errors/problem.js';
import { reconcile, type ReconcileResult } from '../../reconcile/reconcile.js';
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
      io.out(whereToLook(options.dir, result));
    });
}

/** What the demo created and how someone with a cluster points each consumer at it. */
function whereToLook(dir: string, result: ReconcileResult): string {
  const { target } = result;
  const first = [...result.created].sort()[0] ?? '<location>';
  const rev = target.mode === 'folder' ? `${target.folderBranch}:locations/${first}` : `${target.branchPrefix}${first}`;
  const revPath = (file: string) => (target.mode === 'folder' ? `${rev}/${file}` : `${rev}:${file}`);
  const consumers = new Set(result.consumers);
  const lines = [
    '',
    'Where to look:',
    target.mode === 'folder'
      ? `  git -C ${dir} ls-tree --name-only ${target.folderBranch}:locations   # one folder per location`
      : `  git -C ${dir} branch --list '${target.branchPrefix}*'          # one branch per location`,
    `  git -C ${dir} show ${revPath('README.md')}     # what the location runs`,
    `  git -C ${dir} show ${revPath('kustomization.yaml')}`,
    `  git -C ${dir} log -1 ${target.mode === 'folder' ? target.folderBranch : rev}   # the Edgeplane-Source trailer`,
    '',
    `How a cluster pulls it (branch edgeplane-bootstrap; git -C ${dir} show edgeplane-bootstrap:README.md):`,
  ];
  if (consumers.has('argocd')) {
    lines.push(`  Argo CD hub:   git -C ${dir} show edgeplane-bootstrap:argocd-hub/applicationset.yaml | kubectl apply -n argocd -f -`);
    lines.push(`  Argo CD edge:  git -C ${dir} show edgeplane-bootstrap:argocd-edge/<location>.yaml | kubectl apply -f -`);
  }
  if (consumers.has('flux')) lines.push(`  Flux edge:     git -C ${dir} show edgeplane-bootstrap:flux/<location>.yaml | kubectl apply -f -`);
  if (consumers.has('kubectl')) lines.push(`  kubectl:       git -C ${dir} show edgeplane-bootstrap:kubectl/<location>.sh | sh`);
  lines.push(
    '  (the manifests point at a file:// URL of this demo repo; with a real remote they point at its URL)',
    '',
    'Change a label in inventory/, commit, and run',
    `  npx edgeplane plan --repo ${dir}; npx edgeplane reconcile --repo ${dir}`,
    '',
  );
  return lines.join('\n');
}

/** Recreates the demo folder, but never deletes a folder edgeplane did not create. */
function prepareDir(dir: string): void {
  if (!fs.existsSync(dir)) return;
  if (!fs.existsSync(path.join(dir, '.git', MARKER))) {
    throw new EdgeplaneError('BAD_ARGUMENT', `${dir} exists and was not created by edgeplane demo; choose another --dir`, { dir });
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
