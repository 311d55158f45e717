import * as fs from 'node:fs';
import type { Consumer } from '../../api/location.js';
import { DEFAULT_REPORT_BRANCH_PREFIX, REPORT_FILE, type LocationReport } from '../../api/locationReport.js';
import { readBlobs } from '../../git/refs.js';
import { fetchRefs, type RemoteAuth } from '../../git/remote.js';
import { gitFailed, runGit } from '../../git/runGit.js';
import { publishReport, type PublishedReport } from '../reportBranch.js';
import { parseReport } from '../readReports.js';
import { kubeConfigFor, type ClusterAccess } from '../sources/kubeClient.js';
import type { HealthOf } from '../sources/liveObject.js';
import { readLocationOutput, refHead } from './locationOutput.js';
import { observeLocation } from './observeLocation.js';

/** Everything `edgeplane agent` needs to know. */
export interface AgentOptions {
  location: string;
  /** The output repo: an http(s) URL or a local path. */
  repo: string;
  auth?: RemoteAuth | undefined;
  /** The output's layout, as the spec's edgeplane.yaml says (defaults as there). */
  mode?: 'branch' | 'folder' | undefined;
  branchPrefix?: string | undefined;
  folderBranch?: string | undefined;
  reportBranchPrefix?: string | undefined;
  /** A folder the agent owns: a bare repository with the last fetched output and the latest report. */
  stateDir: string;
  /**
   * Fetch the output at the start of each round (default true). False: observe against the copy last fetched into
   * the state folder, for a consumer on the same machine that fetches it there itself (see `agentOutputRepo`),
   * so one round costs one fetch, not two.
   */
  fetchOutput?: boolean | undefined;
  access: ClusterAccess;
  consumer?: Consumer | undefined;
  /** `namespace/name` of the consumer's Application or Kustomization (default `<ns>/edgeplane-<location>`). */
  consumerObject?: string | undefined;
  healthOf: HealthOf;
}

/** What one round did. */
export interface AgentRound {
  report: LocationReport;
  delivery: PublishedReport;
  /** Whether the location's output was fetched this round (else the last fetched copy was used). */
  fetched: boolean;
  fetchError?: string;
}

/**
 * One round of the agent: fetch the location's output (or keep the last copy when Git is unreachable) ─►
 * read every object it lists from the cluster, with health ─► work out what the consumer applied ─► commit the
 * report ─► push it (or keep it for the next round when Git is unreachable).
 */
export async function runAgentOnce(options: AgentOptions, now: Date): Promise<AgentRound> {
  const { gitdir, outputRef, localOutput } = await agentOutputRepo(options);
  const mode = options.mode ?? 'branch';
  let fetched = false;
  let fetchError: string | undefined;
  if (options.fetchOutput ?? true) {
    try {
      // Only the output's history is worth offering the server: the report commits this agent made are not in it.
      const tips = (await refHead(gitdir, localOutput)) === null ? [] : [localOutput];
      await fetchRefs({ gitdir, url: options.repo, refspecs: [`+${outputRef}:${localOutput}`], negotiationTips: tips, ...(options.auth ? { auth: options.auth } : {}) });
      fetched = true;
    } catch (error) {
      fetchError = (error as Error).message;
    }
  }
  const head = await refHead(gitdir, localOutput);
  const root = mode === 'folder' ? `locations/${options.location}/` : '';
  const output = head ? await readLocationOutput(gitdir, head, root) : undefined;

  const reportRef = `refs/heads/${options.reportBranchPrefix ?? DEFAULT_REPORT_BRANCH_PREFIX}${options.location}`;
  const previous = await lastReport(gitdir, reportRef);
  const report = await observeLocation(kubeConfigFor(options.access), {
    location: options.location,
    output,
    consumer: options.consumer,
    consumerObject: options.consumerObject,
    previouslyApplied: previous?.status.applied,
    healthOf: options.healthOf,
    now,
  });
  const delivery = await publishReport({ gitdir, ref: reportRef, remote: { url: options.repo, auth: options.auth } }, report, now);
  return { report, delivery, fetched, ...(fetchError ? { fetchError } : {}) };
}

/**
 * Runs rounds every `intervalMs` until `signal` aborts. A failing round (the cluster unreachable, say) is
 * reported to `onRound` and the next one runs as planned: the agent never stops for an outage.
 */
export async function runAgent(
  options: AgentOptions & { intervalMs: number; signal?: AbortSignal; clock?: () => Date; onRound?: (round: AgentRound | Error) => void },
): Promise<void> {
  const clock = options.clock ?? (() => new Date());
  while (!options.signal?.aborted) {
    try {
      options.onRound?.(await runAgentOnce(options, clock()));
    } catch (error) {
      options.onRound?.(error as Error);
    }
    await sleep(options.intervalMs, options.signal);
  }
}

/** Where the agent keeps the location's output: its state repository and the refs a round fetches. */
export interface AgentOutputRepo {
  /** `<stateDir>/output.git`, a bare repository (created when missing). */
  gitdir: string;
  /** The output ref at the remote, e.g. `refs/heads/edgeplane/kiruna`. */
  outputRef: string;
  /** Where a round fetches it to, e.g. `refs/remotes/output/edgeplane/kiruna`. */
  localOutput: string;
}

/**
 * The agent's output repository for `options`, created when missing. A consumer that fetches the output into
 * `localOutput` of `gitdir` itself can run the agent with `fetchOutput: false`.
 */
export async function agentOutputRepo(options: Pick<AgentOptions, 'stateDir' | 'location' | 'mode' | 'branchPrefix' | 'folderBranch'>): Promise<AgentOutputRepo> {
  const gitdir = await stateRepo(options.stateDir);
  const outputRef =
    (options.mode ?? 'branch') === 'branch' ? `refs/heads/${options.branchPrefix ?? 'edgeplane/'}${options.location}` : `refs/heads/${options.folderBranch ?? 'edgeplane-locations'}`;
  return { gitdir, outputRef, localOutput: outputRef.replace(/^refs\/heads\//, 'refs/remotes/output/') };
}

async function stateRepo(dir: string): Promise<string> {
  const gitdir = `${dir.replace(/\/+$/, '')}/output.git`;
  if (!fs.existsSync(`${gitdir}/HEAD`)) {
    fs.mkdirSync(gitdir, { recursive: true });
    const result = await runGit({ args: ['init', '--bare', '--quiet', gitdir] });
    if (result.code !== 0) throw gitFailed(`git init ${gitdir}`, result);
  }
  return gitdir;
}

async function lastReport(gitdir: string, ref: string): Promise<LocationReport | undefined> {
  const spec = `${ref}:${REPORT_FILE}`;
  const blob = (await readBlobs(gitdir, [spec])).get(spec);
  if (!blob) return undefined;
  const parsed = parseReport(blob.toString('utf8'));
  return 'report' in parsed ? parsed.report : undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
