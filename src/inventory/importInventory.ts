/**
 * `edgeplane inventory import`: Locations for the clusters Argo CD (or a kubeconfig) already knows,
 * written into the spec repo's working tree for the user to review and commit.
 *
 * The import reads names, servers and user metadata, never credentials: an Argo CD cluster Secret's
 * `config` is not decoded, a kubeconfig's users are not read. A run either writes every file or, when
 * anything is wrong (an unusable name, a collision, a file that exists without `force`), writes nothing
 * and reports every problem.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import type { Consumer } from '../api/location.js';
import { resolveSettings, type Settings } from '../api/settings.js';
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import { isSafeRepoPath } from '../load/names.js';
import { clustersFromArgoCdSecrets, ARGOCD_CLUSTER_SELECTOR, type SecretLike } from './argoCdClusters.js';
import type { ClusterRecord, ImportProblem } from './clusterRecord.js';
import { existingLocationNames, overwriteProblems, writeFiles } from './inventoryFolder.js';
import { clustersFromKubeconfig } from './kubeconfigClusters.js';
import { locationsFromClusters, type ImportedLocation } from './locationsFromClusters.js';
import { readClusterSecrets } from './readClusterSecrets.js';
import { renderInventoryFiles, type InventoryLayout } from './renderInventoryFiles.js';

/** Where clusters are imported from. */
export type ImportSource = 'argocd' | 'kubeconfig';

/** Every source, in documentation order. */
export const IMPORT_SOURCES: readonly ImportSource[] = ['argocd', 'kubeconfig'];

/** What to import from, and where to write it. */
export interface ImportOptions {
  from: ImportSource;
  /** The spec repo's working tree. */
  repoDir: string;
  /**
   * Relative to `repoDir` (or absolute): a `.yaml`/`.yml` file gets every Location as one multi-document
   * file; anything else is a folder that gets one `<name>.yaml` per Location. Default: the inventory
   * folder of the repo's edgeplane.yaml (`inventory`), one file per Location.
   */
  out?: string;
  /** Overwrite files that exist. Default false: an existing file is a problem. */
  force?: boolean;
  /** A kubeconfig file; default: the usual loading rules ($KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeconfig?: string;
  /** `argocd`: the context to read the Secrets through. `kubeconfig`: import only this context. */
  context?: string;
  /** Where Argo CD keeps its cluster Secrets. Default `argocd`. */
  namespace?: string;
  /** `spec.consumer` of the imported Locations. Default `argocd` from Argo CD, none from a kubeconfig. */
  consumer?: Consumer;
  /** Reads the cluster Secrets (tests and other transports pass their own). Default: the Kubernetes API. */
  readSecrets?: (kc: KubeConfig, namespace: string) => Promise<SecretLike[]>;
}

/** What an import found and did. */
export interface ImportResult {
  /** The Locations, sorted by name (also when nothing was written). */
  locations: ImportedLocation[];
  /** Repo-relative paths written, sorted; empty when there were problems. */
  files: string[];
  problems: ImportProblem[];
  notes: string[];
  /** What was read, for messages: `Argo CD cluster Secrets in namespace argocd`. */
  description: string;
}

/** Runs an import; operational failures (kubeconfig, API) throw `EdgeplaneError`. */
export async function importInventory(options: ImportOptions): Promise<ImportResult> {
  if (!fs.existsSync(options.repoDir) || !fs.statSync(options.repoDir).isDirectory()) {
    throw new EdgeplaneError('BAD_ARGUMENT', `${options.repoDir} is not a folder: --repo names the spec repo's working tree`, { repo: options.repoDir });
  }
  const kc = loadKubeConfig(options);
  const { clusters, problems, description } = await readClusters(kc, options);
  const inventoryDir = inventoryPath(options.repoDir);
  const layout = layoutOf(options.repoDir, options.out, inventoryDir);
  const consumer = options.consumer ?? (options.from === 'argocd' ? 'argocd' : undefined);

  // Files this run writes no longer count as holding names: they are replaced.
  const planned = new Set(renderInventoryFiles(locationsFromClusters(clusters, { consumer }).locations, layout).keys());
  const taken = existingLocationNames(options.repoDir, inventoryDir, planned);
  const result = locationsFromClusters(clusters, { consumer, taken });
  const files = renderInventoryFiles(result.locations, layout);
  problems.push(...result.problems, ...overwriteProblems(options.repoDir, files, options.force ?? false));
  if (clusters.length === 0 && problems.length === 0) {
    problems.push({
      source: description,
      message: 'no clusters found',
      hint: options.from === 'argocd' ? `check --namespace and --context: Argo CD cluster Secrets carry the label ${ARGOCD_CLUSTER_SELECTOR}` : 'check --kubeconfig and --context',
    });
  }
  if (problems.length > 0) return { locations: result.locations, files: [], problems, notes: result.notes, description };
  writeFiles(options.repoDir, files);
  return { locations: result.locations, files: [...files.keys()].sort(), problems: [], notes: result.notes, description };
}

function loadKubeConfig(options: ImportOptions): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig) {
      if (!fs.existsSync(options.kubeconfig)) throw new Error('no such file');
      kc.loadFromFile(options.kubeconfig);
    } else kc.loadFromDefault();
  } catch (error) {
    const where = options.kubeconfig ?? 'the default kubeconfig';
    throw new EdgeplaneError('BAD_ARGUMENT', `cannot read ${where}: ${(error as Error).message}`, { kubeconfig: options.kubeconfig }, { cause: error });
  }
  if (options.context !== undefined) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(options.context)) {
      throw new EdgeplaneError('BAD_ARGUMENT', `the kubeconfig has no context ${JSON.stringify(options.context)} (it has: ${names.join(', ') || 'none'})`, { context: options.context, contexts: names });
    }
    if (options.from === 'argocd') kc.setCurrentContext(options.context);
  }
  return kc;
}

async function readClusters(kc: KubeConfig, options: ImportOptions): Promise<{ clusters: ClusterRecord[]; problems: ImportProblem[]; description: string }> {
  if (options.from === 'kubeconfig') {
    return { ...clustersFromKubeconfig(kc, options.context), description: options.context ? `kubeconfig context ${JSON.stringify(options.context)}` : 'kubeconfig contexts' };
  }
  const namespace = options.namespace ?? 'argocd';
  const secrets = await (options.readSecrets ?? readClusterSecrets)(kc, namespace);
  return { ...clustersFromArgoCdSecrets(secrets), description: `Argo CD cluster Secrets in namespace ${namespace}` };
}

/** The repo's inventory folder, from its edgeplane.yaml when that names a safe one. */
function inventoryPath(repoDir: string): string {
  const file = path.join(repoDir, 'edgeplane.yaml');
  try {
    const settings = fs.existsSync(file) ? (parse(fs.readFileSync(file, 'utf8')) as Settings) : undefined;
    const inventory = resolveSettings(typeof settings === 'object' && settings !== null ? settings : undefined).inventoryPath;
    return typeof inventory === 'string' && isSafeRepoPath(inventory) ? inventory.replace(/\/+$/, '') : 'inventory';
  } catch {
    return 'inventory';
  }
}

function layoutOf(repoDir: string, out: string | undefined, inventoryDir: string): InventoryLayout {
  if (out === undefined) return { folder: inventoryDir };
  const relative = path.relative(path.resolve(repoDir), path.resolve(repoDir, out)).split(path.sep).join('/') || '.';
  return /\.ya?ml$/i.test(out) ? { file: relative } : { folder: relative };
}
