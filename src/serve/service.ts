/**
 * `edgeplane serve`: the long-running reconciler. It sequences the parts of `src/serve/`:
 *
 *   triggers (webhook, schedule, manual, peers, shard changes) ─► TriggerQueue (coalesce, serialize, back off)
 *   ─► reconcile of the shards this replica owns (rollouts decided by the elected replica, followed by the others)
 *   ─► status summary (elected replica) ─► fleet view for the page
 *
 * and serves /healthz, /readyz, /metrics, the status page, /webhook and /trigger. Without sharding one replica
 * reconciles the whole fleet; with it, a ShardCoordinator holds Kubernetes Leases and the reconcile publishes only
 * the locations of owned shards (disjoint refs, so replicas never write the same branch).
 */
import * as fs from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { schedule as cronSchedule, type ScheduledTask } from 'node-cron';
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import { formatProblem } from '../errors/problem.js';
import { runGit } from '../git/runGit.js';
import { isRemote, redactUrl, type GitAuth } from '../load/readSpecFiles.js';
import { cachePath, type SpecSource } from '../reconcile/loadSpec.js';
import { reconcile, type ReconcileOptions, type ReconcileResult } from '../reconcile/reconcile.js';
import type { Summary } from '../status/summary.js';
import { systemClock, type Clock } from './clock.js';
import type { ServeSettings } from './config.js';
import { FleetReader } from './fleetReader.js';
import { startHttpServer, type Handlers, type HttpServer } from './httpServer.js';
import { kubernetesLeases, type Leases } from './leases.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type ServiceMetrics } from './metrics.js';
import { serviceHandlers } from './serviceHandlers.js';
import { locationFilter } from './shardAssignment.js';
import { ShardCoordinator } from './shardCoordinator.js';
import type { LastRunView, StatusPageData } from './statusPage.js';
import { fleetStatusWriter, type StatusWriter } from './statusWriter.js';
import { TriggerQueue, type FailureClass, type QueueRun, type TriggerSource } from './triggerQueue.js';

/** What one run did, for `onReconciled` listeners (tests, the benchmark). */
export interface RunOutcome {
  run: number;
  /** Shards reconciled; undefined without sharding. */
  shards?: number[] | undefined;
  result?: ReconcileResult | undefined;
  /** Why nothing was reconciled (no shard owned). */
  skipped?: string | undefined;
  error?: unknown;
}

export interface ServiceOptions {
  settings: ServeSettings;
  clock?: Clock;
  logger?: Logger;
  /** Leases to coordinate through; default: the cluster's, when sharding is enabled. */
  leases?: Leases;
  /** Writes the status summary on the elected replica. Default: `fleetStatusWriter()` (the status branch). */
  status?: StatusWriter;
  /** Called after every run, successful or not. */
  onReconciled?: (outcome: RunOutcome) => void;
  env?: NodeJS.ProcessEnv;
}

/** A running service. */
export class EdgeplaneService {
  readonly settings: ServeSettings;
  readonly queue: TriggerQueue<RunOutcome>;
  readonly coordinator: ShardCoordinator | undefined;
  readonly metrics: ServiceMetrics;
  readonly logger: Logger;
  readonly #options: ServiceOptions;
  readonly #clock: Clock;
  readonly #env: NodeJS.ProcessEnv;
  #http: HttpServer | undefined;
  #cron: ScheduledTask | undefined;
  #stopping = false;
  #lastRun: LastRunView | undefined;
  readonly #fleet: FleetReader;
  readonly #preparedCaches = new Set<string>();
  /** The local mirror of a remote output repo, once a run has opened it. */
  #outputCache: string | undefined;

