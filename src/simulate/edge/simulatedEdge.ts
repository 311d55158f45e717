/**
 * One simulated edge of `edgeplane demo groundstations`: a station's cluster (./simulatedCluster.ts), the
 * kubectl-style consumer that keeps it running its branch, and the real `edgeplane agent` code reporting on it.
 *
 * A poll, on the edge's own jittered schedule: fetch ONLY the station's branch with git into the agent's output
 * repository ─► when its head moved: build it with the real `kubectl kustomize`, apply it, prune what left it
 * (./applyInventory.ts), let the controllers settle ─► run the agent round (`runAgentOnce`, consumer kubectl,
 * `fetchOutput: false`: it observes exactly the copy just fetched) and push the report to
 * `edgeplane-reports/<station>`. Reports also go every `reportIntervalMs` and whenever the controllers change a
 * workload's status (a rollout finishing or failing), so health reaches the center without waiting a poll.
 *
 * The center being away changes nothing at the edge: a failed fetch leaves the cluster running what it runs and
 * the agent keeps its report until a push goes through. A poll with nothing new costs one `git fetch` and a file
 * read; the state folder keeps the git state and the applied inventory across restarts of the edge.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DEFAULT_REPORT_BRANCH_PREFIX, type LocationReport } from '../../api/locationReport.js';
import { EdgeplaneError } from '../../errors/edgeplaneError.js';
import { fetchRefs } from '../../git/remote.js';
import { readLocationOutput, refHead } from '../../status/agent/locationOutput.js';
import { agentOutputRepo, runAgentOnce, type AgentOptions, type AgentOutputRepo } from '../../status/agent/runAgent.js';
import { objectHealth } from '../../status/health.js';
import { applyInventory, readInventory, writeInventory, type Inventory } from './applyInventory.js';
import { buildOutput } from './buildOutput.js';
import { KubeRest } from './kubeRest.js';
import { SimulatedCluster } from './simulatedCluster.js';
import { SimulatedEdgeError } from './simulatedEdgeError.js';
import type { EdgeEvent, EdgeRound, EdgeState, SimulatedEdgeOptions } from './edgeTypes.js';

export type { EdgeEvent, EdgeRound, EdgeState, RunningRevision, SimulatedEdgeOptions } from './edgeTypes.js';

/** A running simulated edge. */
export class SimulatedEdge {
  /** The station's cluster: tests read and poke it through `cluster.server`. */
  readonly cluster: SimulatedCluster;
  readonly #options: SimulatedEdgeOptions;
  readonly #clock: () => number;
  readonly #random: () => number;
  readonly #output: AgentOutputRepo;
  readonly #client: KubeRest;
  readonly #inventoryFile: string;
  #inventory: Inventory;
  /** The last commit kustomize refused: rebuilding it would fail the same way. */
  #unbuildable: string | null = null;
  readonly #state: EdgeState;
  #queue: Promise<unknown> = Promise.resolve();
  #polling = false;
  #reportQueued = false;
  /** Fetches failed since the last one that succeeded: the next poll is a retry, sooner than the interval. */
  #failedInRow = 0;
  #reportAfterPoll = false;
  #pollTimer: NodeJS.Timeout | undefined;
  #reportTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  private constructor(options: SimulatedEdgeOptions, cluster: SimulatedCluster, output: AgentOutputRepo, inventory: Inventory) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.cluster = cluster;
    this.#output = output;
    this.#inventory = inventory;
    this.#inventoryFile = path.join(options.stateDir, 'applied-inventory.json');
    this.#client = new KubeRest(cluster.server);
    this.#state = {
      station: options.station,
      branchHead: null,
      // The cluster starts empty: whatever the inventory says was applied is applied again at the first poll.
      appliedCommit: null,
      sourceCommit: null,
      history: [],
      fetches: 0,
      fetchFailures: 0,
      lastFetchAt: null,
      lastFetchError: null,
      applies: 0,
      applyFailures: 0,
      lastApplyError: null,
      reports: 0,
      lastReportAt: null,
      health: null,
      reportPending: false,
    };
  }

  /** Starts the station's cluster and, unless `scheduled: false`, its schedule (the first poll at a random point of one interval). */
  static async start(options: SimulatedEdgeOptions): Promise<SimulatedEdge> {
    if (!path.isAbsolute(options.kubectl)) {
      throw new EdgeplaneError('BAD_ARGUMENT', `kubectl must be an absolute path, got ${JSON.stringify(options.kubectl)}: the edge never runs a kubectl from PATH (tests pass kubectlPath())`, { kubectl: options.kubectl });
    }
    await fs.mkdir(options.stateDir, { recursive: true });
    const output = await agentOutputRepo({ stateDir: path.join(options.stateDir, 'agent'), location: options.station, branchPrefix: options.branchPrefix });
    const inventory = await readInventory(path.join(options.stateDir, 'applied-inventory.json'));
    let edge: SimulatedEdge | undefined;
    const cluster = await SimulatedCluster.start({
      images: options.images,
      startupMs: options.startupMs,
      progressDeadlineMs: options.progressDeadlineMs,
      kubeconfigDir: options.stateDir,
      context: options.station,
      ...(options.clock ? { clock: options.clock } : {}),
      onStatusChange: () => {
        if (edge) edge.#requestReport();
      },
    });
    try {
      edge = new SimulatedEdge(options, cluster, output, inventory);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    if (options.scheduled ?? true) {
      edge.#schedulePoll(edge.#random() * options.pollIntervalMs);
      edge.#scheduleReport();
    }
    return edge;
  }

  /** A copy of what the edge knows now. */
  state(): EdgeState {
    return structuredClone(this.#state);
  }

  /** Polls now (after any round in flight): fetch, apply when the branch moved, report after an apply. */
  round(): Promise<EdgeRound> {
    return this.#exclusive(() => this.#poll());
  }

  /** Runs an agent round now (after any round in flight) and resolves with its report. */
  report(): Promise<LocationReport | undefined> {
    return this.#exclusive(() => this.#report());
  }

  /** Stops the schedule, waits for the round in flight, and stops the cluster. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#pollTimer);
    clearTimeout(this.#reportTimer);
    await this.#queue.catch(() => undefined);
    await this.cluster.stop();
  }

  /** Runs `task` after every task queued before it: polls and reports never overlap. */
  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #wait(intervalMs: number): number {
    const jitter = this.#options.jitter ?? 0.2;
    return Math.max(0, intervalMs * (1 + jitter * (2 * this.#random() - 1)));
  }

  #schedulePoll(delayMs: number): void {
    if (this.#stopped || this.#options.scheduled === false) return;
    clearTimeout(this.#pollTimer);
    this.#pollTimer = setTimeout(() => {
      void this.#exclusive(() => this.#poll()).finally(() => this.#schedulePoll(this.#wait(this.#nextPollMs())));
    }, delayMs);
  }

  /** The poll interval, or after failed fetches in a row the retry delay, doubling per failure. */
  #nextPollMs(): number {
    const { pollIntervalMs, retryMs = 1000 } = this.#options;
    if (this.#failedInRow === 0) return pollIntervalMs;
    return Math.min(pollIntervalMs, retryMs * 2 ** Math.min(this.#failedInRow - 1, 20));
  }

  #scheduleReport(): void {
    if (this.#stopped || this.#options.scheduled === false) return;
    clearTimeout(this.#reportTimer);
    this.#reportTimer = setTimeout(() => this.#requestReport(), this.#wait(this.#options.reportIntervalMs));
  }

  /** A report soon: one queued report serves any number of requests, and a poll in flight reports at its end. */
  #requestReport(): void {
    if (this.#stopped) return;
    if (this.#polling) {
      this.#reportAfterPoll = true;
      return;
    }
    if (this.#reportQueued) return;
    this.#reportQueued = true;
    void this.#exclusive(() => {
      this.#reportQueued = false;
      return this.#report();
    });
  }

  /** One poll; never throws: what went wrong is in the result, the state and the events. */
  async #poll(): Promise<EdgeRound> {
    if (this.#stopped) return { fetched: false, applied: false };
    this.#polling = true;
    let fetched = false;
    let applied = false;
    try {
      fetched = await this.#fetch();
      const head = await this.#head();
      this.#state.branchHead = head;
      if (fetched) this.#emit({ kind: 'fetched', commit: head, changed: head !== this.#state.appliedCommit });
      let error = fetched ? undefined : (this.#state.lastFetchError ?? undefined);
      if (head !== null && head !== this.#state.appliedCommit && head !== this.#unbuildable) {
        applied = true;
        error = (await this.#apply(head)) ?? error;
        await this.cluster.settle().catch(() => 0);
      }
      this.#polling = false;
      // Back in touch after reports piled up locally: deliver the latest now, not at the next interval.
      if (applied || this.#reportAfterPoll || (fetched && this.#state.reportPending)) {
        this.#reportAfterPoll = false;
        await this.#report();
      }
      return { fetched, applied, ...(error ? { error } : {}) };
    } catch (error) {
      // Only the local state repository failing gets here (a full disk, say): the next poll tries again.
      const message = (error as Error).message;
      this.#emit({ kind: 'poll-failed', error: message });
      return { fetched, applied, error: message };
    } finally {
      this.#polling = false;
    }
  }

  /** Fetches the station's branch, and nothing else, to where the agent reads it. False when the fetch failed. */
  async #fetch(): Promise<boolean> {
    const { gitdir, outputRef, localOutput } = this.#output;
    this.#state.fetches++;
    this.#state.lastFetchAt = this.#clock();
    try {
      // What the edge has of its branch is all the server needs to hear: the agent's report commits are no help.
      const tips = (await this.#head()) === null ? [] : [localOutput];
      await fetchRefs({ gitdir, url: this.#options.repoUrl, refspecs: [`+${outputRef}:${localOutput}`], auth: this.#options.auth, negotiationTips: tips });
      this.#state.lastFetchError = null;
      this.#failedInRow = 0;
      return true;
    } catch (error) {
      this.#state.fetchFailures++;
      this.#failedInRow++;
      this.#state.lastFetchError = (error as Error).message;
      this.#emit({ kind: 'fetch-failed', error: this.#state.lastFetchError });
      return false;
    }
  }

  /** The fetched head: the loose ref file git fetch writes (no process), else git's answer (packed refs). */
  async #head(): Promise<string | null> {
    const { gitdir, localOutput } = this.#output;
    try {
      const text = (await fs.readFile(path.join(gitdir, localOutput), 'utf8')).trim();
      if (/^[0-9a-f]{40}$/.test(text)) return text;
    } catch {
      // not loose: ask git
    }
    return refHead(gitdir, localOutput);
  }

  /** Builds and applies `commit`; the error's message when it failed (the cluster keeps what it ran). */
  async #apply(commit: string): Promise<string | undefined> {
    try {
      const manifests = await buildOutput({ gitdir: this.#output.gitdir, commit, kubectl: this.#options.kubectl, scratchDir: path.join(this.#options.stateDir, 'build') });
      const result = await applyInventory(this.#client, commit, manifests, this.#inventory);
      this.#inventory = result.inventory;
      await writeInventory(this.#inventoryFile, result.inventory);
      const output = await readLocationOutput(this.#output.gitdir, commit, '');
      this.#state.appliedCommit = commit;
      this.#state.sourceCommit = output?.sourceCommit ?? null;
      this.#state.applies++;
      this.#state.lastApplyError = null;
      this.#emit({ kind: 'applied', commit, sourceCommit: this.#state.sourceCommit, objects: result.applied, pruned: result.pruned.length });
      return undefined;
    } catch (error) {
      const code = error instanceof SimulatedEdgeError ? error.code : 'APPLY_FAILED';
      if (code === 'BUILD_FAILED' || code === 'BAD_OUTPUT') this.#unbuildable = commit;
      if (error instanceof SimulatedEdgeError && error.data['inventory']) {
        this.#inventory = error.data['inventory'] as Inventory;
        await writeInventory(this.#inventoryFile, this.#inventory);
      }
      this.#state.applyFailures++;
      this.#state.lastApplyError = (error as Error).message;
      this.#emit({ kind: 'apply-failed', commit, code, error: this.#state.lastApplyError });
      return this.#state.lastApplyError;
    }
  }

  /** One round of the real agent against the cluster; records when the station started running a revision. */
  async #report(): Promise<LocationReport | undefined> {
    if (this.#stopped) return undefined;
    this.#scheduleReport();
    const now = this.#clock();
    const agent: AgentOptions = {
      location: this.#options.station,
      repo: this.#options.repoUrl,
      auth: this.#options.auth,
      branchPrefix: this.#options.branchPrefix,
      reportBranchPrefix: this.#options.reportBranchPrefix ?? DEFAULT_REPORT_BRANCH_PREFIX,
      stateDir: path.join(this.#options.stateDir, 'agent'),
      fetchOutput: false,
      access: { kubeconfig: this.cluster.kubeconfig },
      consumer: 'kubectl',
      healthOf: objectHealth,
    };
    try {
      const round = await runAgentOnce(agent, new Date(now));
      const report = round.report;
      const health = report.status.consumer?.health ?? 'Unknown';
      const applied = report.status.applied;
      const running = applied?.sourceCommit ?? null;
      this.#state.reports++;
      this.#state.health = health;
      this.#state.reportPending = round.delivery.delivery === 'offline';
      if (round.delivery.delivery === 'pushed') this.#state.lastReportAt = this.#clock();
      this.#emit({ kind: 'reported', delivery: round.delivery.delivery, health, appliedCommit: applied?.commit ?? null, appliedSourceCommit: running });
      const last = this.#state.history[this.#state.history.length - 1];
      if (applied?.commit && running && health === 'Healthy' && last?.sourceCommit !== running) {
        this.#state.history.push({ at: now, sourceCommit: running, commit: applied.commit });
        this.#emit({ kind: 'running', commit: applied.commit, sourceCommit: running });
      }
      return report;
    } catch (error) {
      this.#emit({ kind: 'report-failed', error: (error as Error).message });
      return undefined;
    }
  }

  #emit(event: DistributiveOmit<EdgeEvent, 'at' | 'station'>): void {
    this.#options.onEvent?.({ at: this.#clock(), station: this.#options.station, ...event } as EdgeEvent);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
