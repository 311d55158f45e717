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
import { resolveKubectl } from '../../scenario/groundstations/kubectl.js';
import { checkScenarios, runGroundstations } from '../../scenario/groundstations/runGroundstations.js';
import { summaryTable } from '../../scenario/groundstations/summaryTable.js';

const MARKER = '.edgeplane-demo';

/** `edgeplane demo`: the embedded default end to end: a local spec repo, rendered into local branches. */
export function demoCommand(io: Io, setCode: (code: number) => void): Command {
  return new Command('demo')
    .description('run the reconciler on a bundled demo fleet, in local repositories only (no cluster, no forge); `demo groundstations` runs the ground-station scenarios end to end')
    .argument('[name]', 'which demo (a folder of fixtures/)', 'demo')
    .option('--dir <dir>', 'where to create the demo spec repo (recreated on each run)', '.edgeplane-demo')
    .option('--stations <n>', 'groundstations: how many stations (a subset keeping every region and its canary; default all)')
    .option('--scenarios <list>', 'groundstations: which scenarios, comma-separated (initial, waves, region-dark, bad-change; default all)')
    .option('--out <dir>', 'groundstations: where scenario.json and report.html go', 'scenario-report')
    .option('--kubectl <path>', 'groundstations: the kubectl the simulated edges build with (default: the pinned one of `npm run fetch-tools`)')
    .option('--keep', 'groundstations: keep the work folder (repositories, serve.log) and print where it is')
    .action(async (name: string, options: DemoOptions) => {
      if (name === GROUNDSTATIONS) {
        await groundstations(options, io, setCode);
        return;
      }
      const only = (['stations', 'scenarios', 'kubectl', 'keep'] as const).filter((o) => options[o] !== undefined);
      if (only.length > 0) throw new EdgeplaneError('BAD_ARGUMENT', `--${only[0]} applies to \`edgeplane demo ${GROUNDSTATIONS}\` only`, { option: only[0] });
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

const GROUNDSTATIONS = 'groundstations';

interface DemoOptions {
  dir: string;
  stations?: string;
  scenarios?: string;
  out: string;
  kubectl?: string;
  keep?: boolean;
}

/**
 * `edgeplane demo groundstations`: the ground-station scenarios end to end (docs/scenario.md). Prints progress,
 * then the summary table and where the report is; exit code 2 when a check failed.
 */
async function groundstations(options: DemoOptions, io: Io, setCode: (code: number) => void): Promise<void> {
  const stations = options.stations === undefined ? undefined : Number(options.stations);
  if (stations !== undefined && !Number.isInteger(stations)) {
    throw new EdgeplaneError('BAD_ARGUMENT', `--stations must be a whole number, not ${JSON.stringify(options.stations)}`, { stations: options.stations });
  }
  const scenarios = options.scenarios === undefined ? undefined : checkScenarios(options.scenarios.split(',').map((s) => s.trim()).filter(Boolean));
  const kubectl = resolveKubectl(options.kubectl);
  const started = Date.now();
  const result = await runGroundstations({
    stations,
    scenarios,
    outDir: path.resolve(options.out),
    kubectl,
    keepWorkDir: options.keep ?? false,
    log: (line) => io.out(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`),
  });
  io.out(`\n${summaryTable(result.run)}\n`);
  const failed = result.run.scenarios.flatMap((s) => s.checks.filter((c) => !c.ok).map((c) => `${s.name}: ${c.name}: ${c.detail}`));
  for (const line of failed) io.err(`check failed: ${line}\n`);
  io.out(`\nreport: ${result.files.html}\ndata:   ${result.files.json}\n`);
  if (result.workDir) io.out(`work folder (kept): ${result.workDir}\n`);
  if (failed.length > 0) setCode(EXIT.failure);
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
