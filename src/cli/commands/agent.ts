import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import type { Consumer } from '../../api/location.js';
import { EdgeplaneError } from '../../errors/edgeplaneError.js';
import { runAgent, runAgentOnce, type AgentOptions, type AgentRound } from '../../status/agent/runAgent.js';
import { parseDuration } from '../../status/duration.js';
import { objectHealth } from '../../status/health.js';
import { EXIT } from '../exitCodes.js';
import type { Io } from '../main.js';
import { readAuth } from '../options.js';

interface AgentFlags {
  location: string;
  output: string;
  kubeconfig?: string;
  context?: string;
  interval: string;
  once?: boolean;
  stateDir?: string;
  mode: string;
  branchPrefix: string;
  folderBranch: string;
  reportBranchPrefix: string;
  consumer?: string;
  consumerObject?: string;
  tokenFile?: string;
}

/**
 * `edgeplane agent`: runs at a location. Every interval it reads the objects its output lists from the
 * cluster, computes their health, works out what its consumer applied, and pushes a report to
 * `edgeplane-reports/<location>`. When Git is unreachable it keeps the latest report and pushes it later.
 */
export function agentCommand(io: Io, setCode: (code: number) => void): Command {
  return new Command('agent')
    .description('run at a location: report what runs there (applied revision, object health) to edgeplane-reports/<location>')
    .requiredOption('--location <name>', 'the location this agent reports for')
    .requiredOption('--output <url|path>', 'the output repo (where the location branch is and reports go)')
    .option('--kubeconfig <file>', 'kubeconfig of the location cluster (default: the in-cluster service account)')
    .option('--context <name>', 'context of the kubeconfig (default: its current context)')
    .option('--interval <duration>', 'time between reports, e.g. 60s or 5m', '60s')
    .option('--once', 'report once and exit (exit code 2 when the report could not be pushed)')
    .option('--state-dir <dir>', 'where the agent keeps the last fetched output and its reports (default ~/.cache/edgeplane/agent-<location>)')
    .option('--mode <mode>', 'branch or folder, as the spec repo edgeplane.yaml says', 'branch')
    .option('--branch-prefix <prefix>', 'branch prefix of branch mode', 'edgeplane/')
    .option('--folder-branch <branch>', 'the branch of folder mode', 'edgeplane-locations')
    .option('--report-branch-prefix <prefix>', 'branch prefix of reports', 'edgeplane-reports/')
    .option('--consumer <consumer>', "argocd, flux or kubectl (default: the location's published record)")
    .option('--consumer-object <namespace/name>', 'the Argo CD Application or Flux Kustomization to read (default argocd/edgeplane-<location> or flux-system/edgeplane-<location>)')
    .option('--token-file <file>', 'file holding the Git token for an http(s) output (else $EDGEPLANE_GIT_TOKEN)')
    .action(async (flags: AgentFlags) => {
      const options = agentOptions(flags);
      if (flags.once) {
        const round = await runAgentOnce(options, new Date());
        io.out(describeRound(round));
        if (round.delivery.delivery === 'offline') setCode(EXIT.failure);
        return;
      }
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await runAgent({
          ...options,
          intervalMs: parseDuration(flags.interval),
          signal: controller.signal,
          onRound: (round) => (round instanceof Error ? io.err(`${new Date().toISOString()} round failed: ${round.message}\n`) : io.out(describeRound(round))),
        });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}

function agentOptions(flags: AgentFlags): AgentOptions {
  if (flags.mode !== 'branch' && flags.mode !== 'folder') throw new EdgeplaneError('BAD_ARGUMENT', `--mode must be branch or folder, not ${JSON.stringify(flags.mode)}`);
  if (flags.consumer !== undefined && !['argocd', 'flux', 'kubectl'].includes(flags.consumer)) {
    throw new EdgeplaneError('BAD_ARGUMENT', `--consumer must be argocd, flux or kubectl, not ${JSON.stringify(flags.consumer)}`);
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(flags.location)) throw new EdgeplaneError('BAD_ARGUMENT', `--location ${JSON.stringify(flags.location)} is not a location name`);
  parseDuration(flags.interval);
  return {
    location: flags.location,
    repo: flags.output,
    auth: readAuth({ repo: flags.output, ...(flags.tokenFile ? { tokenFile: flags.tokenFile } : {}) }),
    mode: flags.mode,
    branchPrefix: flags.branchPrefix,
    folderBranch: flags.folderBranch,
    reportBranchPrefix: flags.reportBranchPrefix,
    stateDir: flags.stateDir ?? path.join(os.homedir(), '.cache', 'edgeplane', `agent-${flags.location}`),
    access: { kubeconfig: flags.kubeconfig, context: flags.context },
    consumer: flags.consumer as Consumer | undefined,
    consumerObject: flags.consumerObject,
    healthOf: objectHealth,
  };
}

/** One line per round: when, what was delivered, and what the location runs. */
export function describeRound(round: AgentRound): string {
  const status = round.report.status;
  const objects = status.objects ?? [];
  const unhealthy = objects.filter((o) => o.health !== 'Healthy' && o.health !== 'Unknown').length;
  const applied = status.applied?.commit ? `applied ${status.applied.commit.slice(0, 12)}` : 'nothing applied';
  const delivery = round.delivery.delivery === 'offline' ? `kept for later (${round.delivery.error ?? 'Git unreachable'})` : round.delivery.delivery;
  const fetch = round.fetched ? '' : '; output not fetched, used the last copy';
  return `${status.observedAt} report ${round.delivery.commit.slice(0, 12)} ${delivery}: ${applied}, ${objects.length} objects, ${unhealthy} not healthy, consumer ${status.consumer?.sync ?? 'Unknown'}/${status.consumer?.health ?? 'Unknown'}${fetch}\n`;
}
