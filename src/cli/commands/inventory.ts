import { Command, Option } from 'commander';
import { CONSUMERS, type Consumer } from '../../api/location.js';
import { formatImportProblems } from '../../inventory/clusterRecord.js';
import { IMPORT_SOURCES, importInventory, type ImportSource } from '../../inventory/importInventory.js';
import { EXIT } from '../exitCodes.js';
import type { Io } from '../main.js';

interface ImportFlags {
  from: ImportSource;
  repo: string;
  out?: string;
  force?: boolean;
  kubeconfig?: string;
  context?: string;
  namespace: string;
  consumer?: Consumer;
}

/**
 * `edgeplane inventory import`: Locations for the clusters Argo CD (cluster Secrets) or a kubeconfig
 * (contexts) already knows, written into the spec repo's working tree. Problems go to stderr with exit 1
 * and nothing written; operational failures (kubeconfig, Kubernetes API) exit 2.
 */
export function inventoryCommand(io: Io, setCode: (code: number) => void): Command {
  // Nested commands do not inherit output and exit handling from the program: set them here.
  const configure = (command: Command) => command.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err }).showHelpAfterError();
  const importCommand = configure(new Command('import'))
    .description("write a Location for every cluster Argo CD or a kubeconfig knows (names and servers only, never credentials)")
    .addOption(new Option('--from <source>', 'where the clusters are: Argo CD cluster Secrets or kubeconfig contexts').choices(IMPORT_SOURCES).makeOptionMandatory())
    .option('-r, --repo <dir>', "the spec repo's working tree (files are written there, for you to review and commit)", '.')
    .option('--out <path>', 'a .yaml file for one multi-document file, or a folder for one file per location (default: the inventory folder)')
    .option('--force', 'overwrite files that exist')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'argocd: the context to read Argo CD through; kubeconfig: import only this context')
    .option('-n, --namespace <namespace>', "Argo CD's namespace", 'argocd')
    .addOption(new Option('--consumer <consumer>', 'spec.consumer of the imported locations (default: argocd with --from argocd)').choices(CONSUMERS))
    .action(async (flags: ImportFlags) => {
      const result = await importInventory({
        from: flags.from,
        repoDir: flags.repo,
        ...(flags.out !== undefined ? { out: flags.out } : {}),
        force: flags.force === true,
        ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
        ...(flags.context !== undefined ? { context: flags.context } : {}),
        namespace: flags.namespace,
        ...(flags.consumer !== undefined ? { consumer: flags.consumer } : {}),
      });
      for (const note of result.notes) io.err(`note: ${note}\n`);
      if (result.problems.length > 0) {
        io.err(`${formatImportProblems(result.problems)}\n\n${result.problems.length} problem(s); nothing was written.\n`);
        setCode(EXIT.invalidSpec);
        return;
      }
      for (const file of result.files) io.out(`wrote ${file}\n`);
      io.out(`imported ${result.locations.length} location(s) from ${result.description}; review, then commit and run edgeplane validate.\n`);
    });
  return configure(new Command('inventory')).description('manage the inventory of locations').addCommand(importCommand);
}
