import type { Consumer } from '../api/location.js';
import type { Properties } from '../render/template.js';
import type { BootstrapTemplates } from './bootstrapTemplates.js';

/** What the bootstrap manifests need to know about the output and the fleet. */
export interface BootstrapInput {
  /** The URL edges (and a hub) pull the output repo from. */
  repoURL: string;
  mode: 'branch' | 'folder';
  branchPrefix: string;
  folderBranch: string;
  locations: readonly { name: string; consumer: Consumer }[];
  argocdNamespace?: string;
  fluxNamespace?: string;
  project?: string;
  /** How often Flux checks the branch. */
  interval?: string;
  /** A Secret in the Flux namespace with the Git credentials, when the repo is private. */
  secretName?: string;
}

/** Where one location's output is: the revision (branch) and path a consumer points at. */
export function locationSource(input: Pick<BootstrapInput, 'mode' | 'branchPrefix' | 'folderBranch'>, name: string) {
  return input.mode === 'folder'
    ? { revision: input.folderBranch, path: `locations/${name}` }
    : { revision: `${input.branchPrefix}${name}`, path: '.' };
}

/**
 * Renders every bootstrap file (path → text), for the `edgeplane-bootstrap` branch:
 * `argocd-hub/applicationset.yaml` (all Argo CD locations through a hub), `argocd-edge/<location>.yaml`
 * (an Argo CD at the edge), `flux/<location>.yaml` (Flux at the edge) and `kubectl/<location>.sh` (the
 * kubectl baseline), each location by its consumer, and a README. Pure and deterministic.
 */
export function composeBootstrap(input: BootstrapInput, templates: BootstrapTemplates): Map<string, string> {
  const base = {
    repoURL: input.repoURL,
    mode: input.mode,
    folder: input.mode === 'folder',
    branchPrefix: input.branchPrefix,
    folderBranch: input.folderBranch,
    argocdNamespace: input.argocdNamespace ?? 'argocd',
    fluxNamespace: input.fluxNamespace ?? 'flux-system',
    project: input.project ?? 'default',
    interval: input.interval ?? '5m',
    secretName: input.secretName ?? '',
  };
  const files = new Map<string, string>();
  const locations = [...input.locations].sort((a, b) => (a.name < b.name ? -1 : 1));
  const render = (name: keyof BootstrapTemplates, location?: { name: string }) =>
    templates[name].render({
      ...base,
      location: location ? { ...location, ...locationSource(input, location.name) } : {},
    } as unknown as Properties);

  if (locations.some((l) => l.consumer === 'argocd')) files.set('argocd-hub/applicationset.yaml', render('argocd-hub-applicationset.yaml.hbs'));
  for (const location of locations) {
    if (location.consumer === 'argocd') files.set(`argocd-edge/${location.name}.yaml`, render('argocd-edge-application.yaml.hbs', location));
    if (location.consumer === 'flux') files.set(`flux/${location.name}.yaml`, render('flux-location.yaml.hbs', location));
    if (location.consumer === 'kubectl') files.set(`kubectl/${location.name}.sh`, render('kubectl-apply.sh.hbs', location));
  }
  files.set('README.md', bootstrapReadme(input, locations));
  return files;
}

function bootstrapReadme(input: BootstrapInput, locations: readonly { name: string; consumer: Consumer }[]): string {
  const count = (consumer: Consumer) => locations.filter((l) => l.consumer === consumer).length;
  return [
    '# edgeplane bootstrap',
    '',
    `How each consumer pulls its location's output from \`${input.repoURL}\` (${input.mode} mode).`,
    'Written by edgeplane on every reconcile; the templates can be overridden in the spec repo under `templates/bootstrap/`.',
    '',
    '| consumer | locations | apply |',
    '| --- | --- | --- |',
    `| Argo CD hub | ${count('argocd')} | \`kubectl apply -n argocd -f argocd-hub/applicationset.yaml\` on the hub; register each edge cluster in Argo CD with its location name${input.mode === 'branch' ? ' and the label `edgeplane.io/managed=true`' : ''} |`,
    `| Argo CD at the edge | ${count('argocd')} | \`kubectl apply -f argocd-edge/<location>.yaml\` on the edge |`,
    `| Flux at the edge | ${count('flux')} | \`kubectl apply -f flux/<location>.yaml\` on the edge (Flux installed) |`,
    `| kubectl | ${count('kubectl')} | run \`kubectl/<location>.sh\` on the edge (cron) |`,
    '',
  ].join('\n');
}