  private constructor(options: ServiceOptions) {
    this.#options = options;
    this.settings = options.settings;
    this.#clock = options.clock ?? systemClock;
    this.#env = options.env ?? process.env;
    this.logger = options.logger ?? createLogger({ level: options.settings.logLevel, secrets: () => this.#secrets() });
    this.queue = new TriggerQueue<RunOutcome>({
      clock: this.#clock,
      run: (run) => this.#reconcile(run),
      backoff: this.settings.backoff,
      coalesceMs: this.settings.coalesceMs,
      classify,
      events: {
        started: (run) => this.logger.debug({ run: run.run, coalesced: run.coalesced, triggers: run.triggers.map((t) => t.source) }, 'reconcile started'),
        succeeded: (run, outcome, ms) => this.#succeeded(run, outcome, ms),
        failed: (run, error, failure, retryAt, ms) => this.#failed(run, error, failure, retryAt, ms),
      },
    });
    const sharding = this.settings.sharding;
    this.coordinator = sharding
      ? new ShardCoordinator({
          leases: options.leases ?? clusterLeases(sharding.kubeconfig, sharding.namespace, sharding.group),
          clock: this.#clock,
          identity: sharding.identity,
          group: sharding.group,
          shards: sharding.shards,
          leaseDurationMs: sharding.leaseDurationMs,
          renewIntervalMs: sharding.renewIntervalMs,
          retryPeriodMs: sharding.retryPeriodMs,
          onChange: (owned, leader) => {
            this.logger.info({ owned: [...owned].sort((a, b) => a - b), leader }, 'shard ownership changed');
            if (owned.size > 0) this.trigger('shards', `now owns ${owned.size} shard(s)`);
          },
          onPeerTrigger: (detail) => this.trigger('peer', detail),
          onError: (error) => this.logger.warn({ err: error }, 'lease loop: the Kubernetes API failed; retrying'),
        })
      : undefined;
    this.#fleet = new FleetReader(this.#clock, this.logger);
    this.metrics = createMetrics({
      queue: () => this.queue.state,
      shards: () => (this.coordinator ? { owned: this.coordinator.owned().size, leader: this.coordinator.isLeader() } : undefined),
      reportAges: () => this.#fleet.reportAges,
    });
  }

  /** Starts everything: the lease loop, the HTTP endpoints, the schedule, and a first reconcile. */
  static async start(options: ServiceOptions): Promise<EdgeplaneService> {
    const service = new EdgeplaneService(options);
    await service.#start();
    return service;
  }

  /** `http://host:port` of the endpoints. */
  get url(): string {
    return this.#http?.url ?? '';
  }

  /** Asks for a reconcile (coalesced with any other pending request). */
  trigger(source: TriggerSource, detail?: string): void {
    if (this.#stopping) return;
    this.metrics.triggers.inc({ source });
    this.queue.request(source, detail);
  }

  /**
   * Stops taking triggers, lets the running reconcile finish, then hands the leases back (`release`, default
   * true; false leaves them to expire, as a crash would) and closes the endpoints.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    await this.#cron?.destroy();
    await this.queue.stop();
    await this.coordinator?.stop({ release: options.release ?? true });
    await this.#http?.close();
    this.logger.info('stopped');
    this.logger.flush();
  }

  async #start(): Promise<void> {
    const s = this.settings;
    this.logger.info(
      {
        repo: redactUrl(s.source.repo),
        ref: s.source.ref,
        schedule: s.schedule ?? 'off',
        webhookSecrets: s.webhook.secrets.describe,
        triggerTokens: s.triggerTokens.describe,
        sharding: s.sharding ? { shards: s.sharding.shards, identity: s.sharding.identity, namespace: s.sharding.namespace, group: s.sharding.group } : 'off',
      },
      'starting',
    );
    if (s.webhook.secrets.read().length === 0) this.logger.warn('no webhook secret configured: every webhook is refused (401); reconciles run on the schedule and /trigger');
    this.coordinator?.start();
    try {
      this.#http = await startHttpServer({ host: s.listen.host, port: s.listen.port, handlers: this.#handlers() });
    } catch (error) {
      await this.coordinator?.stop();
      throw new EdgeplaneError('BAD_ARGUMENT', `cannot listen on ${s.listen.host}:${s.listen.port}: ${(error as Error).message}`, { listen: s.listen }, { cause: error });
    }
    if (s.schedule) {
      this.#cron = cronSchedule(s.schedule, () => this.trigger('schedule', s.schedule), { name: 'edgeplane-poll', noOverlap: true });
      // A tick missed while the process was busy (a reconcile, a burst of webhooks) costs nothing: reconciles
      // coalesce and the next tick comes. Said at debug level, instead of node-cron's own warning on stderr.
      this.#cron.on('execution:missed', () => this.logger.debug({ schedule: s.schedule }, 'a scheduled tick was missed while the service was busy'));
    }
    this.logger.info({ url: this.#http.url }, 'listening');
    this.trigger('startup');
  }

  async #reconcile(run: QueueRun): Promise<RunOutcome> {
    const checkout = this.coordinator?.checkout();
    const shards = checkout ? [...checkout.shards].sort((a, b) => a - b) : undefined;
    try {
      if (checkout && checkout.shards.size === 0) return this.#emit({ run: run.run, shards, skipped: 'this replica owns no shard yet' });
      const source = this.#source();
      if (isRemote(source.repo)) await this.#prepareCache(cachePath(source.cacheDir, source.repo));
      const options: ReconcileOptions = {
        source,
        output: { repo: this.settings.output.repo, mode: this.settings.output.mode, auth: source.auth },
        now: new Date(this.#clock.now()),
        // Rollouts span shards: the elected replica alone decides them; the others render from its records.
        ...(checkout ? { shard: locationFilter(checkout.shards, this.settings.sharding!.shards), rollouts: checkout.leader ? 'decide' : 'follow' } : {}),
      };
      const result = await reconcile(options);
      if (checkout && result.rolloutsCommit) {
        // A batch released (or rolled back) in other shards reaches them at their next reconcile: now.
        this.coordinator?.broadcast(`rollouts ${result.rolloutsCommit.slice(0, 12)}`).catch((error: unknown) => this.logger.warn({ err: error }, 'could not tell the other replicas about the rollouts'));
      }
      if (result.target.remote) {
        this.#outputCache = result.target.gitdir;
        await this.#prepareCache(result.target.gitdir);
      }
      this.#lastRun = {
        specCommit: result.specCommit,
        finishedAt: this.#clock.now(),
        created: result.created.length,
        updated: result.updated.length,
        unchanged: result.unchanged,
        retired: result.retired.length,
        held: result.held,
        problems: result.problems.slice(0, 20).map(formatProblem),
        pushed: result.publish.push?.pushed ?? 0,
        shards,
      };
      let summary: Summary | undefined;
      if (this.settings.writeStatus && (!checkout || checkout.leader)) {
        const writer = this.#options.status ?? fleetStatusWriter({ argocd: this.settings.argocd });
        summary = await writer
          .write({ source, output: options.output ?? {}, now: new Date(this.#clock.now()) })
          .catch((error: unknown) => {
            this.metrics.statusFailures.inc();
            this.logger.error({ err: error }, 'writing the status summary failed');
            return undefined;
          });
      }
      await this.#fleet.refresh(result, source, summary);
      return this.#emit({ run: run.run, shards, result });
    } catch (error) {
      if (classify(error) === 'transient') await this.#dropCaches();
      this.#emit({ run: run.run, shards, error });
      throw error;
    } finally {
      checkout?.done();
    }
  }

  /**
   * A long-running service adds packs to its cache repositories on every run, so git's automatic gc eventually
   * repacks them, by default in a detached background process, which deletes packs that the next run's
   * isomorphic-git reads are listing ("Could not read packfile"). In the service's caches gc runs in the
   * foreground instead: inside the git command that triggered it, between runs' reads, never beside them.
   */
  async #prepareCache(gitdir: string): Promise<void> {
    if (this.#preparedCaches.has(gitdir) || !fs.existsSync(`${gitdir}/HEAD`)) return;
    const result = await runGit({ gitdir, args: ['config', 'gc.autoDetach', 'false'] });
    if (result.code === 0) this.#preparedCaches.add(gitdir);
  }

  /**
   * After a failed run, the next one starts from the remotes' truth: a run can fail after writing location refs
   * into the local cache and before (or while) pushing them, and the next run would then take them for
   * published ("unchanged") and never push them, because fetching the remote's location refs does not remove
   * local ones it lacks. Dropping the cached repositories costs one full fetch after a failure.
   */
  async #dropCaches(): Promise<void> {
    const source = this.settings.source;
    const caches = new Set<string>();
    if (isRemote(source.repo)) caches.add(cachePath(source.cacheDir, source.repo));
    if (this.#outputCache) caches.add(this.#outputCache);
    for (const gitdir of caches) {
      this.#preparedCaches.delete(gitdir);
      await fs.promises.rm(gitdir, { recursive: true, force: true }).catch((error: unknown) => this.logger.warn({ err: error, gitdir }, 'could not drop a cache'));
    }
  }

  #emit(outcome: RunOutcome): RunOutcome {
    try {
      this.#options.onReconciled?.(outcome);
    } catch (error) {
      this.logger.warn({ err: error }, 'an onReconciled listener failed');
    }
    return outcome;
  }

  #succeeded(run: QueueRun, outcome: RunOutcome, ms: number): void {
    const m = this.metrics;
    const result = outcome.result;
    if (!result) {
      m.reconciles.inc({ outcome: 'skipped' });
      this.logger.info({ run: run.run, reason: outcome.skipped }, 'reconcile skipped');
      return;
    }
    m.reconciles.inc({ outcome: 'success' });
    m.reconcileDuration.observe({ outcome: 'success' }, ms / 1000);
    m.locationsRendered.inc(result.created.length + result.updated.length + result.unchanged + result.retired.length);
    for (const change of ['created', 'updated', 'retired'] as const) m.locationsChanged.inc({ change }, result[change].length);
    m.heldPlacements.set(result.held.length);
    m.pushRetries.inc(result.publish.push?.rebased.length ?? 0);
    const log = result.held.length > 0 ? this.logger.warn.bind(this.logger) : this.logger.info.bind(this.logger);
    log(
      {
        run: run.run,
        ms: Math.round(ms),
        coalesced: run.coalesced,
        triggers: [...new Set(run.triggers.map((t) => t.source))],
        specCommit: result.specCommit,
        shards: outcome.shards,
        created: result.created.length,
        updated: result.updated.length,
        unchanged: result.unchanged,
        retired: result.retired.length,
        pushed: result.publish.push?.pushed ?? 0,
        held: result.held,
        problems: result.problems.length,
      },
      result.held.length > 0 ? 'reconciled; some placements are held at their last good output' : 'reconciled',
    );
  }

  #failed(run: QueueRun, error: unknown, failure: FailureClass, retryAt: number | undefined, ms: number): void {
    this.metrics.reconciles.inc({ outcome: 'failure' });
    this.metrics.reconcileDuration.observe({ outcome: 'failure' }, ms / 1000);
    if (isPushFailure(error)) this.metrics.pushFailures.inc();
    this.logger.error(
      {
        run: run.run,
        ms: Math.round(ms),
        err: error,
        failure,
        consecutiveFailures: this.queue.state.consecutiveFailures,
        retryAt: retryAt === undefined ? undefined : new Date(retryAt).toISOString(),
      },
      failure === 'terminal' ? 'reconcile failed; waiting for a change of the spec' : 'reconcile failed; backing off',
    );
  }

