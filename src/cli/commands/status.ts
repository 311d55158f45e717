import { Command } from 'commander';
import { EdgeplaneError } from '../../errors/edgeplaneError.js';
import { toCanonicalYaml } from '../../render/canonicalYaml.js';
import { commitFleetStatus, computeFleetStatus, type CollectedReports, type FleetStatus } from '../../status/fleetStatus.js';
import { objectHealth } from '../../status/health.js';
import { formatStatusTable } from '../../status/render/statusTable.js';
import type { Spec } from '../../load/spec.js';
import type { OutputTarget } from '../../publish/outputTarget.js';
import { kubeConfigFor } from '../../status/sources/kubeClient.js';
import { readArgoReports } from '../../status/sources/readArgocd.js';
import { readFluxReports } from '../../status/sources/readFlux.js';
import type { Io } from '../main.js';
import { outputOverrides, specSource, withRepoOptions, type RepoOptions } from '../options.js';

interface StatusFlags extends RepoOptions {
  format: string;
  commit?: boolean;
  now?: string;
  staleAfter?: string;
  fromArgocd?: string;
  argocdNamespace?: string;
  fromFlux?: string;
}

/**
 * `edgeplane status`: what runs where. Reads the spec and the output repo (fetching the location reports of a
 * remote one), summarizes, prints; with `--commit` also writes the summary to the status branch, one commit
 * only when it changed.
 */
export function statusCommand(io: Io, _setCode: (code: number) => void): Command {
  return withRepoOptions(new Command('status'))
    .description('summarize what runs where from the location reports: per placement, locations per state, revisions, broken objects, collectors')
    .option('-o, --format <format>', 'table, yaml or json', 'table')
    .option('--commit', 'also write the summary to the status branch (summary/<placement>.yaml, README.md) and push it')
    .option('--now <iso-time>', 'the time staleness is judged at (default: now)')
    .option('--stale-after <duration>', "a report older than this is stale, e.g. 15m (default: edgeplane.yaml's spec.status.staleAfter)")
    .option('--from-argocd <kubeconfig>', 'also build reports from the Argo CD Applications of this hub cluster')
    .option('--argocd-namespace <namespace>', 'where the hub Applications are (default: every namespace)')
    .option('--from-flux <kubeconfig>', 'also build reports from Flux at each location: the kubeconfig context named after a location reaches it')
    .action(async (flags: StatusFlags) => {
      if (!['table', 'yaml', 'json'].includes(flags.format)) {
        throw new EdgeplaneError('BAD_ARGUMENT', `--format must be table, yaml or json, not ${JSON.stringify(flags.format)}`);
      }
      const now = flags.now ? new Date(flags.now) : new Date();
      if (Number.isNaN(now.getTime())) throw new EdgeplaneError('BAD_ARGUMENT', `--now ${JSON.stringify(flags.now)} is not a time`);
      const status = await computeFleetStatus({
        source: specSource(flags),
        output: outputOverrides(flags),
        now,
        ...(flags.staleAfter ? { staleAfter: flags.staleAfter } : {}),
        collectReports: (context) => collectReports(flags, context, now),
      });
      io.out(render(status, flags.format));
      if (flags.commit) {
        const commit = await commitFleetStatus(status, now);
        const branch = status.settings.statusBranch;
        io.err(commit ? `committed ${commit.slice(0, 12)} to ${branch}${status.target.remote ? ' and pushed it' : ''}\n` : `${branch} is up to date: nothing changed\n`);
      }
    });
}

function render(status: FleetStatus, format: string): string {
  if (format === 'json') return `${JSON.stringify(status.summary, null, 2)}\n`;
  if (format === 'yaml') return toCanonicalYaml(status.summary);
  return formatStatusTable(status.summary);
}

async function collectReports(flags: StatusFlags, context: { spec: Spec; target: OutputTarget }, now: Date): Promise<CollectedReports> {
  const reports: CollectedReports = { reports: [], notes: [] };
  if (flags.fromArgocd) {
    const argo = await readArgoReports({
      access: { kubeconfig: flags.fromArgocd },
      namespace: flags.argocdNamespace,
      mapping: { branchPrefix: context.spec.settings.branchPrefix },
      now,
    });
    reports.reports.push(...argo.reports);
    reports.notes.push(...argo.notes);
  }
  if (flags.fromFlux) {
    const kubeconfig = flags.fromFlux;
    const contexts = new Set(kubeConfigFor({ kubeconfig }).getContexts().map((c) => c.name));
    const flux = await readFluxReports({
      locations: context.spec.locations.map((l) => l.value.metadata.name),
      accessOf: (location) => (contexts.has(location) ? { kubeconfig, context: location } : undefined),
      now,
      healthOf: objectHealth,
    });
    reports.reports.push(...flux.reports);
    reports.notes.push(...flux.notes);
  }
  return reports;
}