  #source(): SpecSource {
    const auth = this.#gitAuth();
    return { repo: this.settings.source.repo, ref: this.settings.source.ref, auth, cacheDir: this.settings.source.cacheDir };
  }

  /** Read at every reconcile, so a rotated token file is picked up without a restart. */
  #gitAuth(): GitAuth | undefined {
    const file = this.settings.git.tokenFile;
    let token = this.#env['EDGEPLANE_GIT_TOKEN'];
    if (file !== undefined) {
      try {
        token = fs.readFileSync(file, 'utf8').trim();
      } catch (error) {
        throw new EdgeplaneError('AUTH', `cannot read the Git token file ${file}: ${(error as Error).message}`, { file }, { cause: error });
      }
    }
    return token ? { username: this.settings.git.username ?? this.#env['EDGEPLANE_GIT_USERNAME'] ?? 'x-access-token', token } : undefined;
  }

  #secrets(): string[] {
    const s = this.settings;
    const git = (() => {
      try {
        return this.#gitAuth()?.token;
      } catch {
        return undefined;
      }
    })();
    return [...s.webhook.secrets.read(), ...s.triggerTokens.read(), ...(git ? [git] : [])];
  }

  #handlers(): Handlers {
    return serviceHandlers({
      settings: this.settings,
      metrics: this.metrics,
      logger: this.logger,
      pageData: () => this.#pageData(),
      notReady: () => [
        ...(this.#stopping ? ['stopping'] : []),
        ...(this.coordinator && !this.coordinator.snapshot().ready ? ['the lease loop has not reached the Kubernetes API yet'] : []),
      ],
      trigger: (source, detail) => {
        this.trigger(source, detail);
        // The other replicas reconcile their shards too; they hear of it through the trigger lease.
        this.coordinator?.broadcast(detail).catch((error: unknown) => this.logger.warn({ err: error }, 'could not tell the other replicas'));
      },
    });
  }

  #pageData(): StatusPageData {
    const sharding = this.settings.sharding;
    return {
      now: this.#clock.now(),
      source: { repo: redactUrl(this.settings.source.repo), ref: this.settings.source.ref },
      queue: this.queue.state,
      lastRun: this.#lastRun,
      shards: this.coordinator && sharding ? { ...this.coordinator.snapshot(), count: sharding.shards } : undefined,
      fleet: this.#fleet.view,
      fleetError: this.#fleet.error,
    };
  }

}

/** Invalid specs and bad arguments wait for a change; everything else (Git, network, pushes) backs off. */
function classify(error: unknown): FailureClass {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'INVALID_SPEC' || code === 'BAD_ARGUMENT' ? 'terminal' : 'transient';
}

function isPushFailure(error: unknown): boolean {
  if (!(error instanceof EdgeplaneError)) return false;
  return error.code === 'PUSH_REJECTED' || (error.code === 'GIT_FAILED' && /^push failed/.test(error.message));
}

function clusterLeases(kubeconfig: string | undefined, namespace: string, group: string): Leases {
  const kubeConfig = new KubeConfig();
  if (kubeconfig) kubeConfig.loadFromFile(kubeconfig);
  else kubeConfig.loadFromDefault();
  return kubernetesLeases({ kubeConfig, namespace, group });
}
